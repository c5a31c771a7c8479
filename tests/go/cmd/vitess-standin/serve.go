package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"dbtls.test/go/internal/mysqlproto"
	"dbtls.test/go/internal/tlsx"
	"dbtls.test/go/internal/vflags"
)

type standin struct {
	mode      string
	set       *vflags.Set
	flags     *vflags.Parsed
	log       *log.Logger
	statusDir string
	tablets   []string

	mu    sync.Mutex
	dials []dialResult
	acl   aclState
}

// peerLine is what the stand-in writes to every client once the handshake is done.
type peerLine struct {
	Component  string `json:"component"`
	Port       string `json:"port"`
	PeerCN     string `json:"peer_cn"`
	TLSVersion string `json:"tls_version"`
	User       string `json:"user,omitempty"`
}

func (s *standin) listen(bindFlag string, port int) (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort(s.flags.Get(bindFlag), strconv.Itoa(port)))
}

// serverFiles reads the server TLS flags sharing a prefix ("grpc", "mysql-server-ssl").
func (s *standin) serverFiles(prefix string) tlsx.Files {
	g := func(n string) string { return s.flags.Get(prefix + "-" + n) }
	return tlsx.Files{Cert: g("cert"), Key: g("key"), CA: g("ca"), CRL: g("crl"), ServerCA: g("server-ca")}
}

func (s *standin) start() error {
	grpcPort, err := s.flags.Int("grpc-port", 0)
	if err != nil {
		return err
	}
	if grpcPort > 0 {
		var cfg *tls.Config
		if f := s.serverFiles("grpc"); f.Cert != "" && f.Key != "" {
			if cfg, err = tlsx.ServerConfig(f, 0); err != nil {
				return fmt.Errorf("gRPC TLS: %w", err)
			}
		} else {
			s.log.Printf("WARNING: no %s/%s: serving gRPC without TLS", s.spell("grpc-cert"), s.spell("grpc-key"))
		}
		ln, err := s.listen("grpc-bind-address", grpcPort)
		if err != nil {
			return err
		}
		s.log.Printf("%s: gRPC port %s, TLS %v, client certs required %v", s.mode, ln.Addr(), cfg != nil,
			cfg != nil && cfg.ClientAuth == tls.RequireAndVerifyClientCert)
		go s.acceptLoop(ln, func(c net.Conn) { s.answerTLS(c, cfg, "grpc") })
	}
	if s.mode == "vtgate" {
		if err := s.startMySQL(); err != nil {
			return err
		}
	}
	if s.mode == "vttablet" && s.flags.Get("table-acl-config") != "" {
		s.acl.path = s.flags.Get("table-acl-config")
		if err := s.loadACL("start"); err != nil && s.flags.Bool("enforce-tableacl-config") {
			return fmt.Errorf("need a valid initial table ACL when %s is set, exiting", s.spell("enforce-tableacl-config"))
		}
		if iv := s.flags.Get("table-acl-config-reload-interval"); iv != "" {
			d, err := time.ParseDuration(iv)
			if err != nil {
				return fmt.Errorf("invalid argument %q for %s: %v", iv, s.spell("table-acl-config-reload-interval"), err)
			}
			if d > 0 {
				go func() {
					for range time.Tick(d) {
						_ = s.loadACL("interval")
					}
				}()
			}
		}
	}
	if port, err := s.flags.Int("port", 0); err != nil {
		return err
	} else if port > 0 {
		ln, err := s.listen("bind-address", port)
		if err != nil {
			return err
		}
		s.log.Printf("%s: status port %s (HTTP)", s.mode, ln.Addr())
		go func() { _ = http.Serve(ln, s.mux()) }()
	}
	if s.mode == "vtgate" || s.mode == "vtctld" {
		go s.dialLoop()
	}
	return nil
}

// spell gives a flag's spelling in the release under test, for messages.
func (s *standin) spell(key string) string { return "--" + s.set.Spell(key) }

func (s *standin) acceptLoop(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			s.log.Printf("accept on %s: %v", ln.Addr(), err)
			return
		}
		go handle(c)
	}
}

// answerTLS does the server handshake (none when cfg is nil), then writes the peer line.
func (s *standin) answerTLS(raw net.Conn, cfg *tls.Config, port string) {
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
	line := peerLine{Component: s.mode, Port: port}
	var conn net.Conn = raw
	if cfg != nil {
		t := tls.Server(raw, cfg)
		if err := t.Handshake(); err != nil {
			s.log.Printf("%s: TLS handshake with %s refused: %v", port, raw.RemoteAddr(), err)
			return
		}
		st := t.ConnectionState()
		line.PeerCN, line.TLSVersion, conn = tlsx.PeerCN(st), tlsx.VersionName(st.Version), t
	}
	b, _ := json.Marshal(line)
	_, _ = conn.Write(append(b, '\n'))
}

