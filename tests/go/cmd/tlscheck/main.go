// Command tlscheck is a real Go crypto/tls peer for cross-checking the certificates and TLS
// settings the collection deploys: Go verifies names only against SANs (never the CN), exactly
// as Vitess does. Every subcommand prints one JSON report on stdout and exits 0 when the check
// passed, 1 when it failed, 2 on a usage error.
//
//	tlscheck serve  --cert C --key K [--ca CA] [--crl CRL] [--listen 127.0.0.1:0]
//	                [--require-client-cert] [--once]
//	tlscheck dial   --addr HOST:PORT [--ca CA] [--cert C --key K] [--server-name NAME]
//	                [--mysql | --starttls none|mysql] [--mysql-user U] [--crl CRL]
//	                [--max-version 1.2|1.3] [--timeout 10s]
//	tlscheck verify --cert C --ca CA [--dns NAME] [--usage any|server|client]
//	tlscheck pair   --server-cert C --server-key K --client-cert C --client-key K --ca CA
//	                [--client-ca CA] --server-name NAME
//
// serve prints the bound address on stdout line 1, then one JSON line per connection; each
// client gets a one-line JSON about itself ({client_cn, verified_chain_len, tls_version, ...}).
// With --ca client certificates are required and verified; --require-client-cert without --ca
// requires one without verifying it.
//
// dial verifies the server with Go's defaults (SAN-only name check) and presents --cert even
// when the server's list of acceptable CAs does not name its issuer (Go would then send none).
// It then waits up to 2 s for the peer's first line (tlscheck serve and the Vitess stand-in
// write one), so that a client certificate refused after a TLS 1.3 handshake still fails the
// check. With --mysql it first does the MySQL protocol's TLS upgrade (initial handshake,
// SSLRequest), then sends a login attempt for --mysql-user with an empty password over TLS and
// records the server's answer: any answer, even "access denied", proves the server accepted
// the TLS session.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"dbtls.test/go/internal/mysqlproto"
	"dbtls.test/go/internal/tlsx"
)

const usage = `usage: tlscheck serve|dial|verify|pair [flags]   (tlscheck CMD -h for flags)`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	cmds := map[string]func([]string, io.Writer) int{
		"serve": cmdServe, "dial": cmdDial, "verify": cmdVerify, "pair": cmdPair,
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	os.Exit(cmd(os.Args[2:], os.Stdout))
}

