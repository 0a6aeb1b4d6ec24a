package account

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// Path is where the page lives; {issuer}/account is the built-in client's
// redirect URI.
const Path = "/account"

// ClientID is the built-in public client the page signs in with.
const ClientID = directory.AccountClientID

// Client is the registration of the built-in client for issuer (without a
// trailing slash): public, no secret, the code flow only, its one redirect
// URI the account page. cmd registers it at start.
func Client(issuer string) directory.Client {
	return directory.Client{
		ID:           ClientID,
		Name:         "Your " + templates.ProductName + " account",
		Type:         directory.ClientPublic,
		AuthMethod:   directory.AuthNone,
		RedirectURIs: []string{redirectURI(issuer)},
		GrantTypes:   []string{directory.GrantAuthorizationCode},
	}
}

func redirectURI(issuer string) string { return strings.TrimSuffix(issuer, "/") + Path }

// Sessions finds the browser's single sign-on session; *session.Store
// implements it.
type Sessions interface {
	// Lookup returns the live session for the cookie's token, or
	// session.ErrNotFound.
	Lookup(ctx context.Context, token string) (session.Session, error)
	// Switch re-issues the session for token in another tenant
	// (tenant_switch.go).
	Switch(ctx context.Context, token, tenantID string) (newToken string, sess, old session.Session, err error)
}

// Directory answers who the session's person is; *directory.Directory
// implements it.
type Directory interface {
	// PrincipalOf returns the active user and what it holds in a tenant
	// ("" for its home), or ErrUserDisabled or ErrNotFound when it is
	// disabled, gone, or no longer linked to the tenant: the session's
	// tenant, and the home tenant, where the person's consents are given
	// and whose administrators give the tenant-wide one.
	PrincipalOf(ctx context.Context, userID, tenantID string) (directory.User, directory.Principal, error)
	// PrincipalSince is PrincipalOf for a session that signed in at
	// authTime: ErrNotFound too once the user's sessions were revoked
	// (deleted or disabled since, even if restored).
	PrincipalSince(ctx context.Context, userID, tenantID string, authTime time.Time) (directory.User, directory.Principal, error)
	// DecideMFAOf gives the tenant's effective policy and whether TOTP is
	// required of the user acting as the principal.
	DecideMFAOf(ctx context.Context, u directory.User, p directory.Principal, asked bool) (directory.MFADecision, error)
	// RecheckSupport decides whether a support session's support user may
	// still act as its user.
	RecheckSupport(ctx context.Context, actorID, targetID string, now time.Time) (directory.Support, error)
	// SupportConsents, EnableSupport and DisableSupport read and change
	// the support consents of the person's home tenant (seed 004's
	// "Enable support"); they decide who may change which.
	SupportConsents(ctx context.Context, userID string) (own, tenant directory.SupportConsent, pol directory.EffectiveSupportPolicy, err error)
	EnableSupport(ctx context.Context, by directory.SupportCaller, forTenant bool, now time.Time) (directory.SupportConsent, error)
	DisableSupport(ctx context.Context, by directory.SupportCaller, forTenant bool, now time.Time) (bool, error)
	// Authenticate checks a password of the user username of the tenant
	// with tenantSlug: the person's current password, in its home tenant.
	// A wrong one is ErrInvalidCredentials.
	Authenticate(ctx context.Context, tenantSlug, username, pw string) (directory.User, directory.Tenant, error)
	// SetPassword gives the user the new password pw: the policy applies
	// (a *directory.FieldError on "password" says why not), and the
	// current password is refused.
	SetPassword(ctx context.Context, userID, pw string) (directory.User, error)
	// UpdateOwnProfile replaces the person's own profile (names, phone,
	// job title, office, preferred language; never username, email or
	// roles) and returns the user before and after; a *directory.FieldError
	// names the field it refuses.
	UpdateOwnProfile(ctx context.Context, userID string, p directory.OwnProfile) (before, after directory.User, err error)
	// TenantsOf lists the tenants the user may act in, home first: the
	// tenant switch's choice.
	TenantsOf(ctx context.Context, u directory.User) ([]directory.Tenant, error)
}

// Authenticators is the person's own TOTP; *mfa.Service implements it.
type Authenticators interface {
	Status(ctx context.Context, sub mfa.Subject) (mfa.Status, error)
	NewEnrolment(sub mfa.Subject) (mfa.Enrolment, error)
	SealSecret(sub mfa.Subject, secret string) ([]byte, error)
	OpenSecret(sub mfa.Subject, sealed []byte) (string, error)
	CompleteEnrolment(ctx context.Context, sub mfa.Subject, secret, code string) ([]string, error)
	RegenerateRecoveryCodes(ctx context.Context, sub mfa.Subject, code string) ([]string, error)
	Remove(ctx context.Context, sub mfa.Subject, code string) error
}

