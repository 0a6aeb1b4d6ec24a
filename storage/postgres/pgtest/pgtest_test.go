package pgtest

import (
	"net/url"
	"strings"
	"testing"
)

// recorder stands in for a test, recording whether URL skipped or failed
// it. Unlike a real test it carries on after either.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = true }
func (r *recorder) Fatal(args ...any) { r.failed = true }

func TestURL(t *testing.T) {
	for _, tc := range []struct {
		name, url, ci      string
		wantSkip, wantFail bool
	}{
		{"set", "postgres://db/test", "", false, false},
		{"set under CI", "postgres://db/test", "true", false, false},
		{"unset: skip", "", "", true, false},
		{"unset, CI not true: skip", "", "false", true, false},
		{"unset under CI: fail", "", "true", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvURL, tc.url)
			t.Setenv("CI", tc.ci)
			r := &recorder{}
			got := URL(r)
			if r.skipped != tc.wantSkip || r.failed != tc.wantFail || got != tc.url {
				t.Errorf("URL = %q, skipped %v, failed %v; want %q, %v, %v",
					got, r.skipped, r.failed, tc.url, tc.wantSkip, tc.wantFail)
			}
		})
	}
}

func TestWithOptions(t *testing.T) {
	for _, tc := range []struct {
		name, in    string
		wantOptions string // for URLs: the options parameter after parsing
		wantSuffix  string // for key=value strings
	}{
		{"URL", "postgres://root@127.0.0.1:5432/test?sslmode=disable",
			"-csearch_path=s -cx=y", ""},
		{"URL with options", "postgresql://u:p%2Bw@h/db?options=-cstatement_timeout%3D5s&sslmode=require",
			"-cstatement_timeout=5s -csearch_path=s -cx=y", ""},
		{"key=value", "host=h dbname=test", "", ` options='-csearch_path=s -cx=y'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := withOptions(tc.in, "-csearch_path=s -cx=y")
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantSuffix != "" {
				if got != tc.in+tc.wantSuffix {
					t.Errorf("withOptions = %q, want %q", got, tc.in+tc.wantSuffix)
				}
				return
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			// pgx decodes the query with url.ParseQuery semantics,
			// except that it keeps '+': there must be none.
			if strings.Contains(u.RawQuery, "+") {
				t.Errorf("query %q holds a '+', which pgx does not read as a space", u.RawQuery)
			}
			if o := u.Query().Get("options"); o != tc.wantOptions {
				t.Errorf("options = %q, want %q", o, tc.wantOptions)
			}
			// Everything else as it was.
			in, _ := url.Parse(tc.in)
			q, inQ := u.Query(), in.Query()
			q.Del("options")
			inQ.Del("options")
			if u.User.String() != in.User.String() || u.Host != in.Host || u.Path != in.Path || q.Encode() != inQ.Encode() {
				t.Errorf("withOptions changed more than the options: %q from %q", got, tc.in)
			}
		})
	}

	if _, err := withOptions("host=h options='-cx=y'", "-cz=w"); err == nil {
		t.Error("a key=value string with options of its own was accepted")
	}
}
