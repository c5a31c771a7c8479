package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dbtls.test/go/internal/mysqlproto"
	"dbtls.test/go/internal/testpki"
	"dbtls.test/go/internal/tlsx"
	"dbtls.test/go/internal/vflags"
)

// binDir holds the stand-in built once, under its three Vitess names and its own.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vitess-standin-test")
	if err != nil {
		panic(err)
	}
	bin := filepath.Join(dir, "vitess-standin")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the stand-in: %v\n%s", err, out)
		os.Exit(1)
	}
	for name := range modes {
		if err := os.Symlink(bin, filepath.Join(dir, name)); err != nil {
			panic(err)
		}
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer collects a process's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type proc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
}

func command(t *testing.T, name string, env []string, args ...string) (*exec.Cmd, *syncBuffer) {
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	flagsDir, err := vflags.DataDir()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append([]string{"VITESS_STANDIN_FLAGS_DIR=" + flagsDir,
		"VITESS_STANDIN_CONFIG=/nonexistent", "PATH=" + os.Getenv("PATH")}, env...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	return cmd, stderr
}

// start runs a long-lived stand-in, stopped at the end of the test.
func start(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	cmd, stderr := command(t, name, env, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, stderr.String())
		}
	})
	return &proc{cmd, stderr}
}

// run runs a stand-in that is expected to exit, returning its exit code, stdout and stderr.
func run(t *testing.T, name string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd, stderr := command(t, name, env, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s %v did not exit", name, args)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var ok bool
		if ok, last = cond(); ok {
			return
		}
	}
	t.Fatalf("%s: still %s", what, last)
}

// logged waits until a stand-in's stderr holds want lines containing text. Its stderr reaches the
// test through a pipe, so a line can arrive after the state the stand-in serves over HTTP.
func logged(t *testing.T, p *proc, text string, want int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d %q lines", want, text), func() (bool, string) {
		out := p.stderr.String()
		return strings.Count(out, text) == want, out
	})
}

func getJSON(url string, v interface{}) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func waitPort(t *testing.T, port string) {
	eventually(t, "port "+port, func() (bool, string) {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			return false, err.Error()
		}
		c.Close()
		return true, ""
	})
}

func dialStatus(t *testing.T, port string, cond func(dialResult) bool) dialResult {
	t.Helper()
	var got dialResult
	eventually(t, "dial status on :"+port, func() (bool, string) {
		var list []dialResult
		if err := getJSON("http://127.0.0.1:"+port+"/debug/dial-status", &list); err != nil || len(list) != 1 {
			return false, fmt.Sprint(list, err)
		}
		got = list[0]
		return cond(got), fmt.Sprintf("%+v", got)
	})
	return got
}

