// Command vitess-standin is a TEST-ONLY stand-in for Vitess's vtgate, vttablet and vtctld.
//
// Vitess binaries cannot be installed on the test bed, so Molecule scenarios copy this program
// into test containers at the binaries' paths (/usr/local/bin/vtgate, ...). The collection's
// roles never install it. It lets the tests check what the roles control: the command line they
// render and the TLS material they deploy.
//
// What it emulates, per mode (argv[0]'s basename, or --mode NAME as the first argument):
//   - The command line of the Vitess release under test: flags are checked against the real
//     list <flags dir>/<version>/<binary>.txt (tests/data/vitess-flags). An unknown flag exits 1
//     with pflag's "unknown flag: --foo". From v23 a name using only underscores (--grpc_cert)
//     is accepted as its dash form with Vitess's deprecation warning on stderr; v22 takes names
//     exactly as listed.
//   - The gRPC port (--grpc-port) with the TLS rules of Vitess's gRPC server (vttls): server
//     cert/key from --grpc-cert/--grpc-key, --grpc-server-ca appended to the chain sent,
//     --grpc-ca requires and verifies client certificates, --grpc-crl refuses revoked ones.
//     Without cert and key it serves plaintext (with a warning). It is TLS over TCP, not gRPC:
//     after the handshake it writes one JSON line {component, peer_cn, tls_version} and closes.
//   - vtgate's MySQL port (--mysql-server-port) with --mysql-server-ssl-cert/-key/-ca/-crl/
//     -server-ca, --mysql-server-tls-min-version and --mysql-server-require-secure-transport.
//     A client that starts with a TLS ClientHello gets TLS directly (then the JSON line), as
//     `tlscheck dial` does; a client that waits for the server gets the MySQL protocol: an
//     initial handshake offering CLIENT_SSL, the TLS upgrade on SSLRequest, and any login is
//     answered "OK" (queries get an error: there is no query serving). A plaintext login when
//     secure transport is required gets MySQL error 3159.
//   - vtgate and vtctld dial every tablet of VITESS_STANDIN_TABLETS (host:grpcport, comma
//     separated; there is no topology server) every 2 s with the client flags
//     --tablet-grpc-cert/-key/-ca/-crl/-server-name (vtgate) or --tablet-manager-grpc-*
//     (vtctld), plaintext when none is set, as Vitess's gRPC client does. The outcomes go to
//     <VITESS_STANDIN_STATUS_DIR>/dial-status.json (entries of both components side by side)
//     and to http://<--port>/debug/dial-status: [{component, target, ok, error, reason,
//     server_cn, tls_version, verified_name, client_cn_seen_by_tablet, time}].
//   - vttablet's --table-acl-config: loaded at start, on SIGHUP and every
//     --table-acl-config-reload-interval; "loaded table ACL config" is logged with the number of
//     table groups and the counts are on http://<--port>/debug/acl. An invalid file at start
//     exits 1 only with --enforce-tableacl-config, as vttablet does.
//   - The status port (--port, plain HTTP): /debug/status, /debug/health, and the pages above.
//
// What it does not do: serve queries, speak gRPC, use a topology server, check
// --grpc-auth-mode or any flag value other than those above, or run mysqld.
//
// Settings come from the environment, or else from KEY=VALUE lines in /etc/vitess-standin.conf
// (VITESS_STANDIN_CONFIG names another file), so that systemd units rendered by the roles need
// no change: VITESS_STANDIN_VERSION (v22, v23, v24; default v23), VITESS_STANDIN_FLAGS_DIR
// (default /usr/local/share/vitess-standin/flags), VITESS_STANDIN_STATUS_DIR (default
// /run/vitess-standin) and VITESS_STANDIN_TABLETS.
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"dbtls.test/go/internal/vflags"
)

var modes = map[string]bool{"vtgate": true, "vttablet": true, "vtctld": true}

// settings reads VITESS_STANDIN_* from the environment, falling back to the config file.
func settings() map[string]string {
	s := map[string]string{
		"VITESS_STANDIN_VERSION":    "v23",
		"VITESS_STANDIN_FLAGS_DIR":  "/usr/local/share/vitess-standin/flags",
		"VITESS_STANDIN_STATUS_DIR": "/run/vitess-standin",
		"VITESS_STANDIN_TABLETS":    "",
	}
	path := os.Getenv("VITESS_STANDIN_CONFIG")
	if path == "" {
		path = "/etc/vitess-standin.conf"
	}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
			if _, known := s[k]; ok && known {
				s[k] = strings.Trim(v, `"'`)
			}
		}
		f.Close()
	}
	for k := range s {
		if v, ok := os.LookupEnv(k); ok {
			s[k] = v
		}
	}
	return s
}

// splitMode takes the mode from argv[0] or a leading --mode NAME / --mode=NAME.
func splitMode(argv []string) (string, []string, error) {
	mode, args := filepath.Base(argv[0]), argv[1:]
	if len(args) > 0 && strings.HasPrefix(args[0], "--mode") {
		if v := strings.TrimPrefix(args[0], "--mode="); v != args[0] {
			mode, args = v, args[1:]
		} else if args[0] == "--mode" && len(args) > 1 {
			mode, args = args[1], args[2:]
		}
	}
	if !modes[mode] {
		return "", nil, fmt.Errorf("cannot tell the mode from %q: run as vtgate, vttablet or vtctld, or pass --mode NAME first", mode)
	}
	return mode, args, nil
}

func main() {
	logger := log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)
	mode, args, err := splitMode(os.Args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	env := settings()
	set, err := vflags.Load(env["VITESS_STANDIN_FLAGS_DIR"], env["VITESS_STANDIN_VERSION"], mode)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	flags, err := set.Parse(args)
	for _, w := range flags.Warnings {
		fmt.Fprintln(os.Stderr, w)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\nRun '%s --help' for usage.\n", err, mode)
		os.Exit(1)
	}
	if flags.Help {
		fmt.Printf("Usage of %s (Vitess %s stand-in, test only):\n  --%s\n", mode, set.Version,
			strings.Join(set.Names(), "\n  --"))
		return
	}
	if flags.Version {
		fmt.Printf("Version: %s.0.0 (Vitess stand-in, test only) %s\n", strings.TrimPrefix(set.Version, "v"), mode)
		return
	}
	s := &standin{mode: mode, set: set, flags: flags, log: logger,
		statusDir: env["VITESS_STANDIN_STATUS_DIR"], tablets: splitList(env["VITESS_STANDIN_TABLETS"])}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	if err := s.start(); err != nil {
		logger.Printf("%s stand-in: %v", mode, err)
		os.Exit(1)
	}
	for v := range sig {
		if v != syscall.SIGHUP {
			logger.Printf("%s stand-in: %v, exiting", mode, v)
			return
		}
		if s.mode == "vttablet" && s.acl.path != "" {
			s.loadACL("SIGHUP")
		}
	}
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
}
