package setpassword

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/internal/formcsrf"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// Config is what a Handler needs. Every field is required except Logger,
// SecureCookies, Now and ResetLifetime.
type Config struct {
	Directory *directory.Directory
	// AuditIn records an event in the transaction of the change it
	// describes; cmd passes (*audit.Log).RecordIn, as to the admin API.
	AuditIn func(ctx context.Context, to audit.Appender, e audit.Event) error
	Mailer  *Mailer
	// Issuer is the absolute base URL, e.g. http://localhost:8080 (a
	// trailing slash is dropped): portals are told it as iss.
	Issuer string
	// AccountLimiter counts "forgot password" requests per tenant and
	// username; AddressLimiter counts them per client address, and the
	// passwords the policy refuses too, sharing the login pages' address
	// budget if cmd passes the same limiter.
	AccountLimiter, AddressLimiter *throttle.Limiter
	// CSRFKey signs the forms' CSRF tokens; at least 32 bytes, the same
	// on every node. It may be the login pages' key: the tokens are signed
	// for another purpose.
	CSRFKey   []byte
	Templates *templates.Set
	// Logger gets one line per refused or failed request; discarded if nil.
	Logger *slog.Logger
	// SecureCookies marks the CSRF cookie Secure; false only in plain
	// local development.
	SecureCookies bool
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// ResetLifetime is how long a reset link works, which the "forgot
	// password" answer states: the directory's ResetLifetime, and
	// directory.DefaultResetLifetime if zero, as there.
	ResetLifetime time.Duration
	// SignedOut, if not nil, is told of a person whose sessions a reset
	// has just ended (directory.User.RevokedBefore): back-channel logout
	// (logout.Service.EndUser) tells the portals.
	SignedOut func(ctx context.Context, userID string) error
}

// Handler serves the pages of mailed links and the "forgot password"
// form. Create it with New and mount it with Routes.
type Handler struct {
	dir              *directory.Directory
	auditIn          func(ctx context.Context, to audit.Appender, e audit.Event) error
	mailer           *Mailer
	issuer           string
	account, address *throttle.Limiter
	csrfKey          []byte
	secure           bool
	pages            *templates.Pages
	log              *slog.Logger
	now              func() time.Time
	resetLifetime    time.Duration
	signedOut        func(ctx context.Context, userID string) error
	// requests runs "forgot password" requests after their answer
	// (forgot.go); tests wait on it.
	requests sync.WaitGroup
	// inFlight bounds those requests: a token per request running.
	inFlight chan struct{}
	// mu guards closing, which Wait sets: from then on no request starts
	// work in the background (so none starts after Wait's wait).
	mu      sync.Mutex
	closing bool
}

// maxResetsInFlight bounds the "forgot password" requests running after
// their answers, on one node.
const maxResetsInFlight = 32

// New checks cfg and returns the Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Directory == nil:
		return nil, errors.New("setpassword: no directory")
	case cfg.AuditIn == nil:
		return nil, errors.New("setpassword: no audit")
	case cfg.Mailer == nil:
		return nil, errors.New("setpassword: no mailer")
	case cfg.AccountLimiter == nil || cfg.AddressLimiter == nil:
		return nil, errors.New("setpassword: account and address limiters are required")
	case len(cfg.CSRFKey) < formcsrf.MinKeyLen:
		return nil, fmt.Errorf("setpassword: CSRF key must be at least %d bytes", formcsrf.MinKeyLen)
	case cfg.Templates == nil:
		return nil, errors.New("setpassword: no templates")
	case cfg.ResetLifetime < 0:
		return nil, errors.New("setpassword: negative reset lifetime")
	}
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	if u, err := url.Parse(issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("setpassword: issuer %q is not an absolute http(s) URL", cfg.Issuer)
	}
	h := &Handler{
		dir: cfg.Directory, auditIn: cfg.AuditIn, mailer: cfg.Mailer, issuer: issuer,
		account: cfg.AccountLimiter, address: cfg.AddressLimiter,
		csrfKey: append([]byte(nil), cfg.CSRFKey...), secure: cfg.SecureCookies,
		log: cfg.Logger, now: cfg.Now, resetLifetime: cfg.ResetLifetime, signedOut: cfg.SignedOut,
		inFlight: make(chan struct{}, maxResetsInFlight),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.resetLifetime == 0 {
		h.resetLifetime = directory.DefaultResetLifetime
	}
	h.pages = templates.NewPages(cfg.Templates, h.log, "set-password page", cfg.SecureCookies)
	return h, nil
}

// Routes registers the pages on mux, behind net/http's cross-origin
// protection (templates.Pages).
func (h *Handler) Routes(mux *http.ServeMux) {
	for _, f := range []flow{invitation, reset} {
		h.pages.Route(mux, "GET "+f.path, func(w http.ResponseWriter, r *http.Request) error { return h.showLink(w, r, f) })
		h.pages.Route(mux, "POST "+f.path, func(w http.ResponseWriter, r *http.Request) error { return h.submitLink(w, r, f) })
	}
	h.pages.Route(mux, "GET "+ForgotPath, h.showForgot)
	h.pages.Route(mux, "POST "+ForgotPath, h.submitForgot)
}

// csrfPurpose separates these pages' tokens from the login's, which
// share the cookie (formcsrf).
const csrfPurpose = "setpassword"

// csrfToken is the form field of the page at path for this browser,
// setting the CSRF cookie if it has none.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request, path string) string {
	return formcsrf.Sign(h.csrfKey, csrfPurpose, formcsrf.Cookie(w, r, h.secure), path)
}

// postedForm reads a POST to the page at path: the body within its limit
// and a CSRF token that matches the browser's cookie and the page.
func (h *Handler) postedForm(w http.ResponseWriter, r *http.Request, path string) error {
	if err := templates.ParseForm(w, r); err != nil {
		return err
	}
	if !formcsrf.VerifyCookie(h.csrfKey, r, r.PostForm.Get(formcsrf.Field), csrfPurpose, path) {
		return &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgFormExpired,
			Err: errors.New("csrf token missing or wrong")}
	}
	return nil
}

// errNoAuditInTx is a wiring mistake: a directory store that does not
// keep the audit log in its transactions.
var errNoAuditInTx = errors.New("setpassword: the directory's store does not append audit events in its transactions")

// atomically runs fn in one transaction of the directory with the events
// it records through rec: the change and its event commit together or not
// at all.
func (h *Handler) atomically(ctx context.Context, fn func(d *directory.Directory, s directory.Store, rec func(audit.Event) error) error) error {
	return h.dir.Atomically(ctx, func(d *directory.Directory, s directory.Store) error {
		to, ok := s.(audit.Appender)
		if !ok {
			return errNoAuditInTx
		}
		return fn(d, s, func(e audit.Event) error { return h.auditIn(ctx, to, e) })
	})
}

// Field limits, as on the login form: a slug is at most 63 characters, a
// username at most 128 (300 leaves room for what the login accepts),
// and longer passwords only cost hashing time.
const (
	maxTenantLen    = 63
	maxUsernameLen  = 300
	maxPasswordLen  = 1024
	maxRequestIDLen = 512
	// maxTokenLen bounds the link secret read from a URL or form; a real
	// one is 43 characters.
	maxTokenLen = 256
)
