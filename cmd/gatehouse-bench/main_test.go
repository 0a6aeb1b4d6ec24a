package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseRefusesWhatWouldMisdirectLoad(t *testing.T) {
	for _, args := range [][]string{
		{}, // no target
		{"-target", "http://x", "-scenario", "nope"},
		{"-target", "http://x", "-c", "0"},
		{"-target", "http://x", "-c", "16,abc"},
		{"-target", "http://x", "-runs", "0"},
	} {
		if _, err := parse(args, io.Discard); err == nil {
			t.Errorf("parse(%q) accepted", args)
		}
	}
	o, err := parse([]string{"-target", "http://127.0.0.1:8080", "-scenario", "discovery, jwks", "-c", "1,16"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.scenarios, "|") != "discovery|jwks" || len(o.concurrency) != 2 || o.concurrency[1] != 16 {
		t.Errorf("parsed %+v", o)
	}
	for _, bad := range []string{"127.0.0.1:8080", "ftp://x", "/path"} {
		if _, err := newTarget(bad); err == nil {
			t.Errorf("newTarget(%q) accepted", bad)
		}
	}
}

// TestOnlyTheTargetIsContacted: the benchmark's clients dial the target and
// nothing else, whatever a server answers.
func TestOnlyTheTargetIsContacted(t *testing.T) {
	var elsewhere bool
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere = true }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"issuer":"x","authorization_endpoint":"`+other.URL+`/authorize","token_endpoint":"`+other.URL+`/token"}`)
	}))
	defer srv.Close()
	tg, err := newTarget(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := tg.transport(1)
	c := tg.client(tr)
	if _, err := readDiscovery(t.Context(), tg, c); err == nil || !strings.Contains(err.Error(), "not on -target") {
		t.Errorf("discovery naming another server: %v", err)
	}
	if _, err := c.Get(other.URL); !errors.Is(err, errOffTarget) {
		t.Errorf("dial elsewhere: %v", err)
	}
	if elsewhere {
		t.Error("the other server was contacted")
	}
}

func TestListNamesEveryScenario(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-list"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		if !strings.Contains(out.String(), s.name) {
			t.Errorf("-list lacks %s", s.name)
		}
	}
}
