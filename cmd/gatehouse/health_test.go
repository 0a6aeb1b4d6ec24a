package main

import (
	"flag"
	"net"
	"net/url"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestHealthcheck: the command a container runs as its health check exits
// 0 while the server lives (/healthz) or is ready (/readyz), 1 when nothing
// answers, and 2 on a malformed command line.
func TestHealthcheck(t *testing.T) {
	h := newHarness(t)
	u, err := url.Parse(h.issuer)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--addr", u.Host}, {"--addr", u.Host, "--ready"}} {
		code, out, errOut := gatehouseCmd(t, append([]string{"healthcheck"}, args...)...)
		if code != 0 || !strings.HasSuffix(out, ": ok\n") {
			t.Errorf("healthcheck %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if code, _, errOut := gatehouseCmd(t, "healthcheck", "--addr", closed); code != 1 || errOut == "" {
		t.Errorf("healthcheck of a dead server: exit %d, stderr %q; want 1 and why", code, errOut)
	}
	if code, _, errOut := gatehouseCmd(t, "healthcheck", "extra"); code != 2 || !strings.Contains(errOut, "Usage: gatehouse healthcheck") {
		t.Errorf("malformed: exit %d, stderr %q", code, errOut)
	}
	for addr, want := range map[string]string{":8080": "127.0.0.1:8080", "0.0.0.0:80": "127.0.0.1:80",
		"[::]:8080": "127.0.0.1:8080", "localhost:8080": "localhost:8080", "10.0.0.5:8080": "10.0.0.5:8080"} {
		if got := localAddr(addr); got != want {
			t.Errorf("localAddr(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestImageFiles: the Dockerfile builds the binary as buildImageBinary
// does (so the tests run what the image runs) and checks health with the
// healthcheck command; compose.yaml sets only settings that exist.
func TestImageFiles(t *testing.T) {
	docker := string(mustRead(t, "../../Dockerfile"))
	for _, want := range []string{`RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w"`, `CMD ["/gatehouse", "healthcheck"]`} {
		if !strings.Contains(docker, want) {
			t.Errorf("the Dockerfile lacks %s", want)
		}
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(mustRead(t, "../../compose.yaml"), &compose); err != nil {
		t.Fatal(err)
	}
	settings := map[string]bool{}
	serverFlags().VisitAll(func(f *flag.Flag) { settings[envName(f.Name)] = true })
	env := compose.Services["gatehouse"].Environment
	if len(env) == 0 {
		t.Fatal("compose.yaml has no gatehouse service with an environment")
	}
	for name := range env {
		if !settings[name] {
			t.Errorf("compose.yaml sets %s, which is no setting (docs/configuration.md)", name)
		}
	}
}