// emit prints v as one JSON line and turns ok into an exit code.
func emit(w io.Writer, v interface{}, ok bool) int {
	b, _ := json.Marshal(v)
	fmt.Fprintln(w, string(b))
	if ok {
		return 0
	}
	return 1
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func parse(fs *flag.FlagSet, args []string, required ...string) bool {
	if fs.Parse(args) != nil {
		return false
	}
	for _, r := range required {
		if fs.Lookup(r).Value.String() == "" {
			fmt.Fprintf(os.Stderr, "tlscheck %s: --%s is required\n", fs.Name(), r)
			return false
		}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "tlscheck %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false
	}
	return true
}

func subjects(chains [][]*x509.Certificate) [][]string {
	out := [][]string{}
	for _, chain := range chains {
		var names []string
		for _, c := range chain {
			names = append(names, c.Subject.String())
		}
		out = append(out, names)
	}
	return out
}

// ---- serve ----

type serveReport struct {
	Remote           string `json:"remote"`
	OK               bool   `json:"ok"`
	ClientCN         string `json:"client_cn"`
	VerifiedChainLen int    `json:"verified_chain_len"`
	TLSVersion       string `json:"tls_version"`
	Cipher           string `json:"cipher"`
	SNI              string `json:"sni"`
	Error            string `json:"error,omitempty"`
	Reason           string `json:"reason,omitempty"`
}

func serverReport(conn *tls.Conn, err error) serveReport {
	st := conn.ConnectionState()
	r := serveReport{Remote: conn.RemoteAddr().String(), OK: err == nil, ClientCN: tlsx.PeerCN(st),
		TLSVersion: tlsx.VersionName(st.Version), SNI: st.ServerName, Error: errString(err),
		Reason: tlsx.Reason(err)}
	if err == nil {
		r.Cipher = tls.CipherSuiteName(st.CipherSuite)
	}
	if len(st.VerifiedChains) > 0 {
		r.VerifiedChainLen = len(st.VerifiedChains[0])
	}
	return r
}

func cmdServe(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f tlsx.Files
	fs.StringVar(&f.Cert, "cert", "", "server certificate (PEM, may include the chain)")
	fs.StringVar(&f.Key, "key", "", "server private key")
	fs.StringVar(&f.CA, "ca", "", "client CA: client certificates are then required and verified")
	fs.StringVar(&f.CRL, "crl", "", "refuse client certificates listed in this CRL (PEM)")
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	requireCert := fs.Bool("require-client-cert", false, "require a client certificate (verified only with --ca)")
	once := fs.Bool("once", false, "exit after one connection (exit code 1 if its handshake failed)")
	if !parse(fs, args, "cert", "key") {
		return 2
	}
	cfg, err := tlsx.ServerConfig(f, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlscheck serve:", err)
		return 2
	}
	if *requireCert && f.CA == "" {
		cfg.ClientAuth = tls.RequireAnyClientCert
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlscheck serve:", err)
		return 2
	}
	fmt.Fprintln(out, ln.Addr().String())
	for {
		raw, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "tlscheck serve:", err)
			return 1
		}
		r := handleServe(tls.Server(raw, cfg))
		code := emit(out, r, r.OK)
		if *once {
			return code
		}
	}
}

func handleServe(conn *tls.Conn) serveReport {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	err := conn.Handshake()
	r := serverReport(conn, err)
	if err == nil {
		line, _ := json.Marshal(r)
		_, _ = conn.Write(append(line, '\n'))
	}
	return r
}

// ---- dial ----

type dialReport struct {
	OK                 bool            `json:"ok"`
	Addr               string          `json:"addr"`
	ServerName         string          `json:"server_name"`
	StartTLS           string          `json:"starttls"`
	Version            string          `json:"version"`
	Cipher             string          `json:"cipher"`
	ServerSubject      string          `json:"server_subject"`
	ServerCN           string          `json:"server_cn"`
	ServerIssuer       string          `json:"server_issuer"`
	ServerDNSNames     []string        `json:"server_dns_names"`
	VerifiedChains     [][]string      `json:"verified_chains"`
	PeerReply          json.RawMessage `json:"peer_reply,omitempty"`
	MySQLServerVersion string          `json:"mysql_server_version,omitempty"`
	MySQLReply         string          `json:"mysql_reply,omitempty"`
	Error              string          `json:"error"`
	Reason             string          `json:"reason"`
}

func cmdDial(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("dial", flag.ContinueOnError)
	var f tlsx.Files
	addr := fs.String("addr", "", "host:port to connect to")
	fs.StringVar(&f.CA, "ca", "", "trusted CA (PEM); default: the system roots")
	fs.StringVar(&f.Cert, "cert", "", "client certificate")
	fs.StringVar(&f.Key, "key", "", "client key")
	fs.StringVar(&f.CRL, "crl", "", "refuse a server certificate listed in this CRL")
	fs.StringVar(&f.ServerName, "server-name", "", "name to verify (default: the host of --addr)")
	mysql := fs.Bool("mysql", false, "same as --starttls mysql")
	starttls := fs.String("starttls", "none", "none, or mysql: TLS upgrade inside the MySQL protocol")
	user := fs.String("mysql-user", "tlscheck", "user name of the login attempt sent over TLS (--mysql)")
	maxVersion := fs.String("max-version", "", "highest TLS version to offer (1.2 or 1.3)")
	timeout := fs.Duration("timeout", 10*time.Second, "connect and handshake timeout")
	if !parse(fs, args, "addr") {
		return 2
	}
	if *mysql {
		*starttls = "mysql"
	}
	if *starttls != "none" && *starttls != "mysql" {
		fmt.Fprintf(os.Stderr, "tlscheck dial: --starttls %q: want none or mysql\n", *starttls)
		return 2
	}
	cfg, err := tlsx.ClientConfig(f)
	if err == nil {
		cfg.MaxVersion, err = tlsx.ParseVersion(*maxVersion)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlscheck dial:", err)
		return 2
	}
	if cfg.ServerName == "" {
		if cfg.ServerName, _, err = net.SplitHostPort(*addr); err != nil {
			fmt.Fprintln(os.Stderr, "tlscheck dial:", err)
			return 2
		}
	}
	r := dial(*addr, *starttls, *user, cfg, *timeout)
	return emit(out, r, r.OK)
}

