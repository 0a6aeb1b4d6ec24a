package main

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// lineRE is what scripts/perf/run reads: the name, the parameter, the time
// per operation and the rate as the 5th field.
var lineRE = regexp.MustCompile(`^floor (sign|argon2id) +(RS256|ES256|EdDSA|\d+MiB/t\d+/p\d+) +[0-9.]+(µs|ms)/op +\d+/s$`)

func TestCryptoPrintsOneGreppableLinePerPrimitive(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), []string{"crypto", "-d", "1ms", "-runs", "1", "-argon-memory", "1", "-argon-time", "1"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for line := range strings.Lines(out.String()) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %q does not match %s", line, lineRE)
			continue
		}
		got = append(got, m[2])
	}
	if strings.Join(got, ",") != "RS256,ES256,EdDSA,1MiB/t1/p1" {
		t.Errorf("measured %v", got)
	}
}

func TestFormatLine(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{31200 * time.Nanosecond, "31.2µs/op    32051/s"},
		{21800 * time.Microsecond, "21.80ms/op       46/s"},
	} {
		line := formatLine("sign", "ES256", c.d)
		if !strings.HasSuffix(line, c.want) || !lineRE.MatchString(line) {
			t.Errorf("formatLine(%v) = %q", c.d, line)
		}
		if f := strings.Fields(line); len(f) != 5 {
			t.Errorf("%q has %d fields", line, len(f))
		}
	}
}

func TestCryptoRefusesUnboundedRuns(t *testing.T) {
	for _, args := range [][]string{{"-d", "0"}, {"-d", "2h"}, {"-runs", "0"}, {"-argon-memory", "0"}, {"-argon-threads", "300"}, {"extra"}} {
		if _, err := parseCrypto(args, io.Discard); err == nil {
			t.Errorf("parseCrypto(%q) accepted", args)
		}
	}
	if err := run(t.Context(), []string{"bench"}, io.Discard, io.Discard); err == nil {
		t.Error("an unknown command was accepted")
	}
}
