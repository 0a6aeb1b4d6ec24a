package login

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// ErrRequestNotFound is what Requests returns, wrapped, for an authorization
// request that is unknown or has expired. The provider maps its own
// not-found to it, so that login never needs to know the provider's errors.
var ErrRequestNotFound = errors.New("login: authorization request not found")

// ErrConsentRequired is what CompleteLogin returns, wrapped, when the
// application is a third-party one the person has yet to allow what it
// asks for: the request was not completed, and waits for the consent page
// (consent.go) with the session given.
var ErrConsentRequired = errors.New("login: the application needs the person's consent")

// Request is what the login pages know about a pending authorization
// request.
type Request struct {
	ID         string
	ClientID   string
	ClientName string
	// LoginHint is the request's login_hint: "username" or, Cumulocity
	// style, "tenant/username". It only pre-fills the form.
	LoginHint string
	// Done means the request is already completed (single sign-on): the
	// browser only needs to go on to the callback.
	Done bool
	// MFARequested is true when the application demanded multi-factor
	// authentication (acr_values=mfa).
	MFARequested bool
	// UILocales is the request's ui_locales, the languages the application
	// would like the pages in, best first (BCP 47 tags).
	UILocales []string
	// AwaitingConsent means the request waits for the consent page: a
	// third-party application, and a person (signed in, or in a single
	// sign-on session) who has yet to allow what it asks for.
	AwaitingConsent bool
}

// Consent is what the consent page shows of a request that waits for it.
type Consent struct {
	ClientName string
	// Scopes are what the application asks for that the person has not
	// yet allowed.
	Scopes []string
	// Again: the person allowed the application before; it asks for more.
	Again bool
}

// Requests is the provider's store of pending authorization requests, as
// the login pages need it.
type Requests interface {
	// LoginRequest returns the request with id, or an error wrapping
	// ErrRequestNotFound if it is unknown or expired.
	LoginRequest(ctx context.Context, id string) (Request, error)
	// CompleteLogin marks the request done for the session's user; an
	// unknown or expired request gives an error wrapping ErrRequestNotFound.
	// It returns an error wrapping ErrConsentRequired, and completes
	// nothing, when the person must first consent (consent.go).
	CompleteLogin(ctx context.Context, id string, s session.Session) error
	// ConsentRequest returns what the request waiting for the consent of
	// the person in s asks; an error wrapping ErrRequestNotFound if it is
	// unknown, expired or not waiting for s.
	ConsentRequest(ctx context.Context, id string, s session.Session) (Consent, error)
	// AnswerConsent records that person's answer: allow remembers the
	// consent and completes the request; deny makes the callback send the
	// application access_denied.
	AnswerConsent(ctx context.Context, id string, s session.Session, allow bool) error
}

// Authenticator checks a password, and sets the new one a person must
// choose at login (new_password.go); *directory.Directory implements it.
type Authenticator interface {
	// Authenticate returns directory.ErrInvalidCredentials for an unknown
	// tenant, an unknown user and a wrong password alike, and
	// directory.ErrUserDisabled only once the password was right.
	Authenticate(ctx context.Context, tenantSlug, username, password string) (directory.User, directory.Tenant, error)
	// SetPassword gives the user with id the password pw, which the
	// password policy must allow (a *directory.FieldError on "password"
	// says why not), and clears MustChangePassword; a deleted user is
	// directory.ErrNotFound.
	SetPassword(ctx context.Context, id, pw string) (directory.User, error)
}

// Tenants answers the tenant choice's questions and keeps the users' login
// statistics; *directory.Directory implements it.
type Tenants interface {
	// TenantsOf lists the tenants the user may act in, home first.
	TenantsOf(ctx context.Context, u directory.User) ([]directory.Tenant, error)
	TenantByID(ctx context.Context, id string) (directory.Tenant, error)
	// TenantBySlug returns the tenant called slug (normalized).
	TenantBySlug(ctx context.Context, slug string) (directory.Tenant, error)
	// ActiveUser returns the user unless it is gone or disabled.
	ActiveUser(ctx context.Context, id string) (directory.User, error)
	// DecideMFAFor says whether the user acting in the tenant must pass
	// TOTP; asked is true when the application demanded it.
	DecideMFAFor(ctx context.Context, userID, tenantID string, asked bool) (directory.MFADecision, error)
	// RecordLogin counts a successful login of the user at time at from
	// address (directory.Store.RecordLogin).
	RecordLogin(ctx context.Context, userID string, at time.Time, address string) error
}

