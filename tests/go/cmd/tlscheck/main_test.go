package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"dbtls.test/go/internal/mysqlproto"
	"dbtls.test/go/internal/testpki"
	"dbtls.test/go/internal/tlsx"
)

type pki struct {
	ca, rogue               *testpki.CA
	server, client, cnOnly  *testpki.Leaf
	rogueClient, underInter *testpki.Leaf
	interCA                 *testpki.CA
}

func newPKI(t *testing.T) *pki {
	dir := t.TempDir()
	p := &pki{ca: testpki.NewCA(dir, "Test Root CA"), rogue: testpki.NewCA(dir, "Rogue CA")}
	p.server, _ = p.ca.Issue("server", testpki.Options{CN: "db1", DNS: []string{"db1", "localhost"}, IPs: []string{"127.0.0.1"}})
	p.client, _ = p.ca.Issue("client", testpki.Options{CN: "app"})
	p.cnOnly, _ = p.ca.Issue("cn-only", testpki.Options{CN: "db1"})
	p.rogueClient, _ = p.rogue.Issue("rogue-client", testpki.Options{CN: "intruder"})
	_, p.interCA = p.ca.Issue("inter", testpki.Options{CN: "Test Intermediate CA", IsCA: true})
	p.underInter, _ = p.interCA.Issue("server-inter", testpki.Options{CN: "db2", DNS: []string{"db2"}})
	return p
}

func (p *pki) pair(server, client *testpki.Leaf, name string) PairFiles {
	return PairFiles{ServerCert: server.CertPath, ServerKey: server.KeyPath, ClientCert: client.CertPath,
		ClientKey: client.KeyPath, CA: p.ca.CertPEM, ServerName: name}
}

