package redis

import (
	"strings"
	"testing"
	"time"
)

// TestParseURL checks the URL forms of the package documentation: what
// topology each chooses and what go-redis makes of the rest, with the
// options Gatehouse always sets.
func TestParseURL(t *testing.T) {
	tests := []struct {
		name  string
		url   string
		check func(t *testing.T, c *config)
	}{
		{"defaults", "redis://", func(t *testing.T, c *config) {
			o := c.single
			if o.Addr != "localhost:6379" || o.DB != 0 || o.TLSConfig != nil {
				t.Errorf("Addr, DB, TLS = %q, %d, %v", o.Addr, o.DB, o.TLSConfig)
			}
		}},
		{"password and database", "redis://:s3cr%40t@redis.internal:6380/2", func(t *testing.T, c *config) {
			o := c.single
			if o.Addr != "redis.internal:6380" || o.DB != 2 || o.Username != "" || o.Password != "s3cr@t" {
				t.Errorf("Addr, DB, Username, Password = %q, %d, %q, %q", o.Addr, o.DB, o.Username, o.Password)
			}
		}},
		{"TLS with ACL user", "rediss://gatehouse:s3cret@redis.example.com:6380/0", func(t *testing.T, c *config) {
			o := c.single
			if o.TLSConfig == nil || o.TLSConfig.ServerName != "redis.example.com" || o.TLSConfig.InsecureSkipVerify {
				t.Errorf("TLS = %+v; want verified, server name redis.example.com", o.TLSConfig)
			}
			if o.Username != "gatehouse" || o.Password != "s3cret" {
				t.Errorf("Username, Password = %q, %q", o.Username, o.Password)
			}
		}},
		{"IPv6", "redis://[::1]:6379/0", func(t *testing.T, c *config) {
			if c.single.Addr != "[::1]:6379" {
				t.Errorf("Addr = %q", c.single.Addr)
			}
		}},
		{"timeouts", "redis://localhost/0?dial_timeout=1s&read_timeout=500ms&write_timeout=2&max_retries=1", func(t *testing.T, c *config) {
			o := c.single
			if o.DialTimeout != time.Second || o.ReadTimeout != 500*time.Millisecond || o.WriteTimeout != 2*time.Second || o.MaxRetries != 1 {
				t.Errorf("DialTimeout, ReadTimeout, WriteTimeout, MaxRetries = %v, %v, %v, %d", o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries)
			}
		}},
		{"client name kept", "redis://localhost/0?client_name=idp-eu", func(t *testing.T, c *config) {
			if c.single.ClientName != "idp-eu" {
				t.Errorf("ClientName = %q", c.single.ClientName)
			}
		}},
		{"unix socket", "unix:///run/redis/redis.sock?db=3", func(t *testing.T, c *config) {
			o := c.single
			if o.Network != "unix" || o.Addr != "/run/redis/redis.sock" || o.DB != 3 {
				t.Errorf("Network, Addr, DB = %q, %q, %d", o.Network, o.Addr, o.DB)
			}
		}},
		{"sentinel", "redis+sentinel://sentinel-a:26379/1?master_name=mymaster&addr=sentinel-b:26379&addr=sentinel-c:26379&password=s3cret", func(t *testing.T, c *config) {
			o := c.failover
			if o == nil {
				t.Fatal("not Sentinel")
			}
			want := []string{"sentinel-a:26379", "sentinel-b:26379", "sentinel-c:26379"}
			if o.MasterName != "mymaster" || strings.Join(o.SentinelAddrs, ",") != strings.Join(want, ",") || o.DB != 1 {
				t.Errorf("MasterName, SentinelAddrs, DB = %q, %q, %d", o.MasterName, o.SentinelAddrs, o.DB)
			}
			if o.Password != "s3cret" || o.SentinelPassword != "" || o.TLSConfig != nil {
				t.Errorf("Password, SentinelPassword, TLS = %q, %q, %v", o.Password, o.SentinelPassword, o.TLSConfig)
			}
			if !o.ContextTimeoutEnabled || o.ClientName != clientName || o.DialerRetries != dialerRetries {
				t.Errorf("ContextTimeoutEnabled, ClientName, DialerRetries = %v, %q, %d", o.ContextTimeoutEnabled, o.ClientName, o.DialerRetries)
			}
		}},
		{"sentinel TLS with sentinel password", "rediss+sentinel://:sentinelpw@sentinel-a:26379/0?master_name=mymaster", func(t *testing.T, c *config) {
			o := c.failover
			if o == nil || o.TLSConfig == nil || o.SentinelPassword != "sentinelpw" || o.Password != "" {
				t.Errorf("failover = %+v; want TLS and the Sentinel password", o)
			}
		}},
		{"cluster", "redis+cluster://gatehouse:s3cret@node-a:6379?addr=node-b:6379&addr=node-c:6379", func(t *testing.T, c *config) {
			o := c.cluster
			if o == nil {
				t.Fatal("not Cluster")
			}
			want := []string{"node-a:6379", "node-b:6379", "node-c:6379"}
			if strings.Join(o.Addrs, ",") != strings.Join(want, ",") || o.Username != "gatehouse" || o.Password != "s3cret" || o.TLSConfig != nil {
				t.Errorf("Addrs, Username, Password, TLS = %q, %q, %q, %v", o.Addrs, o.Username, o.Password, o.TLSConfig)
			}
			if !o.ContextTimeoutEnabled || o.ClientName != clientName || o.DialerRetries != dialerRetries {
				t.Errorf("ContextTimeoutEnabled, ClientName, DialerRetries = %v, %q, %d", o.ContextTimeoutEnabled, o.ClientName, o.DialerRetries)
			}
		}},
		{"cluster TLS, one seed", "rediss+cluster://:s3cret@clustercfg.example.cache.amazonaws.com:6379", func(t *testing.T, c *config) {
			o := c.cluster
			if o == nil || len(o.Addrs) != 1 || o.TLSConfig == nil || o.TLSConfig.ServerName != "clustercfg.example.cache.amazonaws.com" {
				t.Errorf("cluster = %+v; want one seed over TLS", o)
			}
		}},
		{"scheme in capitals", "REDIS+CLUSTER://node-a:6379", func(t *testing.T, c *config) {
			if c.cluster == nil {
				t.Error("not Cluster")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseURL(tt.url)
			if err != nil {
				t.Fatalf("parseURL(%q): %v", tt.url, err)
			}
			if n := btoi(c.single != nil) + btoi(c.failover != nil) + btoi(c.cluster != nil); n != 1 {
				t.Fatalf("%d topologies chosen; want 1", n)
			}
			if o := c.single; o != nil {
				if !o.ContextTimeoutEnabled || o.DialerRetries != dialerRetries {
					t.Errorf("ContextTimeoutEnabled, DialerRetries = %v, %d; want true, %d", o.ContextTimeoutEnabled, o.DialerRetries, dialerRetries)
				}
				if tt.name != "client name kept" && o.ClientName != clientName {
					t.Errorf("ClientName = %q; want %q", o.ClientName, clientName)
				}
			}
			tt.check(t, c)
			client := c.newClient()
			if err := client.Close(); err != nil {
				t.Errorf("Close of the unused client: %v", err)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestParseURLErrors checks that a wrong URL gets an error that says what is
// wrong and never holds the password, not even a piece of it.
func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"no scheme", "localhost:6379", "scheme"},
		{"no scheme at all", "//:s3cret@localhost:6379", "no scheme"},
		{"other scheme", "http://:s3cret@localhost:6379", `scheme "http"`},
		{"unknown topology", "redis+ring://:s3cret@localhost:6379", "redis+sentinel"},
		{"unknown option", "redis://:s3cret@localhost:6379/0?pool_sise=3", "unexpected option: pool_sise"},
		{"bad database", "redis://:s3cret@localhost:6379/zero", "invalid database number"},
		{"bad duration", "redis://:s3cret@localhost/0?read_timeout=soon", "read_timeout"},
		{"sentinel options on redis://", "redis://:s3cret@sentinel-a:26379/0?master_name=mymaster&addr=sentinel-b:26379", "redis+sentinel://"},
		{"several addresses on redis://", "redis://:s3cret@node-a:6379?addr=node-b:6379", "redis+cluster://"},
		{"sentinel without master", "redis+sentinel://sentinel-a:26379/0?password=s3cret", "master_name"},
		{"sentinel reading replicas", "redis+sentinel://sentinel-a:26379/0?master_name=m&replica_only=true&password=s3cret", "replicas"},
		{"cluster reading replicas", "redis+cluster://:s3cret@node-a:6379?read_only=true", "replicas"},
		{"cluster with bad addr", "redis+cluster://:s3cret@node-a:6379?addr=node-b", "addr"},
		// A password with an unencoded "/" ends the host early: url.Parse
		// then complains about a "port" that is a piece of the password.
		{"slash in password", "redis://:s3c/ret@localhost:6379/0", "percent-encode"},
		{"percent in password", "redis://:s3cret%zz@localhost:6379/0", "percent-encode"},
		{"space in password", "redis://:s3cret x@localhost:6379/0", "invalid"},
		{"control character", "redis://:s3cret\x7f@localhost:6379/0", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseURL(tt.url)
			if err == nil {
				t.Fatalf("parseURL(%q) = nil error", tt.url)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
			if !strings.HasPrefix(msg, "ephemeral/redis: Redis URL: ") {
				t.Errorf("error %q does not name the setting", msg)
			}
			for _, secret := range []string{"s3cret", "s3c", "ret"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q holds %q, part of the password", msg, secret)
				}
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"redis://:s3cret@localhost:6379/0", "redis://:xxxxx@localhost:6379/0"},
		{"rediss://gatehouse:s3cret@redis.example.com:6380/0", "rediss://gatehouse:xxxxx@redis.example.com:6380/0"},
		{"redis://localhost:6379/0", "redis://localhost:6379/0"},
		{"redis+sentinel://:sentinelpw@sentinel-a:26379/0?master_name=m&password=s3cret", "redis+sentinel://:xxxxx@sentinel-a:26379/0?master_name=m&password=xxxxx"},
		{"redis://:s3c/ret@localhost:6379/0", "(unparsable Redis URL)"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.url); got != tt.want {
			t.Errorf("RedactURL(%q) = %q; want %q", tt.url, got, tt.want)
		}
	}
}
