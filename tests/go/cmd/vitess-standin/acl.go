package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// aclState is what /debug/acl shows about --table-acl-config.
type aclState struct {
	path        string
	Config      string         `json:"config"`
	Loaded      bool           `json:"loaded"`
	TableGroups int            `json:"table_groups"`
	GroupNames  []string       `json:"group_names"`
	Loads       int            `json:"loads"`            // successful loads, the first one included
	Reloads     int            `json:"reloads"`          // successful loads after the first (SIGHUP, interval)
	ByTrigger   map[string]int `json:"loads_by_trigger"` // successful loads per trigger: start, SIGHUP, interval
	Errors      int            `json:"errors"`
	LastError   string         `json:"last_error"`
	LastTrigger string         `json:"last_trigger"`
	LastLoaded  time.Time      `json:"last_loaded"`
}

// tableACL is the JSON form of Vitess's tableacl.Config; unknown fields are refused, as
// protojson does.
type tableACL struct {
	TableGroups []struct {
		Name                 string   `json:"name"`
		TableNamesOrPrefixes []string `json:"table_names_or_prefixes"`
		Readers              []string `json:"readers"`
		Writers              []string `json:"writers"`
		Admins               []string `json:"admins"`
	} `json:"table_groups"`
}

// loadACL (re)reads the table ACL file. On failure the previous config stays in force.
func (s *standin) loadACL(trigger string) error {
	var cfg tableACL
	data, err := os.ReadFile(s.acl.path)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&cfg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &s.acl
	a.Config, a.LastTrigger = s.acl.path, trigger
	if err != nil {
		a.Errors++
		a.LastError = err.Error()
		s.log.Printf("vttablet: failed to load table ACL config %s (%s): %v", a.path, trigger, err)
		return fmt.Errorf("table ACL config: %w", err)
	}
	if a.Loaded {
		a.Reloads++
	}
	if a.ByTrigger == nil {
		a.ByTrigger = map[string]int{}
	}
	a.ByTrigger[trigger]++
	a.Loaded, a.Loads, a.LastError, a.LastLoaded = true, a.Loads+1, "", time.Now().UTC()
	a.TableGroups, a.GroupNames = len(cfg.TableGroups), []string{}
	for _, g := range cfg.TableGroups {
		a.GroupNames = append(a.GroupNames, g.Name)
	}
	s.log.Printf("vttablet: loaded table ACL config from %s (%s): %d table groups, load #%d",
		a.path, trigger, a.TableGroups, a.Loads)
	return nil
}
