// Package vflags parses a Vitess binary's command line against the real flag list of a Vitess
// release (the files in tests/data/vitess-flags/<version>/<binary>.txt), the way pflag does inside
// vtgate, vttablet and vtctld: unknown long flags are errors, and from v23 on a name that uses
// only underscores is accepted as its dash form with a one-time deprecation warning.
//
// The lists carry no types, so a flag without "=value" is taken as boolean when the next
// argument is another flag (or there is none); otherwise the next argument is its value.
package vflags

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// glogExempt are the names Vitess's normalisation leaves alone (glog registers them).
var glogExempt = map[string]bool{"log_dir": true, "log_link": true, "log_backtrace_at": true}

// hiddenV24 are deprecated flags hidden from v24's --help (so absent from its lists) but still
// accepted, per tests/data/vitess-flags/README.md.
var hiddenV24 = []string{"alsologtostderr", "logtostderr", "stderrthreshold", "log_dir",
	"log_backtrace_at", "vmodule", "v"}

// DataDir finds the flag lists kept in the repository: tests/data/vitess-flags, beside the Go
// module root (tests/go).
func DataDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if dir == filepath.Dir(dir) {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = filepath.Dir(dir)
	}
	d := filepath.Join(dir, "..", "data", "vitess-flags")
	if _, err := os.Stat(filepath.Join(d, "v22", "vtgate.txt")); err != nil {
		return "", fmt.Errorf("Vitess flag lists not found at %s: %w", d, err)
	}
	return filepath.Clean(d), nil
}

// Set is the flag list of one binary of one Vitess release.
type Set struct {
	Version string // major release directory, e.g. "v23"
	Binary  string // vtgate, vttablet or vtctld
	Major   int
	names   map[string]bool // listed names, without "--"
	hidden  map[string]bool // accepted but deprecated and absent from the list
}

// Load reads <dir>/<version>/<binary>.txt. A patch version ("v23.0.3", "23.0") falls back to
// its major directory.
func Load(dir, version, binary string) (*Set, error) {
	v := strings.TrimPrefix(version, "v")
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil {
		return nil, fmt.Errorf("bad Vitess version %q (want e.g. v23)", version)
	}
	s := &Set{Version: fmt.Sprintf("v%d", major), Binary: binary, Major: major,
		names: map[string]bool{}, hidden: map[string]bool{}}
	path := filepath.Join(dir, s.Version, binary+".txt")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("no flag list for %s %s: %w", binary, s.Version, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "--") {
			s.names[line[2:]] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(s.names) == 0 {
		return nil, fmt.Errorf("%s: empty flag list", path)
	}
	if major >= 24 {
		for _, n := range hiddenV24 {
			s.hidden[n] = true
		}
		if binary == "vttablet" {
			s.hidden["watch-replication-stream"] = true
		}
	}
	return s, nil
}

// Names returns the listed flag names (without "--"), sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.names))
	for n := range s.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Normalizes reports whether the release maps underscore-only names to dash names (v23+).
func (s *Set) Normalizes() bool { return s.Major >= 23 }

// normalize applies utils.NormalizeUnderscoresToDashes (v23+) and reports whether it changed
// the name.
func (s *Set) normalize(name string) (string, bool) {
	if !s.Normalizes() || glogExempt[name] || !strings.Contains(name, "_") || strings.Contains(name, "-") {
		return name, false
	}
	return strings.ReplaceAll(name, "_", "-"), true
}

// Key is the spelling-independent key of a flag: its name with every "_" turned into "-".
func Key(name string) string { return strings.ReplaceAll(name, "_", "-") }

// Parsed is the outcome of Parse.
type Parsed struct {
	Values   map[string]string // by Key of the accepted name
	Order    []string          // accepted names as the binary knows them, in order given
	Warnings []string          // deprecation warnings, as Vitess prints them to stderr
	Help     bool
	Version  bool
}

// Get returns the value of a flag by any spelling ("grpc-cert" finds --grpc_cert in v22).
func (p *Parsed) Get(name string) string { return p.Values[Key(name)] }

// Has reports whether the flag was given.
func (p *Parsed) Has(name string) bool { _, ok := p.Values[Key(name)]; return ok }

// Bool reads a boolean flag (unset or unparsable is false).
func (p *Parsed) Bool(name string) bool {
	b, err := strconv.ParseBool(p.Get(name))
	return err == nil && b
}

// Int reads an integer flag, def when unset.
func (p *Parsed) Int(name string, def int) (int, error) {
	if !p.Has(name) {
		return def, nil
	}
	n, err := strconv.Atoi(p.Get(name))
	if err != nil {
		return 0, fmt.Errorf("invalid argument %q for \"--%s\" flag: %v", p.Get(name), name, err)
	}
	return n, nil
}

// Spell gives the name a flag has in this release, e.g. Spell("grpc-cert") is "grpc_cert" in v22
// and "grpc-cert" in v23; "" when the release has no such flag.
func (s *Set) Spell(key string) string {
	for _, cand := range []string{key, strings.ReplaceAll(key, "-", "_")} {
		if s.names[cand] || s.hidden[cand] {
			return cand
		}
	}
	for n := range s.names {
		if Key(n) == Key(key) {
			return n
		}
	}
	return ""
}

func looksLikeFlag(arg string) bool {
	return strings.HasPrefix(arg, "--") ||
		len(arg) > 1 && arg[0] == '-' && (arg[1] < '0' || arg[1] > '9') && arg[1] != '.'
}

// Parse parses args (without argv[0]). Errors use pflag's and cobra's wording.
func (s *Set) Parse(args []string) (*Parsed, error) {
	p := &Parsed{Values: map[string]string{}}
	warned := map[string]bool{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			if i+1 < len(args) {
				return p, fmt.Errorf("unknown command %q for %q", args[i+1], s.Binary)
			}
			return p, nil
		case strings.HasPrefix(arg, "--"):
			name, value, hasValue := strings.Cut(arg[2:], "=")
			if name == "" || strings.HasPrefix(name, "-") {
				return p, fmt.Errorf("bad flag syntax: %s", arg)
			}
			known, changed := s.normalize(name)
			if !s.names[known] && !s.hidden[known] && name != "help" && name != "version" {
				return p, fmt.Errorf("unknown flag: --%s", name)
			}
			if changed && !warned[name] {
				warned[name] = true
				p.Warnings = append(p.Warnings,
					fmt.Sprintf("Flag --%s has been deprecated, use --%s instead", name, known))
			}
			if s.hidden[known] && !warned[known] {
				warned[known] = true
				p.Warnings = append(p.Warnings, fmt.Sprintf("Flag --%s has been deprecated", known))
			}
			if !hasValue {
				if i+1 < len(args) && !looksLikeFlag(args[i+1]) {
					i++
					value = args[i]
				} else {
					value = "true"
				}
			}
			switch known {
			case "help":
				p.Help = true
			case "version":
				p.Version = true
			}
			p.Values[Key(known)] = value
			p.Order = append(p.Order, known)
		case len(arg) > 1 && arg[0] == '-':
			switch arg {
			case "-h":
				p.Help = true
			case "-v":
				p.Version = true
			default:
				return p, fmt.Errorf("unknown shorthand flag: %q in %s", arg[1], arg)
			}
		default:
			return p, fmt.Errorf("unknown command %q for %q", arg, s.Binary)
		}
	}
	return p, nil
}