func dial(addr, starttls, user string, cfg *tls.Config, timeout time.Duration) dialReport {
	r := dialReport{Addr: addr, ServerName: cfg.ServerName, StartTLS: starttls, VerifiedChains: [][]string{},
		ServerDNSNames: []string{}}
	if len(cfg.Certificates) > 0 {
		// Go would withhold a certificate whose issuer the server does not list as acceptable;
		// present it anyway, so that the server's own verification is what gets tested.
		cfg = cfg.Clone()
		cert := cfg.Certificates[0]
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	fail := func(err error) dialReport {
		r.OK, r.Error, r.Reason = false, err.Error(), tlsx.Reason(err)
		return r
	}
	raw, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return fail(err)
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(timeout))
	var caps uint32
	if starttls == "mysql" {
		if caps, r.MySQLServerVersion, err = mysqlStartTLS(raw); err != nil {
			return fail(err)
		}
	}
	conn := tls.Client(raw, cfg)
	err = conn.Handshake()
	st := conn.ConnectionState()
	r.Version = tlsx.VersionName(st.Version)
	if len(st.PeerCertificates) > 0 {
		leaf := st.PeerCertificates[0]
		r.ServerSubject, r.ServerIssuer = leaf.Subject.String(), leaf.Issuer.String()
		r.ServerDNSNames = append(r.ServerDNSNames, leaf.DNSNames...)
		r.ServerCN = leaf.Subject.CommonName
	}
	if err != nil {
		return fail(err)
	}
	r.Cipher = tls.CipherSuiteName(st.CipherSuite)
	r.VerifiedChains = subjects(st.VerifiedChains)
	// With TLS 1.3 the server judges our certificate after our handshake is done: its verdict
	// (an alert, or its first bytes) only shows on the first read.
	if starttls == "mysql" {
		if r.MySQLReply, err = mysqlLogin(conn, caps, user); err != nil {
			return fail(err)
		}
	} else {
		reply, err := readLine(conn, 2*time.Second)
		if err != nil {
			return fail(err)
		}
		if json.Valid(reply) && len(reply) > 0 {
			r.PeerReply = reply
		}
	}
	r.OK = true
	return r
}

// readLine reads the peer's first line. A peer that says nothing within wait is fine: the
// handshake succeeded and no alert came.
func readLine(conn net.Conn, wait time.Duration) ([]byte, error) {
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	var ne net.Error
	switch {
	case err == nil, errors.Is(err, io.EOF) && len(line) > 0:
		return []byte(strings.TrimSpace(string(line))), nil
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, io.EOF):
		return nil, nil
	}
	return nil, err
}

