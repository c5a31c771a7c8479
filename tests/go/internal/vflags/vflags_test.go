package vflags

import (
	"strings"
	"testing"
)

// FlagsDir is DataDir, failing the test when the lists are missing.
func FlagsDir(t testing.TB) string {
	d, err := DataDir()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func load(t *testing.T, version, binary string) *Set {
	t.Helper()
	s, err := Load(FlagsDir(t), version, binary)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The counts of tests/data/vitess-flags/README.md.
func TestListCounts(t *testing.T) {
	want := map[string]map[string]int{
		"v22": {"vtgate": 224, "vttablet": 395, "vtctld": 159},
		"v23": {"vtgate": 228, "vttablet": 397, "vtctld": 161},
		"v24": {"vtgate": 230, "vttablet": 407, "vtctld": 159},
	}
	for v, bins := range want {
		for b, n := range bins {
			if got := len(load(t, v, b).Names()); got != n {
				t.Errorf("%s/%s: %d flags, README says %d", v, b, got, n)
			}
		}
	}
}

func TestEveryListedFlagParses(t *testing.T) {
	for _, v := range []string{"v22", "v23", "v24"} {
		for _, b := range []string{"vtgate", "vttablet", "vtctld"} {
			s := load(t, v, b)
			var args []string
			for _, n := range s.Names() {
				args = append(args, "--"+n+"=x")
			}
			p, err := s.Parse(args)
			if err != nil {
				t.Fatalf("%s/%s: %v", v, b, err)
			}
			if len(p.Warnings) != 0 {
				t.Errorf("%s/%s: canonical names gave warnings: %v", v, b, p.Warnings)
			}
		}
	}
}

func parseErr(t *testing.T, s *Set, args ...string) string {
	t.Helper()
	_, err := s.Parse(args)
	if err == nil {
		t.Fatalf("%s %s: %v accepted", s.Version, s.Binary, args)
	}
	return err.Error()
}

func TestV22TakesNamesExactlyAsListed(t *testing.T) {
	s := load(t, "v22", "vtgate")
	p, err := s.Parse([]string{"--grpc_cert=/c.pem", "--tablet_grpc_ca", "/ca.pem", "--bind-address=127.0.0.1"})
	if err != nil || len(p.Warnings) != 0 {
		t.Fatalf("v22 spellings: %v %v", err, p.Warnings)
	}
	if p.Get("grpc-cert") != "/c.pem" || p.Get("tablet_grpc_ca") != "/ca.pem" {
		t.Errorf("values: %v", p.Values)
	}
	if msg := parseErr(t, s, "--grpc-cert=/c.pem"); msg != "unknown flag: --grpc-cert" {
		t.Errorf("v22 --grpc-cert: %q", msg)
	}
	if got := s.Spell("grpc-cert"); got != "grpc_cert" {
		t.Errorf("v22 spells grpc-cert as %q", got)
	}
	if got := load(t, "v22", "vttablet").Spell("table-acl-config"); got != "table-acl-config" {
		t.Errorf("v22 spells table-acl-config as %q", got)
	}
}

func TestV23V24NormaliseUnderscoreOnlyNames(t *testing.T) {
	for _, v := range []string{"v23", "v24"} {
		s := load(t, v, "vtgate")
		p, err := s.Parse([]string{"--grpc_cert=/c.pem", "--grpc_cert=/d.pem", "--mysql-server-ssl-ca", "/ca.pem"})
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if p.Get("grpc-cert") != "/d.pem" || p.Get("mysql_server_ssl_ca") != "/ca.pem" {
			t.Errorf("%s values: %v", v, p.Values)
		}
		want := []string{"Flag --grpc_cert has been deprecated, use --grpc-cert instead"}
		if strings.Join(p.Warnings, "|") != want[0] {
			t.Errorf("%s warnings %q, want one %q", v, p.Warnings, want[0])
		}
		// Names mixing '_' and '-' are not normalised.
		for _, mixed := range []string{"--tablet_grpc-ca=/x", "--mysql-server_ssl_cert=/x"} {
			if msg := parseErr(t, s, mixed); !strings.HasPrefix(msg, "unknown flag: --") {
				t.Errorf("%s %s: %q", v, mixed, msg)
			}
		}
		if s.Spell("grpc-cert") != "grpc-cert" {
			t.Errorf("%s spells grpc-cert as %q", v, s.Spell("grpc-cert"))
		}
	}
	// glog's names are exempt: --log_dir stays as it is, and --log-dir is unknown.
	s := load(t, "v23", "vttablet")
	if p, err := s.Parse([]string{"--log_dir=/var/log/vt"}); err != nil || len(p.Warnings) != 0 {
		t.Errorf("v23 --log_dir: %v %v", err, p.Warnings)
	}
	parseErr(t, s, "--log-dir=/var/log/vt")
}

// README: replacing '_' with '-' in any v22 name gives its v23 name (glog's log_dir and
// log_backtrace_at keep theirs), so every v22 spelling still parses in v23.
func TestV22SpellingsStillWorkInV23(t *testing.T) {
	for _, b := range []string{"vtgate", "vttablet", "vtctld"} {
		v22, v23 := load(t, "v22", b), load(t, "v23", b)
		for _, n := range v22.Names() {
			if !glogExempt[n] && !v23.names[Key(n)] {
				t.Errorf("v23 %s has no --%s (v22 --%s)", b, Key(n), n)
			}
			p, err := v23.Parse([]string{"--" + n + "=1"})
			if err != nil {
				t.Errorf("v23 %s: v22 name --%s: %v", b, n, err)
			} else if p.Get(n) != "1" {
				t.Errorf("v23 %s: --%s not stored", b, n)
			}
		}
	}
}

func TestV24HiddenDeprecatedFlags(t *testing.T) {
	s := load(t, "v24", "vttablet")
	if s.names["alsologtostderr"] || s.names["log_dir"] {
		t.Fatal("v24 lists glog flags; the README says they are hidden")
	}
	p, err := s.Parse([]string{"--alsologtostderr", "--log_dir", "/var/log/vt", "--v=2", "--watch-replication-stream"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Get("log_dir") != "/var/log/vt" || len(p.Warnings) != 4 {
		t.Errorf("values %v warnings %v", p.Values, p.Warnings)
	}
	if _, err := load(t, "v23", "vttablet").Parse([]string{"--stderrthreshold=1"}); err == nil {
		// v23 lists it, so this must parse without any hidden-flag machinery.
		return
	}
	t.Error("v23 rejects --stderrthreshold")
}

func TestBooleansValuesAndErrors(t *testing.T) {
	s := load(t, "v23", "vtgate")
	p, err := s.Parse([]string{"--mysql-server-require-secure-transport", "--mysql-server-port", "-1",
		"--grpc-port", "15991", "--enable-buffer", "--port=15001", "--grpc-use-effective-callerid"})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"mysql-server-require-secure-transport": "true",
		"mysql-server-port": "-1", "grpc-port": "15991", "enable-buffer": "true", "port": "15001",
		"grpc-use-effective-callerid": "true"} {
		if got := p.Get(k); got != want {
			t.Errorf("--%s = %q, want %q", k, got, want)
		}
	}
	if !p.Bool("mysql-server-require-secure-transport") || p.Bool("grpc-cert") {
		t.Error("Bool")
	}
	if n, err := p.Int("grpc-port", 0); err != nil || n != 15991 {
		t.Errorf("Int: %d %v", n, err)
	}
	for args, want := range map[string]string{
		"--no-such-flag=1":   "unknown flag: --no-such-flag",
		"-grpc_port=1":       "unknown shorthand flag: 'g' in -grpc_port=1",
		"stray":              `unknown command "stray" for "vtgate"`,
		"--=x":               "bad flag syntax: --=x",
		"--grpc-port --port": "", // both parse as booleans; the value check is Int's
	} {
		_, err := s.Parse(strings.Fields(args))
		if got := errString(err); got != want {
			t.Errorf("%s: %q, want %q", args, got, want)
		}
	}
	if p, _ := s.Parse([]string{"-h"}); !p.Help {
		t.Error("-h")
	}
	if p, _ := s.Parse([]string{"--version"}); !p.Version {
		t.Error("--version")
	}
}

func TestLoadVersions(t *testing.T) {
	if s := load(t, "v23.0.3", "vtctld"); s.Version != "v23" || !s.Normalizes() {
		t.Errorf("v23.0.3 -> %s", s.Version)
	}
	if s := load(t, "22", "vtctld"); s.Version != "v22" || s.Normalizes() {
		t.Errorf("22 -> %s", s.Version)
	}
	for _, bad := range []string{"latest", "v99"} {
		if _, err := Load(FlagsDir(t), bad, "vtgate"); err == nil {
			t.Errorf("version %q accepted", bad)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
