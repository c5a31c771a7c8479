// Package testpki makes throw-away certificates for the Go tests: ECDSA P-256 keys in PKCS#8,
// leaves with keyUsage digitalSignature and EKU serverAuth+clientAuth, like the collection's PKI.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CA is a certificate authority whose files live in a directory.
type CA struct {
	Cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	dir     string
	CertPEM string // path of the CA certificate
	serial  int64
}

// Leaf describes an issued certificate; the files are <dir>/<Name>.crt and .key.
type Leaf struct {
	Cert      *x509.Certificate
	CertPath  string
	KeyPath   string
	ChainPath string // leaf followed by the issuing CA (for intermediates)
}

// Options of a leaf. Without DNS and IPs the certificate has no SAN extension (CN only).
type Options struct {
	CN       string
	DNS      []string
	IPs      []string
	NotAfter time.Time // zero: in a year
	IsCA     bool      // an intermediate CA
}

func writePEM(path, typ string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		panic(err)
	}
}

func newKey() (*ecdsa.PrivateKey, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	return key, der
}

// NewCA creates a self-signed root named cn, written to <dir>/<cn>.crt.
func NewCA(dir, cn string) *CA {
	key, _ := newKey()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &CA{Cert: cert, key: key, dir: dir, CertPEM: filepath.Join(dir, cn+".crt"), serial: 100}
	writePEM(ca.CertPEM, "CERTIFICATE", der)
	return ca
}

// Issue signs a leaf (or an intermediate CA with o.IsCA) named name.
func (ca *CA) Issue(name string, o Options) (*Leaf, *CA) {
	key, keyDER := newKey()
	ca.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.serial),
		Subject:      pkix.Name{CommonName: o.CN},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     o.NotAfter,
		DNSNames:     o.DNS,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	for _, ip := range o.IPs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	if o.IsCA {
		tmpl.KeyUsage, tmpl.ExtKeyUsage = x509.KeyUsageCertSign|x509.KeyUsageCRLSign, nil
		tmpl.BasicConstraintsValid, tmpl.IsCA = true, true
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	l := &Leaf{Cert: cert, CertPath: filepath.Join(ca.dir, name+".crt"),
		KeyPath: filepath.Join(ca.dir, name+".key"), ChainPath: filepath.Join(ca.dir, name+"-chain.crt")}
	writePEM(l.CertPath, "CERTIFICATE", der)
	writePEM(l.KeyPath, "PRIVATE KEY", keyDER)
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})...)
	if err := os.WriteFile(l.ChainPath, chain, 0o600); err != nil {
		panic(err)
	}
	var sub *CA
	if o.IsCA {
		sub = &CA{Cert: cert, key: key, dir: ca.dir, CertPEM: l.CertPath, serial: 1000}
	}
	return l, sub
}

// CRL writes a CRL revoking the given certificates to <dir>/<name>.crl and returns its path.
func (ca *CA) CRL(name string, revoked ...*x509.Certificate) string {
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute),
		NextUpdate: time.Now().Add(24 * time.Hour)}
	for _, c := range revoked {
		tmpl.RevokedCertificates = append(tmpl.RevokedCertificates,
			pkix.RevokedCertificate{SerialNumber: c.SerialNumber, RevocationTime: time.Now()})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.key)
	if err != nil {
		panic(err)
	}
	path := filepath.Join(ca.dir, name+".crl")
	writePEM(path, "X509 CRL", der)
	return path
}
