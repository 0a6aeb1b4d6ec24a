package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/directory"
)

// scrape is one answer of /metrics, parsed.
type scrape map[string]*dto.MetricFamily

// scrapeMetrics GETs u and parses the exposition format; the raw text too.
func scrapeMetrics(t *testing.T, u string) (scrape, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", u, resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	return fams, string(body)
}

// value is the value of the series of family name whose labels include
// labels (name, value pairs); 0 if there is none. A histogram's value is
// its count.
func (s scrape) value(name string, labels ...string) float64 {
	f := s[name]
	if f == nil {
		return 0
	}
	var sum float64
	for _, m := range f.GetMetric() {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestMetricsCountAFullLogin scrapes /metrics on the main port, runs a
// full browser login (password, then the portal redeems the code), a
// burst of client-credentials requests and failed logins up to the
// throttle, scrapes again, and checks that each counter moved by what was
// done. The node has just started, so the first scrape holds the
// baseline: the counters this test reads count only its own requests.
func TestMetricsCountAFullLogin(t *testing.T) {
	h := newHarness(t)
	before, _ := scrapeMetrics(t, h.issuer+"/metrics")

	b := h.browser()
	pa := h.portalA()
	b.signIn(t, pa, "contoso", "carol", "carol-password")

	const burst = 20
	cc := clientcredentials.Config{ClientID: "machine", ClientSecret: machineSecret, TokenURL: h.oidc.Endpoint().TokenURL}
	for range burst {
		if _, err := cc.Token(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// A wrong password for an account that does not exist, at a tenant
	// that does, until the account's throttle (10 failures) refuses
	// the next attempt unchecked; in a browser not signed in.
	b = h.browser()
	for i := range accountPolicy.Limit + 1 {
		_, resp, body := b.submitPassword(pa, "contoso", "mallory", "not-the-password")
		want := http.StatusUnauthorized
		if i == accountPolicy.Limit {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("wrong password %d: %d, want %d: %.200s", i+1, resp.StatusCode, want, body)
		}
	}

	after, raw := scrapeMetrics(t, h.issuer+"/metrics")
	moved := func(name string, labels ...string) float64 {
		return after.value(name, labels...) - before.value(name, labels...)
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"gatehouse_tokens_issued_total", []string{"grant_type", "client_credentials", "client_id", "machine"}, burst},
		{"gatehouse_tokens_issued_total", []string{"grant_type", "authorization_code", "client_id", "portal-a"}, 1},
		{"gatehouse_tokens_issued_total", nil, burst + 1},
		{"gatehouse_logins_total", []string{"outcome", "succeeded"}, 1},
		{"gatehouse_logins_total", []string{"outcome", "failed"}, float64(accountPolicy.Limit)},
		{"gatehouse_logins_total", []string{"outcome", "throttled"}, 1},
		{"gatehouse_throttled_requests_total", []string{"limiter", "login-account"}, 1},
		{"gatehouse_throttled_requests_total", []string{"limiter", "login-address"}, 0},
		{"gatehouse_http_requests_total", []string{"route", "/oauth/token", "method", "POST", "code", "200"}, burst + 1},
		{"gatehouse_http_request_duration_seconds", []string{"route", "/oauth/token", "method", "POST", "status", "2xx"}, burst + 1},
		{"gatehouse_http_requests_total", []string{"route", loginRoute, "code", "401"}, float64(accountPolicy.Limit)},
		{"gatehouse_http_requests_total", []string{"route", loginRoute, "code", "429"}, 1},
		{"gatehouse_http_requests_total", []string{"route", "/authorize"}, float64(accountPolicy.Limit) + 2},
		{"gatehouse_support_sessions_total", nil, 0},
	} {
		if got := moved(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	// The state read at scrape time.
	if age := after.value("gatehouse_signing_key_age_seconds"); age <= 0 || age > time.Hour.Seconds() {
		t.Errorf("signing key age %vs, want a few seconds", age)
	}
	if after["gatehouse_db_connections_max"] == nil || after["gatehouse_db_connections"] == nil {
		t.Error("no database pool metrics")
	}
	if after["go_goroutines"] == nil || after["gatehouse_process_open_fds"] == nil {
		t.Error("no Go or process metrics")
	}
	if after["gatehouse_redis_connections"] != nil {
		t.Error("Redis pool metrics without Redis")
	}
	// Nothing per person, per tenant or secret; and no raw paths.
	tenantID := mustTenantID(t, h, "contoso")
	for _, leak := range []string{"carol", "mallory", "contoso", tenantID, h.user(t, "contoso", "carol").ID,
		"carol-password", "not-the-password", machineSecret, portalASecret, "authRequestID", "/login?"} {
		if strings.Contains(raw, leak) {
			t.Errorf("the scrape contains %q", leak)
		}
	}
}

// TestMetricsCountTOTPFailuresAndLockouts: five wrong codes lock the user;
// the tries in between, too soon after a failure, and the right code
// while locked are refused unchecked.
func TestMetricsCountTOTPFailuresAndLockouts(t *testing.T) {
	h := newHarness(t)
	h.setMFA(t, "contoso", directory.MFARequired)
	h.alignTOTP()
	pa := h.portalA()
	b := h.browser()
	_, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password")
	secret, _, _ := h.enrol(t, b, resp, body)
	before, _ := scrapeMetrics(t, h.issuer+"/metrics")

	b = h.browser()
	_, totpPage, totpBody := b.submitPassword(pa, "contoso", "carol", "carol-password")
	try := func(code string) int {
		resp, _ := b.postOn(totpPage, totpBody, "/login/totp", url.Values{"code": {code}})
		return resp.StatusCode
	}
	for i := 1; i <= 5; i++ {
		try("000000")
		if i < 5 {
			try("000000") // too soon
			h.clock.Advance(time.Duration(1<<(i-1))*time.Second + time.Second)
		}
	}
	h.clock.Advance(31 * time.Second)
	good, _ := totp.GenerateCode(secret, h.clock.Now())
	if got := try(good); got != http.StatusTooManyRequests {
		t.Fatalf("a right code while locked: %d", got)
	}

	after, _ := scrapeMetrics(t, h.issuer+"/metrics")
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"gatehouse_totp_failures_total", nil, 5},
		{"gatehouse_totp_lockouts_total", nil, 1},
		{"gatehouse_throttled_requests_total", []string{"limiter", "totp"}, 4 + 1},
		{"gatehouse_logins_total", []string{"outcome", "succeeded"}, 0},
	} {
		if got := after.value(c.name, c.labels...) - before.value(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// TestMetricsOff: with --metrics=false there is no /metrics.
func TestMetricsOff(t *testing.T) {
	h, _ := startNode(t, &clock{}, "testdata/directory.yaml", mustRead(t, "testdata/directory.yaml"), func(c *config) { c.Metrics = false })
	resp, err := http.Get(h.issuer + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics with metrics off: %d, want 404", resp.StatusCode)
	}
}

// TestMetricsOnTheirOwnListener runs serve with --metrics-addr: /metrics
// is served there, and only there; the main port answers 404 for it.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	for _, v := range []string{"GATEHOUSE_DATABASE_URL", "GATEHOUSE_REDIS_URL", "GATEHOUSE_ISSUER", "GATEHOUSE_METRICS", "GATEHOUSE_METRICS_ADDR"} {
		t.Setenv(v, "")
	}
	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) }) // serve sets it
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- serveCommand(ctx, []string{"--demo", "--addr", addr, "--metrics-addr", metricsAddr, "--data-dir", t.TempDir(),
			"--log-level", "error", "--shutdown-delay", "0s"}, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	main, admin := "http://"+addr, "http://"+metricsAddr
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(main + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not come up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	s, _ := scrapeMetrics(t, admin+"/metrics")
	if s.value("gatehouse_http_requests_total", "route", "GET /healthz", "code", "200") < 1 {
		t.Error("the metrics listener's scrape does not count the main port's requests")
	}
	for _, c := range []struct{ url, what string }{
		{main + "/metrics", "/metrics on the main port"},
		{admin + "/healthz", "anything but /metrics on the metrics listener"},
	} {
		resp, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", c.what, resp.StatusCode)
		}
	}
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestResolveMetrics(t *testing.T) {
	for _, c := range []struct {
		name    string
		cfg     config
		wantErr string
	}{
		{"main port", config{Metrics: true}, ""},
		{"own port", config{Metrics: true, Addr: "localhost:8080", MetricsAddr: "127.0.0.1:9090"}, ""},
		{"off", config{}, ""},
		{"own port but off", config{MetricsAddr: "127.0.0.1:9090"}, "metrics are off"},
		{"not host:port", config{Metrics: true, MetricsAddr: "9090"}, "host:port"},
		{"the main port", config{Metrics: true, Addr: "localhost:8080", MetricsAddr: "localhost:8080"}, "leave it empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.resolveMetrics()
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("resolveMetrics() = %v, want %q", err, c.wantErr)
			}
		})
	}
}
