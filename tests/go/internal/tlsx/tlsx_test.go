package tlsx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"dbtls.test/go/internal/testpki"
)

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]uint16{"": 0, "TLSv1.2": tls.VersionTLS12, "tls1.3": tls.VersionTLS13, "1.0": tls.VersionTLS10} {
		if got, err := ParseVersion(in); err != nil || got != want {
			t.Errorf("%q: %x %v", in, got, err)
		}
	}
	if _, err := ParseVersion("SSLv3"); err == nil {
		t.Error("SSLv3 accepted")
	}
	if VersionName(tls.VersionTLS13) != "TLS1.3" {
		t.Error(VersionName(tls.VersionTLS13))
	}
}

func TestReasonAndCRL(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(dir, "CA")
	expired, _ := ca.Issue("old", testpki.Options{CN: "old", DNS: []string{"old"}, NotAfter: time.Now().Add(-time.Minute)})
	good, _ := ca.Issue("good", testpki.Options{CN: "good", DNS: []string{"good"}})
	pool, err := LoadPool(ca.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	_, err = expired.Cert.Verify(x509Opts(pool, "old"))
	if Reason(err) != "expired" {
		t.Errorf("expired: %v", err)
	}
	_, err = good.Cert.Verify(x509Opts(pool, "bad"))
	if Reason(err) != "name_mismatch" {
		t.Errorf("name: %v", err)
	}
	if Reason(errors.New("remote error: tls: bad certificate")) != "refused_by_peer" || Reason(nil) != "" {
		t.Error("Reason")
	}
	check, err := CRLCheck(ca.CRL("ca", expired.Cert))
	if err != nil {
		t.Fatal(err)
	}
	if err := check(nil, [][]*x509.Certificate{{good.Cert, ca.Cert}}); err != nil {
		t.Errorf("good cert revoked: %v", err)
	}
	if err := check(nil, [][]*x509.Certificate{{expired.Cert, ca.Cert}}); Reason(err) != "revoked" {
		t.Errorf("revoked cert: %v", err)
	}
	// A CRL from another CA does not apply.
	other := testpki.NewCA(t.TempDir(), "Other")
	if check, _ := CRLCheck(other.CRL("other", good.Cert)); check(nil, [][]*x509.Certificate{{good.Cert, ca.Cert}}) != nil {
		t.Error("foreign CRL applied")
	}
}

func x509Opts(pool *x509.CertPool, name string) x509.VerifyOptions {
	return x509.VerifyOptions{Roots: pool, DNSName: name}
}