// mysqlStartTLS reads the server's initial handshake and sends an SSLRequest.
func mysqlStartTLS(conn net.Conn) (uint32, string, error) {
	_, p, err := mysqlproto.ReadPacket(conn)
	if err != nil {
		return 0, "", fmt.Errorf("reading the MySQL initial handshake: %w", err)
	}
	g, err := mysqlproto.ParseGreeting(p)
	if err != nil {
		return 0, "", err
	}
	if g.Caps&mysqlproto.ClientSSL == 0 {
		return 0, g.Version, fmt.Errorf("MySQL server %s does not offer TLS (no CLIENT_SSL capability)", g.Version)
	}
	caps := mysqlproto.ClientSSL | mysqlproto.ClientProtocol41 | mysqlproto.ClientSecureConnection |
		mysqlproto.ClientLongPassword | mysqlproto.ClientTransactions | mysqlproto.ClientMultiResults |
		g.Caps&mysqlproto.ClientPluginAuth
	err = mysqlproto.WritePacket(conn, 1, mysqlproto.SSLRequest(caps, mysqlproto.CharsetUTF8MB4))
	return caps, g.Version, err
}

// mysqlLogin sends a login attempt over TLS and describes the server's answer.
func mysqlLogin(conn net.Conn, caps uint32, user string) (string, error) {
	p := mysqlproto.HandshakeResponse(caps, mysqlproto.CharsetUTF8MB4, user, "mysql_native_password")
	if err := mysqlproto.WritePacket(conn, 2, p); err != nil {
		return "", err
	}
	_, reply, err := mysqlproto.ReadPacket(conn)
	if err != nil {
		return "", err
	}
	_ = mysqlproto.WritePacket(conn, 0, []byte{0x01}) // COM_QUIT
	return mysqlproto.DescribeReply(reply), nil
}

// ---- verify ----

type verifyReport struct {
	OK          bool       `json:"ok"`
	Subject     string     `json:"subject"`
	Issuer      string     `json:"issuer"`
	DNSNames    []string   `json:"dns_names"`
	IPAddresses []string   `json:"ip_addresses"`
	NotAfter    string     `json:"not_after"`
	Chains      [][]string `json:"chains"`
	Error       string     `json:"error"`
	Reason      string     `json:"reason"`
}

func cmdVerify(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	cert := fs.String("cert", "", "certificate to verify (PEM; following certificates are intermediates)")
	ca := fs.String("ca", "", "trusted roots (PEM)")
	dns := fs.String("dns", "", "name (or IP) the certificate must be valid for")
	usage := fs.String("usage", "any", "required extended key usage: any, server or client")
	if !parse(fs, args, "cert", "ca") {
		return 2
	}
	eku := map[string]x509.ExtKeyUsage{"any": x509.ExtKeyUsageAny,
		"server": x509.ExtKeyUsageServerAuth, "client": x509.ExtKeyUsageClientAuth}
	ku, ok := eku[*usage]
	if !ok {
		fmt.Fprintf(os.Stderr, "tlscheck verify: --usage %q: want any, server or client\n", *usage)
		return 2
	}
	r, err := verify(*cert, *ca, *dns, ku)
	if err != nil && r.Subject == "" && r.Error == "" {
		fmt.Fprintln(os.Stderr, "tlscheck verify:", err)
		return 2
	}
	return emit(out, r, r.OK)
}