func (s *standin) startMySQL() error {
	port, err := s.flags.Int("mysql-server-port", -1)
	if err != nil || port <= 0 {
		return err
	}
	var cfg *tls.Config
	if f := s.serverFiles("mysql-server-ssl"); f.Cert != "" && f.Key != "" {
		minVersion, err := tlsx.ParseVersion(s.flags.Get("mysql-server-tls-min-version"))
		if err != nil {
			return err
		}
		if cfg, err = tlsx.ServerConfig(f, minVersion); err != nil {
			return fmt.Errorf("MySQL TLS: %w", err)
		}
	}
	require := cfg != nil && s.flags.Bool("mysql-server-require-secure-transport")
	ln, err := s.listen("mysql-server-bind-address", port)
	if err != nil {
		return err
	}
	s.log.Printf("vtgate: MySQL port %s, TLS %v, secure transport required %v", ln.Addr(), cfg != nil, require)
	go s.acceptLoop(ln, func(c net.Conn) { s.answerMySQL(c, cfg, require) })
	return nil
}

// peeked is a connection whose first bytes were read into a bufio.Reader.
type peeked struct {
	net.Conn
	r io.Reader
}

func (p peeked) Read(b []byte) (int, error) { return p.r.Read(b) }

// answerMySQL serves TLS directly to a client that speaks first (a ClientHello), and the MySQL
// protocol with its TLS upgrade to a client that waits for the server's handshake.
func (s *standin) answerMySQL(raw net.Conn, cfg *tls.Config, requireSecure bool) {
	br := bufio.NewReader(raw)
	_ = raw.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	first, err := br.Peek(1)
	var conn net.Conn = peeked{raw, br}
	var ne net.Error
	switch {
	case err == nil && first[0] == 0x16 && cfg != nil:
		s.answerTLS(conn, cfg, "mysql")
		return
	case err == nil || !errors.As(err, &ne) || !ne.Timeout():
		raw.Close() // a client that speaks first but not TLS, or is gone
		return
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(30 * time.Second))
	caps := uint32(mysqlproto.ClientLongPassword | mysqlproto.ClientConnectWithDB | mysqlproto.ClientProtocol41 |
		mysqlproto.ClientTransactions | mysqlproto.ClientSecureConnection | mysqlproto.ClientMultiResults |
		mysqlproto.ClientPluginAuth)
	if cfg != nil {
		caps |= mysqlproto.ClientSSL
	}
	version := s.flags.Get("mysql-server-version")
	if version == "" {
		version = "8.0.40-Vitess"
	}
	g := mysqlproto.Greeting{Version: version, ConnectionID: 1, Caps: caps,
		Charset: mysqlproto.CharsetUTF8MB4, AuthPlugin: "mysql_native_password"}
	if mysqlproto.WritePacket(conn, 0, mysqlproto.EncodeGreeting(g)) != nil {
		return
	}
	seq, p, err := mysqlproto.ReadPacket(conn)
	if err != nil {
		return
	}
	line := peerLine{Component: s.mode, Port: "mysql"}
	switch {
	case mysqlproto.ClientCaps(p)&mysqlproto.ClientSSL != 0 && cfg != nil:
		t := tls.Server(conn, cfg)
		if err := t.Handshake(); err != nil {
			s.log.Printf("mysql: TLS handshake with %s refused: %v", raw.RemoteAddr(), err)
			return
		}
		st := t.ConnectionState()
		line.PeerCN, line.TLSVersion, conn = tlsx.PeerCN(st), tlsx.VersionName(st.Version), t
		if seq, p, err = mysqlproto.ReadPacket(conn); err != nil {
			return
		}
	case requireSecure:
		_ = mysqlproto.WritePacket(conn, seq+1, mysqlproto.Err(3159, "HY000",
			"server does not allow insecure connections, client must use SSL/TLS"))
		return
	}
	line.User = mysqlproto.ClientUser(p)
	info, _ := json.Marshal(line)
	if mysqlproto.WritePacket(conn, seq+1, mysqlproto.OK(string(info))) != nil {
		return
	}
	for {
		_, p, err := mysqlproto.ReadPacket(conn)
		if err != nil || len(p) == 0 || p[0] == 0x01 { // COM_QUIT
			return
		}
		reply := mysqlproto.Err(1105, "HY000", "vitess stand-in: no query serving")
		if p[0] == 0x0e { // COM_PING
			reply = mysqlproto.OK("")
		}
		if mysqlproto.WritePacket(conn, 1, reply) != nil {
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.MarshalIndent(v, "", "  ")
	_, _ = w.Write(append(b, '\n'))
}

func (s *standin) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/debug/health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	m.HandleFunc("/debug/status", func(w http.ResponseWriter, _ *http.Request) {
		given := map[string]string{}
		for _, n := range s.flags.Order {
			given[n] = s.flags.Get(n)
		}
		writeJSON(w, map[string]interface{}{"component": s.mode, "vitess_version": s.set.Version,
			"standin": true, "flags": given, "tablets": s.tablets})
	})
	switch s.mode {
	case "vtgate", "vtctld":
		m.HandleFunc("/debug/dial-status", func(w http.ResponseWriter, _ *http.Request) {
			s.mu.Lock()
			defer s.mu.Unlock()
			writeJSON(w, append([]dialResult{}, s.dials...))
		})
	case "vttablet":
		m.HandleFunc("/debug/acl", func(w http.ResponseWriter, _ *http.Request) {
			s.mu.Lock()
			defer s.mu.Unlock()
			writeJSON(w, s.acl)
		})
	}
	return m
}
