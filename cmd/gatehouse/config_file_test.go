package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes a configuration file and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// clearSettingsEnv unsets every GATEHOUSE_* variable of a setting for the
// test, so that defaults are the code's.
func clearSettingsEnv(t *testing.T) {
	t.Helper()
	serverFlags().VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		t.Setenv(name, "") // restores it after the test
		os.Unsetenv(name)
	})
	for _, v := range []string{"GATEHOUSE_SMTP_PASSWORD"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// TestConfigFilePrecedence: the command line beats the environment, which
// beats the file, which beats the default.
func TestConfigFilePrecedence(t *testing.T) {
	clearSettingsEnv(t)
	path := writeConfig(t, "addr: file:1\nissuer: https://file.example\nlog-level: warn\nuser-retention: 48h\n")
	t.Setenv("GATEHOUSE_ISSUER", "https://env.example")
	t.Setenv("GATEHOUSE_LOG_LEVEL", "error")
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.bindFlags(fs)
	if err := c.parseArgs(fs, []string{"--config", path, "--log-level", "debug"}); err != nil {
		t.Fatal(err)
	}
	if c.LogLevel != "debug" || c.Issuer != "https://env.example" || c.Addr != "file:1" || c.UserRetention.Hours() != 48 ||
		c.DataDir != "data" {
		t.Errorf("flag %q, env %q, file %q and %v, default %q", c.LogLevel, c.Issuer, c.Addr, c.UserRetention, c.DataDir)
	}
}

// TestConfigCheck: gatehouse config check names each kind of mistake by
// its key, and passes a good configuration without connecting to
// anything.
func TestConfigCheck(t *testing.T) {
	clearSettingsEnv(t)
	const kek = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	good := "issuer: https://id.example.com\nkek: " + kek + "\ndatabase-url: postgres://gh@db.example:5432/gatehouse?sslmode=verify-full\n" +
		"redis-url: rediss://cache.example:6379/0\n"
	for _, tc := range []struct {
		name, yaml string
		args       []string
		want       string // "" is success
	}{
		{"good", good, nil, ""},
		{"unknown key", good + "smtp_host: mail.example\n", nil, `unknown key "smtp_host" (did you mean "smtp-host"?)`},
		{"a map", good + "addr:\n  host: x\n", nil, `key "addr": want a single value`},
		{"bad database URL", strings.Replace(good, "postgres://gh@db.example:5432", "postgres://gh@db.example:notaport", 1), nil, "--database-url"},
		{"bad Redis URL", strings.Replace(good, "rediss://", "http://", 1), nil, "--redis-url"},
		{"no key-encryption key", strings.Replace(good, "kek: "+kek+"\n", "", 1), nil, "GATEHOUSE_KEK"},
		{"issuer without https", strings.Replace(good, "https://id.example.com", "http://id.example.com", 1), nil, "GATEHOUSE_ISSUER"},
		{"bad duration", good + "user-retention: ten days\n", nil, `key "user-retention"`},
		{"flag beats a bad file value", good + "signing-alg: HS256\n", []string{"--signing-alg", "ES256"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.yaml)
			code, out, errOut := gatehouseCmd(t, append([]string{"config", "check", "--config", path}, tc.args...)...)
			switch {
			case tc.want == "" && (code != 0 || !strings.Contains(out, "configuration OK")):
				t.Errorf("exit %d, stdout %q, stderr %q; want OK", code, out, errOut)
			case tc.want != "" && (code != 1 || !strings.Contains(errOut, tc.want)):
				t.Errorf("exit %d, stderr %q; want 1 naming %q", code, errOut, tc.want)
			}
			if strings.Contains(out+errOut, kek) {
				t.Error("the check printed the key-encryption key")
			}
		})
	}
	if code, _, errOut := gatehouseCmd(t, "config"); code != 2 || !strings.Contains(errOut, "Usage: gatehouse config check") {
		t.Errorf("config without check: exit %d, stderr %q", code, errOut)
	}
}