// Authenticators is the TOTP second factor; *mfa.Service implements it.
type Authenticators interface {
	Enrolled(ctx context.Context, userID string) (bool, error)
	NewEnrolment(sub mfa.Subject) (mfa.Enrolment, error)
	SealSecret(sub mfa.Subject, secret string) ([]byte, error)
	OpenSecret(sub mfa.Subject, sealed []byte) (string, error)
	CompleteEnrolment(ctx context.Context, sub mfa.Subject, secret, code string) ([]string, error)
	Verify(ctx context.Context, sub mfa.Subject, code string) (mfa.Method, error)
}

// Config is what a Handler needs. Every field is required except Now,
// Logger and SecureCookies.
type Config struct {
	Requests      Requests
	Authenticator Authenticator
	// Tenants lists where a person may act, for the tenant choice, and
	// decides the TOTP policy there.
	Tenants Tenants
	// MFA is the TOTP second factor.
	MFA Authenticators
	// Support decides support logins ("jill$john", support.go).
	Support Supporters
	// Audit records every login and refused password (audit.go), and
	// support logins and their refusals (support.go).
	Audit func(ctx context.Context, e audit.Event) error
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Sealer encrypts what a pending login keeps that must not sit in the
	// ephemeral store in clear (new recovery codes, until they are seen).
	Sealer *keys.Sealer
	// Pending keeps a proven password between the steps of a login (the
	// tenant choice, the support page, TOTP, the new password; pending.go);
	// shared by every node, like the sessions.
	Pending  ephemeral.Store
	Sessions *session.Store
	Cookies  session.Cookies
	// CallbackURL says where to send the browser once the request is done;
	// the provider injects it so that login never imports it.
	CallbackURL func(ctx context.Context, authRequestID string) string
	// EndLogout ends the browser's session for a logout the person
	// confirmed (logout.go), given the end_session parameters the
	// confirmation page carried, and answers as end_session does; the
	// provider injects it.
	EndLogout func(w http.ResponseWriter, r *http.Request, params url.Values)
	// AccountLimiter counts failed passwords per tenant/username (normalized
	// as directory does), whether or not the account exists, so that its
	// answer does not tell either.
	AccountLimiter *throttle.Limiter
	// AddressLimiter counts failed passwords, wrong TOTP codes and new
	// passwords the policy refused, per client address
	// (throttle.ClientAddress); it is never reset by a success.
	AddressLimiter *throttle.Limiter
	// CSRFKey signs the CSRF tokens; at least 32 bytes, the same on every
	// node, so that a form served by one node posts to another.
	CSRFKey   []byte
	Templates *templates.Set
	// Logger gets one line per refused or failed request; discarded if nil.
	Logger *slog.Logger
	// SecureCookies marks the CSRF and tenant cookies Secure. It is false
	// only in plain local development (an http://localhost issuer).
	SecureCookies bool
}

// Handler serves the login pages. Create it with New and mount it with
// Routes.
type Handler struct {
	requests  Requests
	auth      Authenticator
	tenants   Tenants
	mfa       Authenticators
	support   Supporters
	audit     func(ctx context.Context, e audit.Event) error
	now       func() time.Time
	sealer    *keys.Sealer
	pending   ephemeral.Store
	sessions  *session.Store
	cookies   session.Cookies
	callback  func(ctx context.Context, authRequestID string) string
	endLogout func(w http.ResponseWriter, r *http.Request, params url.Values)
	account   *throttle.Limiter
	address   *throttle.Limiter
	csrf      csrf
	pages     *templates.Pages
	log       *slog.Logger
	secure    bool
}

