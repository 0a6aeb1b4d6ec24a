package main

import (
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/password"
)

func TestPasswordCostIsOWASPsMinimumOrMore(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       passwordConfig
		demo    bool
		wantErr string
	}{
		{"defaults", passwordConfig{}, false, ""},
		{"19 MiB × 2", passwordConfig{MemoryMiB: 19, Time: 2, Threads: 1}, false, ""},
		{"7 MiB × 5", passwordConfig{MemoryMiB: 7, Time: 5, Threads: 1}, false, ""},
		{"64 MiB × 3 × 4 lanes, 8 at once", passwordConfig{MemoryMiB: 64, Time: 3, Threads: 4, Concurrency: 8}, false, ""},
		{"too cheap", passwordConfig{MemoryMiB: 8, Time: 2}, false, "below OWASP's minimum"},
		{"too little memory", passwordConfig{MemoryMiB: 4, Time: 10}, false, "below OWASP's minimum"},
		{"cheap in a demo", passwordConfig{MemoryMiB: 1, Time: 1}, true, ""},
		{"absurd memory", passwordConfig{MemoryMiB: 4096, Time: 1}, true, "--password-memory"},
		{"no passes", passwordConfig{MemoryMiB: 19, Time: -1}, false, "--password-time"},
		{"too many lanes", passwordConfig{Threads: 64}, false, "--password-threads"},
		{"negative concurrency", passwordConfig{Concurrency: -1}, false, "--password-concurrency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.resolve(tc.demo)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
	p := passwordConfig{}
	if err := p.resolve(false); err != nil || p.params() != password.Default {
		t.Errorf("the defaults are %+v (%v), want password.Default", p.params(), err)
	}
}