// Config is what a Handler needs. Every field is required except Logger,
// SecureCookies and Now.
type Config struct {
	// Issuer is Gatehouse's issuer URL: the page signs in at its
	// /authorize, with {Issuer}/account as the redirect URI.
	Issuer    string
	Sessions  Sessions
	Directory Directory
	MFA       Authenticators
	// Pending keeps an enrolment's sealed secret until its first code;
	// shared by every node, like the sessions.
	Pending ephemeral.Store
	// AddressLimiter counts wrong codes and current passwords per client address
	// (throttle.ClientAddress), as the login pages do, and shares their
	// budget: one address cannot try codes across many accounts.
	AddressLimiter *throttle.Limiter
	// CSRFKey signs the forms' CSRF tokens; at least 32 bytes, the same on
	// every node. It should not be the login pages' key.
	CSRFKey   []byte
	Templates *templates.Set
	// Audit records the password changes (user.password_changed), the
	// profile changes (user.profile_changed) and the support consents
	// (support.consent_enabled, support.consent_disabled) the page makes;
	// cmd passes (*audit.Log).Record, as to mfa.Config.Audit.
	Audit func(ctx context.Context, e audit.Event) error
	// Now is the clock consents are opened and compared with; time.Now if
	// nil.
	Now func() time.Time
	// Logger gets one line per refused or failed request; discarded if nil.
	Logger *slog.Logger
	// SecureCookies marks the state cookie Secure. It is false only in plain
	// local development (an http://localhost issuer).
	SecureCookies bool
	// Cookies writes the session cookie a tenant switch re-issues; the
	// login's.
	Cookies session.Cookies
}

// Handler serves the account page. Create it with New and mount it with
// Routes.
type Handler struct {
	redirectURI string
	authorize   string
	sessions    Sessions
	dir         Directory
	mfa         Authenticators
	pending     ephemeral.Store
	address     *throttle.Limiter
	csrf        csrf
	pages       *templates.Pages
	audit       func(context.Context, audit.Event) error
	now         func() time.Time
	log         *slog.Logger
	secure      bool
	cookies     session.Cookies
}

// New checks cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("account: Config.Issuer is required")
	case cfg.Sessions == nil:
		return nil, errors.New("account: Config.Sessions is required")
	case cfg.Directory == nil:
		return nil, errors.New("account: Config.Directory is required")
	case cfg.MFA == nil:
		return nil, errors.New("account: Config.MFA is required")
	case cfg.AddressLimiter == nil:
		return nil, errors.New("account: Config.AddressLimiter is required")
	case cfg.Pending == nil:
		return nil, errors.New("account: Config.Pending is required")
	case len(cfg.CSRFKey) < 32:
		return nil, errors.New("account: Config.CSRFKey must be at least 32 bytes")
	case cfg.Templates == nil:
		return nil, errors.New("account: Config.Templates is required")
	case cfg.Audit == nil:
		return nil, errors.New("account: Config.Audit is required")
	}
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	h := &Handler{
		redirectURI: redirectURI(issuer),
		authorize:   issuer + "/authorize",
		sessions:    cfg.Sessions,
		dir:         cfg.Directory,
		mfa:         cfg.MFA,
		pending:     cfg.Pending,
		address:     cfg.AddressLimiter,
		csrf:        csrf{key: append([]byte(nil), cfg.CSRFKey...)},
		audit:       cfg.Audit,
		now:         cfg.Now,
		log:         cfg.Logger,
		secure:      cfg.SecureCookies,
		cookies:     cfg.Cookies,
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.pages = templates.NewPages(cfg.Templates, h.log, "account page", cfg.SecureCookies)
	return h, nil
}

// Routes registers the account page on mux:
//
//	GET  /account                   the page, the sign-in page, or the return from /authorize
//	GET  /account/login             starts signing in at /authorize
//	POST /account/password          the current password and a new one: password changed
//	POST /account/profile           names, phone, job title, office, language: profile changed
//	POST /account/totp/enrol/start  a new secret to set up
//	GET  /account/totp/enrol        the QR code and key of that secret
//	POST /account/totp/enrol        its first code: enrolled, recovery codes shown
//	POST /account/totp/recovery     a current code: new recovery codes shown
//	POST /account/totp/remove       a current code: TOTP removed
//	POST /account/support/enable    scope=self|tenant: support access opened
//	POST /account/support/disable   scope=self|tenant: support access closed
//	POST /account/tenant            tenant_id: the session re-issued for that tenant
//
// Every route sits behind http.CrossOriginProtection. The style sheet is
// the login pages' (templates.StaticPath), mounted by package login.
func (h *Handler) Routes(mux *http.ServeMux) {
	h.pages.Route(mux, "GET "+Path, h.show)
	h.pages.Route(mux, "GET "+Path+"/login", h.signIn)
	h.pages.Route(mux, "POST "+Path+"/password", h.changePassword)
	h.pages.Route(mux, "POST "+Path+"/profile", h.changeProfile)
	h.pages.Route(mux, "POST "+Path+"/totp/enrol/start", h.startEnrolment)
	h.pages.Route(mux, "GET "+Path+"/totp/enrol", h.showEnrolment)
	h.pages.Route(mux, "POST "+Path+"/totp/enrol", h.submitEnrolment)
	h.pages.Route(mux, "POST "+Path+"/totp/recovery", h.regenerate)
	h.pages.Route(mux, "POST "+Path+"/totp/remove", h.remove)
	h.pages.Route(mux, "POST "+Path+"/support/enable", h.enableSupport)
	h.pages.Route(mux, "POST "+Path+"/support/disable", h.disableSupport)
	h.pages.Route(mux, "POST "+Path+"/tenant", h.switchTenant)
}