// New checks cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Requests == nil:
		return nil, errors.New("login: Config.Requests is required")
	case cfg.Authenticator == nil:
		return nil, errors.New("login: Config.Authenticator is required")
	case cfg.Tenants == nil:
		return nil, errors.New("login: Config.Tenants is required")
	case cfg.Sealer == nil:
		return nil, errors.New("login: Config.Sealer is required")
	case cfg.MFA == nil:
		return nil, errors.New("login: Config.MFA is required")
	case cfg.Support == nil || cfg.Audit == nil:
		return nil, errors.New("login: Config.Support and Config.Audit are required")
	case cfg.Pending == nil:
		return nil, errors.New("login: Config.Pending is required")
	case cfg.Sessions == nil:
		return nil, errors.New("login: Config.Sessions is required")
	case cfg.CallbackURL == nil || cfg.EndLogout == nil:
		return nil, errors.New("login: Config.CallbackURL and Config.EndLogout are required")
	case cfg.AccountLimiter == nil || cfg.AddressLimiter == nil:
		return nil, errors.New("login: Config.AccountLimiter and Config.AddressLimiter are required")
	case len(cfg.CSRFKey) < 32:
		return nil, errors.New("login: Config.CSRFKey must be at least 32 bytes")
	case cfg.Templates == nil:
		return nil, errors.New("login: Config.Templates is required")
	}
	h := &Handler{
		requests:  cfg.Requests,
		auth:      cfg.Authenticator,
		tenants:   cfg.Tenants,
		mfa:       cfg.MFA,
		support:   cfg.Support,
		audit:     cfg.Audit,
		now:       cfg.Now,
		sealer:    cfg.Sealer,
		pending:   cfg.Pending,
		sessions:  cfg.Sessions,
		cookies:   cfg.Cookies,
		callback:  cfg.CallbackURL,
		endLogout: cfg.EndLogout,
		account:   cfg.AccountLimiter,
		address:   cfg.AddressLimiter,
		csrf:      csrf{key: append([]byte(nil), cfg.CSRFKey...), secure: cfg.SecureCookies},
		log:       cfg.Logger,
		secure:    cfg.SecureCookies,
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.pages = templates.NewPages(cfg.Templates, h.log, "login page", cfg.SecureCookies)
	return h, nil
}

// Routes registers the login pages on mux:
//
//	GET  /login?authRequestID=…  the form (or a redirect if already done)
//	POST /login                  the password check
//	GET  /login/tenant           the tenant choice, for a person linked to several
//	POST /login/tenant           the choice made
//	GET  /login/support          a support login ("jill$john"): whom it acts as, and the reason
//	POST /login/support          the reason given (support.go)
//	GET  /login/totp             the TOTP code, or enrolment when policy requires it
//	POST /login/totp             the code (or a recovery code) given
//	POST /login/totp/enrol       the first code from a new authenticator
//	GET  /login/totp/codes       the new recovery codes, until the person goes on
//	POST /login/totp/done        the codes saved: the login completes
//	GET  /login/new-password     a new password, when an administrator requires one
//	POST /login/new-password     the new password, twice (new_password.go)
//	GET  /logout                 asks to confirm a logout requested without id_token_hint
//	POST /logout                 the logout confirmed: the session ends (logout.go)
//	GET  /logged-out             shown after logout without a redirect URI
//	GET  /static/                the pages' style sheet (templates.Static)
//
// Every route sits behind http.CrossOriginProtection, so that a browser
// never delivers a POST from another origin, and answers its errors with
// the error page (templates.Pages).
func (h *Handler) Routes(mux *http.ServeMux) {
	h.pages.Route(mux, "GET /login", h.showLogin)
	h.pages.Route(mux, "POST /login", h.submitLogin)
	h.pages.Route(mux, "GET /login/tenant", h.showTenantChoice)
	h.pages.Route(mux, "POST /login/tenant", h.submitTenantChoice)
	h.pages.Route(mux, "GET /login/support", h.showSupport)
	h.pages.Route(mux, "POST /login/support", h.submitSupport)
	h.pages.Route(mux, "GET /login/totp", h.showTOTP)
	h.pages.Route(mux, "POST /login/totp", h.submitTOTP)
	h.pages.Route(mux, "POST /login/totp/enrol", h.submitEnrolment)
	h.pages.Route(mux, "GET /login/totp/codes", h.showCodes)
	h.pages.Route(mux, "POST /login/totp/done", h.submitCodesSeen)
	h.pages.Route(mux, "GET "+newPasswordPath, h.showNewPassword)
	h.pages.Route(mux, "POST "+newPasswordPath, h.submitNewPassword)
	h.pages.Route(mux, "GET /logout", h.showLogoutConfirm)
	h.pages.Route(mux, "POST /logout", h.submitLogoutConfirm)
	h.pages.Route(mux, "GET "+consentPath, h.showConsent)
	h.pages.Route(mux, "POST "+consentPath, h.submitConsent)
	h.pages.Route(mux, "GET /logged-out", h.loggedOut)
	mux.Handle("GET "+templates.StaticPath, templates.Static())
}
