package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"dbtls.test/go/internal/tlsx"
)

// dialResult is one entry of dial-status.json and /debug/dial-status.
type dialResult struct {
	Component    string    `json:"component"`
	Target       string    `json:"target"`
	OK           bool      `json:"ok"`
	Error        string    `json:"error"`
	Reason       string    `json:"reason"`
	TLS          bool      `json:"tls"`
	ServerCN     string    `json:"server_cn"`
	TLSVersion   string    `json:"tls_version"`
	VerifiedName string    `json:"verified_name"`
	ClientCN     string    `json:"client_cn_seen_by_tablet"`
	Time         time.Time `json:"time"`
}

// clientFiles reads the tablet client flags: --tablet-grpc-* (vtgate) or
// --tablet-manager-grpc-* (vtctld), in the release's spelling.
func (s *standin) clientFiles() tlsx.Files {
	prefix := "tablet-grpc-"
	if s.mode == "vtctld" {
		prefix = "tablet-manager-grpc-"
	}
	g := func(n string) string { return s.flags.Get(prefix + n) }
	return tlsx.Files{Cert: g("cert"), Key: g("key"), CA: g("ca"), CRL: g("crl"), ServerName: g("server-name")}
}

func (s *standin) dialLoop() {
	files := s.clientFiles()
	for {
		results := make([]dialResult, len(s.tablets))
		var wg sync.WaitGroup
		for i, target := range s.tablets {
			wg.Add(1)
			go func(i int, target string) {
				defer wg.Done()
				results[i] = s.dialTablet(target, files)
			}(i, target)
		}
		wg.Wait()
		s.mu.Lock()
		prev := map[string]dialResult{}
		for _, r := range s.dials {
			prev[r.Target] = r
		}
		s.dials = results
		s.mu.Unlock()
		for _, r := range results {
			if p, seen := prev[r.Target]; !seen || p.OK != r.OK || p.Error != r.Error {
				s.log.Printf("%s: dial %s: ok=%v tls=%v server_cn=%q error=%q", s.mode, r.Target, r.OK, r.TLS, r.ServerCN, r.Error)
			}
		}
		if err := s.writeStatus(results); err != nil {
			s.log.Printf("%s: writing dial status: %v", s.mode, err)
		}
		time.Sleep(2 * time.Second)
	}
}

// dialTablet connects like Vitess's gRPC client: plaintext when no TLS flag is set, otherwise
// TLS verifying the tablet's certificate against the server name flag or the dialled host.
func (s *standin) dialTablet(target string, files tlsx.Files) dialResult {
	r := dialResult{Component: s.mode, Target: target, TLS: files.Enabled(), Time: time.Now().UTC()}
	fail := func(err error) dialResult {
		r.Error, r.Reason = err.Error(), tlsx.Reason(err)
		return r
	}
	raw, err := net.DialTimeout("tcp", target, 3*time.Second)
	if err != nil {
		return fail(err)
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(5 * time.Second))
	var conn net.Conn = raw
	if files.Enabled() {
		cfg, err := tlsx.ClientConfig(files)
		if err != nil {
			return fail(err)
		}
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(target)
		}
		r.VerifiedName = cfg.ServerName
		t := tls.Client(raw, cfg)
		err = t.Handshake()
		st := t.ConnectionState()
		r.ServerCN, r.TLSVersion = tlsx.PeerCN(st), tlsx.VersionName(st.Version)
		if err != nil {
			return fail(err)
		}
		conn = t
	}
	// The tablet's line shows the client CN it saw; with TLS 1.3 a refused client certificate
	// only shows here, as an alert.
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	if err != nil {
		return fail(err)
	}
	var peer peerLine
	if json.Unmarshal(line, &peer) == nil {
		r.ClientCN = peer.PeerCN
	}
	r.OK = true
	return r
}

// writeStatus replaces this component's entries in <dir>/dial-status.json, under a lock so
// that vtgate and vtctld can share the file.
func (s *standin) writeStatus(results []dialResult) error {
	if err := os.MkdirAll(s.statusDir, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(s.statusDir, ".dial-status.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	path := filepath.Join(s.statusDir, "dial-status.json")
	var old []dialResult
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &old)
	}
	merged := []dialResult{}
	for _, r := range old {
		if r.Component != s.mode {
			merged = append(merged, r)
		}
	}
	merged = append(merged, results...)
	b, _ := json.MarshalIndent(merged, "", "  ")
	tmp := path + "." + s.mode + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
