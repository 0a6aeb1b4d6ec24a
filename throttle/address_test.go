package throttle

import (
	"net/http/httptest"
	"testing"
)

func TestClientAddress(t *testing.T) {
	for _, tc := range []struct {
		name, remote, xff, want string
	}{
		{"IPv4", "192.0.2.7:51234", "", "192.0.2.7"},
		{"IPv4-mapped IPv6", "[::ffff:192.0.2.7]:443", "", "192.0.2.7"},
		{"IPv6 counts as its /64", "[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"IPv6 zone dropped", "[fe80::1%eth0]:443", "", "fe80::/64"},
		{"bare address", "192.0.2.7", "", "192.0.2.7"},
		{"unparseable", "@", "", "unknown"},
		{"X-Forwarded-For is not trusted", "192.0.2.7:1", "203.0.113.9", "192.0.2.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/login", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := ClientAddress(r); got != tc.want {
				t.Errorf("ClientAddress(%q) = %q, want %q", tc.remote, got, tc.want)
			}
		})
	}
}
