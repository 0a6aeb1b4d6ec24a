package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gatehouse-id/gatehouse/audit"
)

// scrape serves m's handler once and returns the text.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	body, _ := io.ReadAll(rec.Body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := p.TextToMetricFamilies(strings.NewReader(string(body))); err != nil {
		t.Fatalf("the scrape does not parse: %v\n%s", err, body)
	}
	return string(body)
}

func TestCounters(t *testing.T) {
	m := New()
	m.Request("POST /login", http.MethodPost, 401, 3*time.Millisecond)
	m.Request("", "BREW", 404, time.Millisecond)
	m.Request("/oauth/token", http.MethodPost, 999, time.Millisecond)
	m.TokenIssued("client_credentials", "machine")
	m.TokenIssued("client_credentials", "machine")
	m.LoginThrottled()
	m.TOTPFailed()
	m.Throttled("login-account")
	ctx := context.Background()
	for _, e := range []audit.Event{
		{Action: "login.succeeded", TenantID: "t-secret-tenant", Actor: "u-1", ActorName: "jill"},
		{Action: "login.failed", Details: map[string]string{"reason": "invalid_credentials"}},
		{Action: "login.failed", Details: map[string]string{"reason": "user_disabled"}},
		{Action: "support.login"},
		{Action: "support.login_refused"},
		{Action: "totp.locked"},
		{Action: "user.created"},
	} {
		m.Audited(ctx, e)
	}
	m.SigningKey(func() (time.Duration, bool) { return 90 * time.Second, true })
	m.DatabasePool("sqlite", func() DBStats { return DBStats{MaxOpen: 4, InUse: 1, Idle: 2, WaitCount: 3, WaitDuration: time.Second} })
	m.RedisPool(func() RedisStats { return RedisStats{Total: 5, Idle: 2, Hits: 7} })

	got := scrape(t, m)
	for _, want := range []string{
		`gatehouse_http_requests_total{code="401",method="POST",route="POST /login"} 1`,
		`gatehouse_http_requests_total{code="404",method="other",route="unmatched"} 1`,
		`gatehouse_http_requests_total{code="other",method="POST",route="/oauth/token"} 1`,
		`gatehouse_http_request_duration_seconds_count{method="POST",route="POST /login",status="4xx"} 1`,
		`gatehouse_tokens_issued_total{client_id="machine",grant_type="client_credentials"} 2`,
		`gatehouse_logins_total{outcome="succeeded"} 1`,
		`gatehouse_logins_total{outcome="failed"} 1`,
		`gatehouse_logins_total{outcome="disabled"} 1`,
		`gatehouse_logins_total{outcome="throttled"} 1`,
		`gatehouse_logins_total{outcome="support"} 1`,
		`gatehouse_logins_total{outcome="support_refused"} 1`,
		`gatehouse_support_sessions_total 1`,
		`gatehouse_totp_failures_total 1`,
		`gatehouse_totp_lockouts_total 1`,
		`gatehouse_throttled_requests_total{limiter="login-account"} 1`,
		`gatehouse_signing_key_age_seconds 90`,
		`gatehouse_db_connections{backend="sqlite",state="in_use"} 1`,
		`gatehouse_db_connections{backend="sqlite",state="idle"} 2`,
		`gatehouse_db_connections_max{backend="sqlite"} 4`,
		`gatehouse_db_waits_total{backend="sqlite"} 3`,
		`gatehouse_db_wait_seconds_total{backend="sqlite"} 1`,
		`gatehouse_redis_connections{state="in_use"} 3`,
		`gatehouse_redis_pool_hits_total 7`,
		`go_goroutines `,
	} {
		if !strings.Contains(got, want+"\n") && !strings.Contains(got, want) {
			t.Errorf("the scrape lacks %s", want)
		}
	}
	for _, leak := range []string{"t-secret-tenant", "jill", "BREW"} {
		if strings.Contains(got, leak) {
			t.Errorf("the scrape contains %q", leak)
		}
	}
}

func TestNoActiveKeyNoAge(t *testing.T) {
	m := New()
	m.SigningKey(func() (time.Duration, bool) { return 0, false })
	if got := scrape(t, m); strings.Contains(got, "gatehouse_signing_key_age_seconds ") {
		t.Errorf("an age without an active key:\n%s", got)
	}
}

// BenchmarkTokenIssued is the token endpoint's share: it must not
// allocate.
func BenchmarkTokenIssued(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.TokenIssued("client_credentials", "machine")
	}
}

func BenchmarkRequest(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.Request("/oauth/token", http.MethodPost, 200, time.Millisecond)
	}
}
