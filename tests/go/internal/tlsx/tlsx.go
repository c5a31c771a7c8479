// Package tlsx holds the TLS plumbing shared by tlscheck and the Vitess stand-in: loading
// certificates, CA pools and CRLs, building server and client configs with the same rules as
// Vitess's vttls package, and naming versions and failures.
package tlsx

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// Files names the PEM files of one TLS endpoint. Empty fields are unset.
type Files struct {
	Cert, Key  string // certificate (optionally followed by intermediates) and private key
	CA         string // trusted roots; on a server, enables required+verified client certs
	CRL        string // PEM file of one or more X509 CRLs
	ServerCA   string // server only: chain appended to Cert when sending it
	ServerName string // client only: name to verify (default: the host dialled)
}

// Enabled reports whether any TLS setting is given (Vitess dials in plaintext otherwise).
func (f Files) Enabled() bool {
	return f.Cert != "" || f.Key != "" || f.CA != "" || f.CRL != "" || f.ServerName != ""
}

// LoadPool reads every certificate of a PEM file into a new pool.
func LoadPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return pool, nil
}

// LoadKeyPair loads cert and key; extra PEM files (a server CA chain) are appended to the chain.
func LoadKeyPair(cert, key string, extra ...string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(cert)
	if err != nil {
		return tls.Certificate{}, err
	}
	for _, e := range extra {
		if e == "" {
			continue
		}
		more, err := os.ReadFile(e)
		if err != nil {
			return tls.Certificate{}, err
		}
		certPEM = append(append(certPEM, '\n'), more...)
	}
	keyPEM, err := os.ReadFile(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s / %s: %w", cert, key, err)
	}
	return pair, nil
}

// LoadCRLs reads the X509 CRL blocks of a PEM file.
func LoadCRLs(path string) ([]*x509.RevocationList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var crls []*x509.RevocationList
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "X509 CRL" {
			continue
		}
		crl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		crls = append(crls, crl)
	}
	if len(crls) == 0 {
		return nil, fmt.Errorf("%s: no X509 CRL found", path)
	}
	return crls, nil
}

// CRLCheck returns a VerifyPeerCertificate hook with Vitess's semantics: a certificate of a
// verified chain is refused when a CRL signed by its issuer lists its serial number.
func CRLCheck(path string) (func([][]byte, [][]*x509.Certificate) error, error) {
	crls, err := LoadCRLs(path)
	if err != nil {
		return nil, err
	}
	return func(_ [][]byte, chains [][]*x509.Certificate) error {
		for _, chain := range chains {
			for i := 0; i+1 < len(chain); i++ {
				if Revoked(chain[i], chain[i+1], crls) {
					return fmt.Errorf("Certificate revoked: CommonName=%v", chain[i].Subject.CommonName)
				}
			}
		}
		return nil
	}, nil
}

// Revoked reports whether one of crls, signed by issuer, lists cert.
func Revoked(cert, issuer *x509.Certificate, crls []*x509.RevocationList) bool {
	for _, crl := range crls {
		if crl.CheckSignatureFrom(issuer) != nil {
			continue
		}
		for _, r := range crl.RevokedCertificates {
			if r.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return true
			}
		}
	}
	return false
}

// ServerConfig builds a server config like vttls.ServerConfig: with a CA, client certificates
// are required and verified; with a CRL, revoked clients are refused.
func ServerConfig(f Files, minVersion uint16) (*tls.Config, error) {
	if minVersion == 0 {
		minVersion = tls.VersionTLS12
	}
	pair, err := LoadKeyPair(f.Cert, f.Key, f.ServerCA)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: minVersion, Certificates: []tls.Certificate{pair}}
	if f.CA != "" {
		if cfg.ClientCAs, err = LoadPool(f.CA); err != nil {
			return nil, err
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if f.CRL != "" {
		if cfg.VerifyPeerCertificate, err = CRLCheck(f.CRL); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// ClientConfig builds a client config like vttls.ClientConfig: roots from CA (system roots when
// unset), the server name to verify, an optional client certificate and CRL.
func ClientConfig(f Files) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.ServerName}
	var err error
	if f.Cert != "" || f.Key != "" {
		pair, err := LoadKeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if f.CA != "" {
		if cfg.RootCAs, err = LoadPool(f.CA); err != nil {
			return nil, err
		}
	}
	if f.CRL != "" {
		if cfg.VerifyPeerCertificate, err = CRLCheck(f.CRL); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// VersionName gives "TLS1.2" style names.
func VersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLS1.0"
	case tls.VersionTLS11:
		return "TLS1.1"
	case tls.VersionTLS12:
		return "TLS1.2"
	case tls.VersionTLS13:
		return "TLS1.3"
	case 0:
		return ""
	}
	return fmt.Sprintf("0x%04x", v)
}

// ParseVersion accepts "TLSv1.2", "TLS1.2", "1.2" (any case); "" gives 0.
func ParseVersion(s string) (uint16, error) {
	v := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(s), "tls"), "v")
	switch v {
	case "":
		return 0, nil
	case "1.0":
		return tls.VersionTLS10, nil
	case "1.1":
		return tls.VersionTLS11, nil
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("unknown TLS version %q (want TLSv1.0 .. TLSv1.3)", s)
}

// Reason classifies a handshake or verification error in one word, for assertions that should
// not depend on Go's wording. It goes by the message because Go 1.19's TLS server reports client
// verification failures as plain strings.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var netErr net.Error
	msg := err.Error()
	for _, r := range []struct{ needle, reason string }{
		{"legacy Common Name", "legacy_cn"},
		{"not valid for any names", "name_mismatch"},
		{"x509: certificate is valid for", "name_mismatch"},
		{"because it doesn't contain any IP SANs", "name_mismatch"},
		{"signed by unknown authority", "unknown_authority"},
		{"has expired or is not yet valid", "expired"},
		{"incompatible key usage", "usage"},
		{"Certificate revoked", "revoked"},
		{"remote error", "refused_by_peer"},
		{"connection refused", "connection_refused"},
	} {
		if strings.Contains(msg, r.needle) {
			return r.reason
		}
	}
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF):
		return "eof"
	}
	return "other"
}

// PeerCN is the CN of the first certificate the peer sent, "" when none.
func PeerCN(st tls.ConnectionState) string {
	if len(st.PeerCertificates) == 0 {
		return ""
	}
	return st.PeerCertificates[0].Subject.CommonName
}
