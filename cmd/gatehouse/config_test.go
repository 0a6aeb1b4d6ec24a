package main

import (
	"strings"
	"testing"
	"time"
)

// TestResolveRefusesLaptopSettings: outside demo mode, settings that only
// make sense on a laptop stop the start, and the message names the setting.
func TestResolveRefusesLaptopSettings(t *testing.T) {
	const kek = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	for _, tc := range []struct {
		name    string
		cfg     config
		wantErr string // "" means it starts
	}{
		{"https with a KEK", config{Issuer: "https://id.example.com", KEK: kek}, ""},
		{"http on localhost", config{Issuer: "http://localhost:8080", KEK: kek}, ""},
		{"http on 127.0.0.1", config{Issuer: "http://127.0.0.1:8080", KEK: kek}, ""},
		{"no issuer", config{KEK: kek}, "GATEHOUSE_ISSUER"},
		{"http on a public host", config{Issuer: "http://id.example.com", KEK: kek}, "plain http"},
		{"no key-encryption key", config{Issuer: "https://id.example.com"}, "GATEHOUSE_KEK"},
		{"issuer with a query", config{Issuer: "https://id.example.com/?x=1", KEK: kek}, "without query"},
		{"other scheme", config{Issuer: "ftp://id.example.com", KEK: kek}, "https"},
		{"demo allows laptop settings", config{Addr: "localhost:8080", Demo: true}, ""},
		// Demo portals register http redirect URIs, allowed on loopback only.
		{"demo with a public http issuer", config{Issuer: "http://10.0.0.5:8080", Demo: true}, "plain http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GATEHOUSE_KEK", "")
			err := tc.cfg.resolve()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// TestResolveDeviceCodeLifetime: unset is ten minutes; outside 1m–1h the
// start stops and the message names the setting.
func TestResolveDeviceCodeLifetime(t *testing.T) {
	const kek = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	cfg := config{Issuer: "https://id.example.com", KEK: kek}
	if err := cfg.resolve(); err != nil || cfg.DeviceCodeLifetime != defaultDeviceCodeLifetime {
		t.Fatalf("unset: %v, %s", err, cfg.DeviceCodeLifetime)
	}
	for _, d := range []time.Duration{30 * time.Second, 2 * time.Hour} {
		cfg := config{Issuer: "https://id.example.com", KEK: kek, DeviceCodeLifetime: d}
		if err := cfg.resolve(); err == nil || !strings.Contains(err.Error(), "--device-code-lifetime") {
			t.Errorf("%s: %v", d, err)
		}
	}
}