func TestFlagHandling(t *testing.T) {
	v22 := []string{"VITESS_STANDIN_VERSION=v22"}
	v23 := []string{"VITESS_STANDIN_VERSION=v23"}
	code, _, stderr := run(t, "vtgate", v22, "--grpc-cert=/x.pem")
	if code != 1 || !strings.Contains(stderr, "Error: unknown flag: --grpc-cert") {
		t.Errorf("v22 dash name: %d %q", code, stderr)
	}
	code, _, stderr = run(t, "vtgate", v23, "--tablet_grpc-ca=/x.pem")
	if code != 1 || !strings.Contains(stderr, "unknown flag: --tablet_grpc-ca") {
		t.Errorf("v23 mixed name: %d %q", code, stderr)
	}
	code, stdout, stderr := run(t, "vitess-standin", v23, "--mode", "vttablet", "--grpc_port=x", "--version")
	if code != 0 || !strings.Contains(stdout, "Version: 23.0.0") ||
		!strings.Contains(stderr, "Flag --grpc_port has been deprecated, use --grpc-port instead") {
		t.Errorf("--mode vttablet --version: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr = run(t, "vitess-standin", v23, "--version"); code != 1 || !strings.Contains(stderr, "cannot tell the mode") {
		t.Errorf("no mode: %d %q", code, stderr)
	}
	if code, stdout, _ = run(t, "vtctld", []string{"VITESS_STANDIN_VERSION=v24"}, "--help"); code != 0 ||
		!strings.Contains(stdout, "\n  --tablet-manager-grpc-ca\n") {
		t.Errorf("--help: %d %q", code, stdout)
	}
	bad := filepath.Join(t.TempDir(), "acl.json")
	if err := os.WriteFile(bad, []byte(`{"table_groups": [{"nmae": "typo"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, "vttablet", v23, "--table-acl-config", bad, "--enforce-tableacl-config")
	if code != 1 || !strings.Contains(stderr, `unknown field "nmae"`) {
		t.Errorf("invalid ACL with --enforce-tableacl-config: %d %q", code, stderr)
	}
}

// v22 spellings and no TLS flags at all: plaintext on both sides, as Vitess does.
func TestPlaintextV22(t *testing.T) {
	grpc, status := freePort(t), freePort(t)
	env := []string{"VITESS_STANDIN_VERSION=v22", "VITESS_STANDIN_STATUS_DIR=" + t.TempDir()}
	tablet := start(t, "vttablet", env, "--grpc_port", grpc, "--port", freePort(t))
	waitPort(t, grpc)
	start(t, "vtgate", append(env, "VITESS_STANDIN_TABLETS=127.0.0.1:"+grpc), "--port", status, "--grpc_port", freePort(t))
	r := dialStatus(t, status, func(r dialResult) bool { return r.OK })
	if r.TLS || r.TLSVersion != "" || r.Error != "" {
		t.Errorf("plaintext dial: %+v", r)
	}
	logged(t, tablet, "WARNING: no --grpc_cert/--grpc_key: serving gRPC without TLS", 1)
}

type standinPKI struct {
	ca                                    *testpki.CA
	tablet, gate, ctld, revoked, mysqlSrv *testpki.Leaf
	crl                                   string
}

func newStandinPKI(t *testing.T) standinPKI {
	dir := t.TempDir()
	p := standinPKI{ca: testpki.NewCA(dir, "Vitess Test CA")}
	server := func(name string) *testpki.Leaf {
		l, _ := p.ca.Issue(name, testpki.Options{CN: name, DNS: []string{name, "localhost"}, IPs: []string{"127.0.0.1"}})
		return l
	}
	p.tablet, p.mysqlSrv = server("tablet1"), server("vtgate1")
	p.gate, _ = p.ca.Issue("vtgate-client", testpki.Options{CN: "vtgate-client"})
	p.ctld, _ = p.ca.Issue("vtctld-client", testpki.Options{CN: "vtctld-client"})
	p.revoked, _ = p.ca.Issue("revoked", testpki.Options{CN: "revoked-client"})
	p.crl = p.ca.CRL("ca", p.revoked.Cert)
	return p
}

func TestMutualTLSV23(t *testing.T) {
	p := newStandinPKI(t)
	statusDir := t.TempDir()
	acl := filepath.Join(statusDir, "acl.json")
	if err := os.WriteFile(acl, []byte(`{"table_groups": [{"name": "all", "table_names_or_prefixes": ["%"], "readers": ["vtgate-client"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	grpc, tabletHTTP, gateHTTP, ctldHTTP, mysqlPort := freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)
	env := []string{"VITESS_STANDIN_VERSION=v23", "VITESS_STANDIN_STATUS_DIR=" + statusDir,
		"VITESS_STANDIN_TABLETS=127.0.0.1:" + grpc}

	tablet := start(t, "vttablet", env, "--grpc-port", grpc, "--port", tabletHTTP,
		"--grpc-cert", p.tablet.CertPath, "--grpc-key", p.tablet.KeyPath, "--grpc-ca", p.ca.CertPEM,
		"--grpc-crl", p.crl, "--table-acl-config", acl, "--queryserver-config-strict-table-acl")
	waitPort(t, grpc)
	// vtgate with the underscore spellings v23 still accepts.
	gate := start(t, "vtgate", env, "--port", gateHTTP, "--tablet_grpc_cert", p.gate.CertPath,
		"--tablet_grpc_key", p.gate.KeyPath, "--tablet_grpc_ca", p.ca.CertPEM, "--tablet_grpc_server_name", "tablet1",
		"--mysql-server-port", mysqlPort, "--mysql-server-ssl-cert", p.mysqlSrv.CertPath,
		"--mysql-server-ssl-key", p.mysqlSrv.KeyPath, "--mysql-server-ssl-ca", p.ca.CertPEM,
		"--mysql-server-require-secure-transport", "--mysql-server-tls-min-version", "TLSv1.3")
	// vtctld with a revoked client certificate.
	start(t, "vtctld", env, "--port", ctldHTTP, "--tablet-manager-grpc-cert", p.revoked.CertPath,
		"--tablet-manager-grpc-key", p.revoked.KeyPath, "--tablet-manager-grpc-ca", p.ca.CertPEM)

	r := dialStatus(t, gateHTTP, func(r dialResult) bool { return r.OK })
	if r.ServerCN != "tablet1" || r.ClientCN != "vtgate-client" || r.VerifiedName != "tablet1" || r.TLSVersion != "TLS1.3" {
		t.Errorf("vtgate -> vttablet: %+v", r)
	}
	logged(t, gate, "Flag --tablet_grpc_cert has been deprecated, use --tablet-grpc-cert instead", 1)
	r = dialStatus(t, ctldHTTP, func(r dialResult) bool { return r.Error != "" })
	if r.OK || r.Reason != "refused_by_peer" || r.VerifiedName != "127.0.0.1" {
		t.Errorf("vtctld with a revoked cert: %+v", r)
	}
	eventually(t, "revocation in the tablet's log", func() (bool, string) {
		return strings.Contains(tablet.stderr.String(), "Certificate revoked: CommonName=revoked-client"), tablet.stderr.String()
	})
	eventually(t, "shared status file", func() (bool, string) {
		var list []dialResult
		b, _ := os.ReadFile(filepath.Join(statusDir, "dial-status.json"))
		_ = json.Unmarshal(b, &list)
		return len(list) == 2 && list[0].Component != list[1].Component, string(b)
	})

	// A client without a certificate is refused by the tablet.
	roots, _ := tlsx.LoadPool(p.ca.CertPEM)
	if line, err := tlsLine("127.0.0.1:"+grpc, &tls.Config{RootCAs: roots, ServerName: "tablet1"}); err == nil {
		t.Errorf("tablet accepted a client without certificate: %s", line)
	}

	// vtgate's MySQL port: TLS directly, TLS 1.3 only, client certificate required.
	gateCert, _ := tlsx.LoadKeyPair(p.gate.CertPath, p.gate.KeyPath)
	ccfg := &tls.Config{RootCAs: roots, ServerName: "vtgate1", Certificates: []tls.Certificate{gateCert}}
	line, err := tlsLine("127.0.0.1:"+mysqlPort, ccfg)
	if err != nil || !strings.Contains(line, `"port":"mysql","peer_cn":"vtgate-client","tls_version":"TLS1.3"`) {
		t.Errorf("MySQL port, direct TLS: %q %v", line, err)
	}
	tls12 := ccfg.Clone()
	tls12.MaxVersion = tls.VersionTLS12
	if _, err := tlsLine("127.0.0.1:"+mysqlPort, tls12); err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("MySQL port accepted TLS 1.2 with --mysql-server-tls-min-version TLSv1.3: %v", err)
	}
	// ... and through the MySQL protocol's TLS upgrade, and refused in plaintext.
	if reply, err := mysqlLogin("127.0.0.1:"+mysqlPort, ccfg); err != nil || !strings.HasPrefix(reply, "OK ") ||
		!strings.Contains(reply, `"user":"app"`) {
		t.Errorf("MySQL protocol with TLS: %q %v", reply, err)
	}
	if reply, err := mysqlLogin("127.0.0.1:"+mysqlPort, nil); err != nil || !strings.HasPrefix(reply, "ERROR 3159") {
		t.Errorf("MySQL protocol without TLS: %q %v", reply, err)
	}

	// SIGHUP reloads the table ACL.
	if err := tablet.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ACL reload", func() (bool, string) {
		var st aclState
		err := getJSON("http://127.0.0.1:"+tabletHTTP+"/debug/acl", &st)
		return err == nil && st.Reloads == 1 && st.ByTrigger["SIGHUP"] == 1 && st.TableGroups == 1, fmt.Sprintf("%+v %v", st, err)
	})
	logged(t, tablet, "loaded table ACL config", 2)
}

// tlsLine does a TLS handshake and reads the stand-in's JSON line.
func tlsLine(addr string, cfg *tls.Config) (string, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 3 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), err
}

// mysqlLogin logs in as "app" through the MySQL protocol, upgrading to TLS when cfg is set.
func mysqlLogin(addr string, cfg *tls.Config) (string, error) {
	var conn net.Conn
	conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, p, err := mysqlproto.ReadPacket(conn)
	if err != nil {
		return "", err
	}
	g, err := mysqlproto.ParseGreeting(p)
	if err != nil || g.Caps&mysqlproto.ClientSSL == 0 {
		return "", fmt.Errorf("greeting %+v: %v", g, err)
	}
	caps, seq := uint32(mysqlproto.ClientProtocol41|mysqlproto.ClientSecureConnection), byte(1)
	if cfg != nil {
		caps |= mysqlproto.ClientSSL
		if err := mysqlproto.WritePacket(conn, 1, mysqlproto.SSLRequest(caps, 45)); err != nil {
			return "", err
		}
		t := tls.Client(conn, cfg)
		if err := t.Handshake(); err != nil {
			return "", err
		}
		conn, seq = t, 2
	}
	if err := mysqlproto.WritePacket(conn, seq, mysqlproto.HandshakeResponse(caps, 45, "app", "")); err != nil {
		return "", err
	}
	_, reply, err := mysqlproto.ReadPacket(conn)
	return mysqlproto.DescribeReply(reply), err
}