func mustPair(t *testing.T, f PairFiles) pairReport {
	t.Helper()
	r, err := Pair(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPairMutualTLS(t *testing.T) {
	p := newPKI(t)
	r := mustPair(t, p.pair(p.server, p.client, "db1"))
	if !r.OK || r.ClientCN != "app" || r.ServerCN != "db1" || r.Version != "TLS1.3" || r.Error != "" {
		t.Fatalf("mutual TLS: %+v", r)
	}
	if r := mustPair(t, p.pair(p.server, p.client, "127.0.0.1")); !r.OK {
		t.Errorf("IP SAN: %+v", r)
	}
}

func TestPairRefusesClientFromAnotherCA(t *testing.T) {
	p := newPKI(t)
	r := mustPair(t, p.pair(p.server, p.rogueClient, "db1"))
	if r.OK || r.Reason != "unknown_authority" || !strings.Contains(r.ServerError, "certificate signed by unknown authority") ||
		!strings.Contains(r.ClientError, "remote error: tls:") {
		t.Fatalf("rogue client accepted or wrong error: %+v", r)
	}
	// With the rogue CA trusted for clients only, the same certificate gets in.
	f := p.pair(p.server, p.rogueClient, "db1")
	f.ClientCA = p.rogue.CertPEM
	if r := mustPair(t, f); !r.OK || r.ClientCN != "intruder" {
		t.Fatalf("--client-ca: %+v", r)
	}
}

func TestPairCNOnlyServerCertFailsGoVerification(t *testing.T) {
	p := newPKI(t)
	r := mustPair(t, p.pair(p.cnOnly, p.client, "db1"))
	if r.OK || r.Reason != "legacy_cn" ||
		!strings.Contains(r.Error, "x509: certificate relies on legacy Common Name field") {
		t.Fatalf("CN-only server cert: %+v", r)
	}
	r = mustPair(t, p.pair(p.cnOnly, p.client, "other"))
	if r.OK || !strings.Contains(r.Error, "certificate is not valid for any names") {
		t.Fatalf("CN-only server cert, other name: %+v", r)
	}
	r = mustPair(t, p.pair(p.server, p.client, "not-a-san.example"))
	if r.OK || r.Reason != "name_mismatch" || !strings.Contains(r.Error, "x509: certificate is valid for db1, localhost, not not-a-san.example") {
		t.Fatalf("wrong name: %+v", r)
	}
}

func TestPairIntermediateNeedsChainInCertFile(t *testing.T) {
	p := newPKI(t)
	chained := *p.underInter
	chained.CertPath = p.underInter.ChainPath
	if r := mustPair(t, p.pair(&chained, p.client, "db2")); !r.OK {
		t.Fatalf("leaf+intermediate, root only in CA: %+v", r)
	}
	if r := mustPair(t, p.pair(p.underInter, p.client, "db2")); r.OK || r.Reason != "unknown_authority" {
		t.Fatalf("leaf only under an intermediate: %+v", r)
	}
}

func TestVerify(t *testing.T) {
	p := newPKI(t)
	r, err := verify(p.server.CertPath, p.ca.CertPEM, "db1", 0)
	if err != nil || !r.OK || len(r.Chains) != 1 || len(r.Chains[0]) != 2 {
		t.Fatalf("verify: %+v %v", r, err)
	}
	r, _ = verify(p.cnOnly.CertPath, p.ca.CertPEM, "db1", 0)
	if r.OK || r.Reason != "legacy_cn" {
		t.Fatalf("CN only: %+v", r)
	}
	r, _ = verify(p.underInter.ChainPath, p.ca.CertPEM, "db2", 0)
	if !r.OK || len(r.Chains[0]) != 3 {
		t.Fatalf("chain file: %+v", r)
	}
	var out bytes.Buffer
	if code := cmdVerify([]string{"--cert", p.client.CertPath, "--ca", p.rogue.CertPEM, "--usage", "client"}, &out); code != 1 ||
		!strings.Contains(out.String(), `"reason":"unknown_authority"`) {
		t.Fatalf("verify against the wrong CA: %d %s", code, out.String())
	}
}

// serveOnce starts `tlscheck serve --once` and returns its address and a channel with its
// exit code and connection report.
func serveOnce(t *testing.T, args ...string) (string, chan string) {
	t.Helper()
	pr, pw := io.Pipe()
	done := make(chan string, 1)
	go func() {
		var buf bytes.Buffer
		code := cmdServe(append(args, "--once"), io.MultiWriter(pw, &buf))
		pw.Close()
		lines := strings.SplitN(buf.String(), "\n", 2)
		done <- strings.TrimSpace(lines[len(lines)-1]) + map[bool]string{true: " exit=0", false: " exit=1"}[code == 0]
	}()
	addr, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return strings.TrimSpace(addr), done
}

func TestServeAndDial(t *testing.T) {
	p := newPKI(t)
	server := []string{"--cert", p.server.CertPath, "--key", p.server.KeyPath, "--ca", p.ca.CertPEM}

	addr, done := serveOnce(t, server...)
	var out bytes.Buffer
	code := cmdDial([]string{"--addr", addr, "--server-name", "db1", "--ca", p.ca.CertPEM,
		"--cert", p.client.CertPath, "--key", p.client.KeyPath}, &out)
	var r dialReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || code != 0 || !r.OK ||
		!strings.Contains(string(r.PeerReply), `"client_cn":"app"`) || len(r.VerifiedChains) != 1 {
		t.Fatalf("dial: %d %s", code, out.String())
	}
	if s := <-done; !strings.Contains(s, `"client_cn":"app","verified_chain_len":2`) || !strings.HasSuffix(s, "exit=0") {
		t.Fatalf("serve: %s", s)
	}

	// A foreign client certificate: the TLS 1.3 client handshake completes, the refusal arrives
	// on the first read, and dial must still fail.
	addr, done = serveOnce(t, server...)
	out.Reset()
	code = cmdDial([]string{"--addr", addr, "--server-name", "db1", "--ca", p.ca.CertPEM,
		"--cert", p.rogueClient.CertPath, "--key", p.rogueClient.KeyPath}, &out)
	if code != 1 || !strings.Contains(out.String(), `"reason":"refused_by_peer"`) {
		t.Fatalf("rogue dial: %d %s", code, out.String())
	}
	if s := <-done; !strings.Contains(s, "unknown authority") || !strings.HasSuffix(s, "exit=1") {
		t.Fatalf("serve, rogue: %s", s)
	}

	// Same with TLS 1.2, where the refusal is part of the client's handshake.
	addr, done = serveOnce(t, server...)
	out.Reset()
	code = cmdDial([]string{"--addr", addr, "--server-name", "db1", "--ca", p.ca.CertPEM, "--max-version", "1.2"}, &out)
	if code != 1 || !strings.Contains(out.String(), `"version":"TLS1.2"`) {
		t.Fatalf("TLS 1.2 dial without client cert: %d %s", code, out.String())
	}
	<-done
}

// fakeMySQL is a minimal MySQL server: initial handshake (with CLIENT_SSL when cfg is set),
// TLS upgrade on SSLRequest, then "access denied" for any login.
func fakeMySQL(t *testing.T, cfg *tls.Config) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			return
		}
		defer raw.Close()
		caps := uint32(mysqlproto.ClientProtocol41 | mysqlproto.ClientSecureConnection | mysqlproto.ClientPluginAuth)
		if cfg != nil {
			caps |= mysqlproto.ClientSSL
		}
		g := mysqlproto.Greeting{Version: "10.11.19-MariaDB", Caps: caps, Charset: 45, AuthPlugin: "mysql_native_password"}
		_ = mysqlproto.WritePacket(raw, 0, mysqlproto.EncodeGreeting(g))
		_, req, err := mysqlproto.ReadPacket(raw)
		if err != nil || len(req) != 32 || mysqlproto.ClientCaps(req)&mysqlproto.ClientSSL == 0 || req[8] != 45 {
			return
		}
		conn := tls.Server(raw, cfg)
		_, login, err := mysqlproto.ReadPacket(conn)
		if err != nil {
			return
		}
		_ = mysqlproto.WritePacket(conn, 3, mysqlproto.Err(1045, "28000",
			"Access denied for user '"+mysqlproto.ClientUser(login)+"'@'localhost'"))
	}()
	return ln.Addr().String()
}

func TestDialMySQL(t *testing.T) {
	p := newPKI(t)
	cfg, err := tlsx.ServerConfig(tlsx.Files{Cert: p.server.CertPath, Key: p.server.KeyPath}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ccfg := &tls.Config{ServerName: "db1"}
	if ccfg.RootCAs, err = tlsx.LoadPool(p.ca.CertPEM); err != nil {
		t.Fatal(err)
	}
	r := dial(fakeMySQL(t, cfg), "mysql", "tlscheck", ccfg, 5*time.Second)
	if !r.OK || r.MySQLServerVersion != "10.11.19-MariaDB" ||
		r.MySQLReply != "ERROR 1045 (28000): Access denied for user 'tlscheck'@'localhost'" {
		t.Fatalf("dial --mysql: %+v", r)
	}
	r = dial(fakeMySQL(t, nil), "mysql", "tlscheck", ccfg, 5*time.Second)
	if r.OK || !strings.Contains(r.Error, "does not offer TLS") {
		t.Fatalf("dial --mysql without CLIENT_SSL: %+v", r)
	}
}
