package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse-id/gatehouse/audit"
)

const namespace = "gatehouse"

// Login outcomes, the values of gatehouse_logins_total's outcome label.
const (
	// LoginSucceeded: a person logged in (login.succeeded), after every
	// factor the login asked for.
	LoginSucceeded = "succeeded"
	// LoginFailed: a wrong password at a tenant that exists (login.failed).
	LoginFailed = "failed"
	// LoginDisabled: the right password for a disabled account
	// (login.failed, reason user_disabled).
	LoginDisabled = "disabled"
	// LoginThrottled: the password was not even checked, the account or
	// the address being over its budget.
	LoginThrottled = "throttled"
	// LoginSupport: a support user logged in as someone (support.login).
	LoginSupport = "support"
	// LoginSupportRefused: a support login the directory did not allow
	// (support.login_refused).
	LoginSupportRefused = "support_refused"
)

// Metrics holds Gatehouse's metrics and the registry they are in. It is
// safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	tokens    *prometheus.CounterVec
	logins    *prometheus.CounterVec
	totpFails prometheus.Counter
	totpLocks prometheus.Counter
	support   prometheus.Counter
	throttled *prometheus.CounterVec

	// codes are the label values of the status codes 100 to 599, made
	// once so that counting a request formats nothing.
	codes [600]string
}

// New returns the metrics, registered in a registry of their own together
// with the Go runtime's and the process's collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern, method and status class (2xx, 4xx, ...).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15},
		}, []string{"route", "method", "status"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "tokens_issued_total",
			Help: "Token responses issued at the token endpoint, by grant type and client id.",
		}, []string{"grant_type", "client_id"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "logins_total",
			Help: "Logins at the login page by outcome: succeeded, failed, disabled, throttled, support, support_refused.",
		}, []string{"outcome"}),
		totpFails: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "totp_failures_total",
			Help: "Wrong or replayed TOTP codes and wrong recovery codes, counted against their user.",
		}),
		totpLocks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "totp_lockouts_total",
			Help: "Users locked out of TOTP after too many failures (totp.locked).",
		}),
		support: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "support_sessions_total",
			Help: "Support sessions begun: a support user logged in as someone (support.login).",
		}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "throttled_requests_total",
			Help: "Attempts refused unchecked because a throttle was over its budget, by limiter.",
		}, []string{"limiter"}),
	}
	for c := 100; c < len(m.codes); c++ {
		m.codes[c] = strconv.Itoa(c)
	}
	// Every outcome from the start, at 0, so that a rate over a fresh
	// node is 0 rather than absent.
	for _, o := range []string{LoginSucceeded, LoginFailed, LoginDisabled, LoginThrottled, LoginSupport, LoginSupportRefused} {
		m.logins.WithLabelValues(o)
	}
	m.reg.MustRegister(m.requests, m.durations, m.tokens, m.logins, m.totpFails, m.totpLocks, m.support, m.throttled,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: namespace}),
	)
	return m
}

// Handler serves the metrics in the Prometheus exposition format. A
// collector that fails is reported in the answer and the rest served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the registry the metrics are in, for tests and for
// collectors of the caller's own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Request counts one answered HTTP request: route is the pattern the
// ServeMux matched (Request.Pattern; "" for none, counted as
// "unmatched"), method the request's, code the status answered, d the
// time it took.
func (m *Metrics) Request(route, method string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	method = methodLabel(method)
	cl, c := "other", "other"
	if code >= 100 && code < len(m.codes) {
		cl, c = statusClasses[code/100-1], m.codes[code]
	}
	m.requests.WithLabelValues(route, method, c).Inc()
	m.durations.WithLabelValues(route, method, cl).Observe(d.Seconds())
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// methodLabel is method if it is a standard one, else "other": the method
// is the client's to choose.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// TokenIssued counts a token response for clientID under grantType (the
// grant_type parameter's value, such as "client_credentials").
func (m *Metrics) TokenIssued(grantType, clientID string) {
	m.tokens.WithLabelValues(grantType, clientID).Inc()
}

// LoginThrottled counts a login refused by the throttle, which is not
// audited.
func (m *Metrics) LoginThrottled() { m.logins.WithLabelValues(LoginThrottled).Inc() }

// TOTPFailed counts a wrong code counted against its user.
func (m *Metrics) TOTPFailed() { m.totpFails.Inc() }

// Throttled counts an attempt refused by limiter, named as it was wired
// ("login-account", "totp").
func (m *Metrics) Throttled(limiter string) { m.throttled.WithLabelValues(limiter).Inc() }

// Audited counts what e records, if it is one of the acts counted here:
// logins, support sessions, TOTP lockouts. It reads only the action and,
// for a failed login, the reason; it fits audit.Log.WithObserver.
func (m *Metrics) Audited(_ context.Context, e audit.Event) {
	switch e.Action {
	case "login.succeeded":
		m.logins.WithLabelValues(LoginSucceeded).Inc()
	case "login.failed":
		if e.Details["reason"] == "user_disabled" {
			m.logins.WithLabelValues(LoginDisabled).Inc()
		} else {
			m.logins.WithLabelValues(LoginFailed).Inc()
		}
	case "support.login":
		m.logins.WithLabelValues(LoginSupport).Inc()
		m.support.Inc()
	case "support.login_refused":
		m.logins.WithLabelValues(LoginSupportRefused).Inc()
	case "totp.locked":
		m.totpLocks.Inc()
	}
}