func verify(certPath, caPath, dns string, usage x509.ExtKeyUsage) (verifyReport, error) {
	r := verifyReport{Chains: [][]string{}, DNSNames: []string{}, IPAddresses: []string{}}
	roots, err := tlsx.LoadPool(caPath)
	if err != nil {
		return r, err
	}
	data, err := os.ReadFile(certPath)
	if err != nil {
		return r, err
	}
	var certs []*x509.Certificate
	for block, rest := pemNext(data); block != nil; block, rest = pemNext(rest) {
		c, err := x509.ParseCertificate(block)
		if err != nil {
			return r, fmt.Errorf("%s: %w", certPath, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return r, fmt.Errorf("%s: no PEM certificate found", certPath)
	}
	leaf, inter := certs[0], x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	r.Subject, r.Issuer = leaf.Subject.String(), leaf.Issuer.String()
	r.DNSNames = append(r.DNSNames, leaf.DNSNames...)
	r.NotAfter = leaf.NotAfter.UTC().Format(time.RFC3339)
	for _, ip := range leaf.IPAddresses {
		r.IPAddresses = append(r.IPAddresses, ip.String())
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: dns,
		KeyUsages: []x509.ExtKeyUsage{usage}})
	r.OK, r.Chains, r.Error, r.Reason = err == nil, subjects(chains), errString(err), tlsx.Reason(err)
	return r, nil
}

// ---- pair ----

type pairReport struct {
	OK          bool   `json:"ok"`
	ServerName  string `json:"server_name"`
	Version     string `json:"version"`
	Cipher      string `json:"cipher"`
	ServerCN    string `json:"server_cn"` // as the client saw it
	ClientCN    string `json:"client_cn"` // as the server saw it
	ClientError string `json:"client_error"`
	ServerError string `json:"server_error"`
	Error       string `json:"error"` // the error of the side that detected the problem
	Reason      string `json:"reason"`
}

// PairFiles names the files of an in-process mutual TLS check.
type PairFiles struct {
	ServerCert, ServerKey, ClientCert, ClientKey, CA, ClientCA, ServerName string
}

func cmdPair(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("pair", flag.ContinueOnError)
	var p PairFiles
	fs.StringVar(&p.ServerCert, "server-cert", "", "server certificate")
	fs.StringVar(&p.ServerKey, "server-key", "", "server key")
	fs.StringVar(&p.ClientCert, "client-cert", "", "client certificate")
	fs.StringVar(&p.ClientKey, "client-key", "", "client key")
	fs.StringVar(&p.CA, "ca", "", "CA the client trusts (and the server, without --client-ca)")
	fs.StringVar(&p.ClientCA, "client-ca", "", "CA the server trusts for client certificates")
	fs.StringVar(&p.ServerName, "server-name", "", "name the client verifies")
	if !parse(fs, args, "server-cert", "server-key", "client-cert", "client-key", "ca", "server-name") {
		return 2
	}
	r, err := Pair(p)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlscheck pair:", err)
		return 2
	}
	return emit(out, r, r.OK)
}

// Pair runs a mutual TLS server and client over loopback in-process. The error is for
// unusable files; handshake outcomes are in the report.
func Pair(p PairFiles) (pairReport, error) {
	r := pairReport{ServerName: p.ServerName}
	clientCA := p.ClientCA
	if clientCA == "" {
		clientCA = p.CA
	}
	scfg, err := tlsx.ServerConfig(tlsx.Files{Cert: p.ServerCert, Key: p.ServerKey, CA: clientCA}, 0)
	if err != nil {
		return r, err
	}
	ccfg, err := tlsx.ClientConfig(tlsx.Files{Cert: p.ClientCert, Key: p.ClientKey, CA: p.CA, ServerName: p.ServerName})
	if err != nil {
		return r, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return r, err
	}
	defer ln.Close()
	served := make(chan serveReport, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			served <- serveReport{Error: err.Error()}
			return
		}
		served <- handleServe(tls.Server(raw, scfg))
	}()
	d := dial(ln.Addr().String(), "none", "", ccfg, 10*time.Second)
	s := <-served
	r.Version, r.Cipher, r.ClientCN, r.ServerError = d.Version, d.Cipher, s.ClientCN, s.Error
	r.ServerCN, r.ClientError = d.ServerCN, d.Error
	r.OK = d.OK && s.OK
	switch {
	case r.ServerError != "" && !strings.Contains(r.ServerError, "remote error"):
		r.Error = r.ServerError
	case r.ClientError != "":
		r.Error = r.ClientError
	default:
		r.Error = r.ServerError
	}
	if r.Error != "" {
		r.Reason = tlsx.Reason(errors.New(r.Error))
	}
	return r, nil
}

// pemNext returns the DER of the next CERTIFICATE block of data and what follows it.
func pemNext(data []byte) ([]byte, []byte) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, nil
		}
		if block.Type == "CERTIFICATE" {
			return block.Bytes, data
		}
	}
}
