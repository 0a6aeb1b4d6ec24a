package admin

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

//go:embed openapi.yaml
var openAPI []byte

// Tokens verifies Gatehouse's access tokens; *provider.Provider implements
// it.
type Tokens interface {
	// VerifyAccessToken returns the claims of a live access token, or an
	// error wrapping ErrInvalidToken (given as Config.InvalidToken).
	VerifyAccessToken(ctx context.Context, raw string) (*claims.AccessToken, error)
}

// TOTP resets a person's second factor; *mfa.Service implements the
// operation cmd adapts to this.
type TOTP func(ctx context.Context, by directory.Caller, u directory.User) error

// EventQuerier reads the audit log; audit.Store implements it. (Changes
// are written through Config.AuditIn, which checks them, never here.)
type EventQuerier interface {
	QueryEvents(ctx context.Context, q audit.Query) ([]audit.Event, bool, error)
}

// Mailer sends the mails of links; *setpassword.Mailer implements it.
// Each call queues one mail (to l.User.Email) and returns once it is
// queued, or why it could not be: the API calls it only after the link's
// transaction committed (Handler.afterCommit).
type Mailer interface {
	// SendInvitation mails the invitation l from inviter (a person's
	// name; empty when no person invited, such as a machine client),
	// written in the first of langs (BCP 47 tags or Accept-Language
	// values, after the person's own preferred language) it has.
	SendInvitation(l directory.MailLink, inviter string, langs ...string) error
	// SendReset mails the password reset link l, as SendInvitation.
	SendReset(l directory.MailLink, langs ...string) error
}

// Config is what a Handler needs; every field is required but Logger.
type Config struct {
	Directory *directory.Directory
	Tokens    Tokens
	// InvalidToken is the error Tokens wraps for a token that is not valid.
	InvalidToken error
	// Audience is the aud a token must carry to be used here
	// (provider.Provider.AdminAudience).
	Audience string
	// AuditIn records an event through to, the transaction of the
	// directory's store that makes the change it records (atomic):
	// audit.Log.RecordIn. Every event of the API is recorded this way.
	AuditIn func(ctx context.Context, to audit.Appender, e audit.Event) error
	// Events reads the audit log.
	Events EventQuerier
	// ResetTOTP removes a person's TOTP (and is audited by it).
	ResetTOTP TOTP
	// Credentials tells who has TOTP, for the users' mfa.
	Credentials TOTPCredentials
	// Mailer sends invitations and password reset links.
	Mailer Mailer
	// SignedOut, if not nil, is told of a person whose sessions a change
	// has just ended (disabled, deleted or purged: RevokedBefore), once
	// the change has committed: back-channel logout (logout.Service.EndUser)
	// tells the portals and revokes the sessions' refresh tokens.
	SignedOut func(ctx context.Context, userID string) error
	// TenantsRemoved, if not nil, is told of the tenants a deletion has
	// just removed (the tenant and its subtree), once it has committed:
	// back-channel logout (logout.Service.EndTenants) ends the sessions
	// acting in them.
	TenantsRemoved func(ctx context.Context, tenantIDs []string) error
	Logger         *slog.Logger
}

// Handler serves the API.
type Handler struct {
	dir      *directory.Directory
	tokens   Tokens
	invalid  error
	audience string
	// audit records a change's event: bound by atomic to the change's
	// transaction (auditIn), and outsideTx anywhere else.
	audit   func(ctx context.Context, e audit.Event) error
	auditIn func(ctx context.Context, to audit.Appender, e audit.Event) error
	// afterCommit queues fn to run once the change's transaction has
	// committed, before its answer is sent; fn's error is the answer
	// then. Bound by atomic, and notInTx anywhere else.
	afterCommit func(fn func() error) error
	events      EventQuerier
	resetTOTP   TOTP
	credentials TOTPCredentials
	mailer      Mailer
	signedOut   func(ctx context.Context, userID string) error
	removed     func(ctx context.Context, tenantIDs []string) error
	log         *slog.Logger
}

// New returns a Handler for cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Directory == nil || cfg.Tokens == nil || cfg.InvalidToken == nil || cfg.Audience == "" ||
		cfg.AuditIn == nil || cfg.Events == nil || cfg.ResetTOTP == nil || cfg.Credentials == nil || cfg.Mailer == nil {
		return nil, errors.New("admin: Config needs Directory, Tokens, InvalidToken, Audience, AuditIn, Events, ResetTOTP, Credentials and Mailer")
	}
	h := &Handler{dir: cfg.Directory, tokens: cfg.Tokens, invalid: cfg.InvalidToken, audience: cfg.Audience,
		audit: outsideTx, auditIn: cfg.AuditIn, afterCommit: notInTx, events: cfg.Events, resetTOTP: cfg.ResetTOTP,
		credentials: cfg.Credentials, mailer: cfg.Mailer, signedOut: cfg.SignedOut, removed: cfg.TenantsRemoved, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// outsideTx is Handler.audit outside atomic, which binds it to the
// change's transaction: an event recorded anywhere else is a programming
// mistake, and refusing it is safer than storing it apart from its change.
func outsideTx(context.Context, audit.Event) error {
	return errors.New("admin: an event recorded outside the transaction of its change")
}

// route is one operation of the API; routes lists them all, and a test
// checks the list against openapi.yaml.
type route struct {
	method, path string
	serve        func(h *Handler, w http.ResponseWriter, r *http.Request, c directory.Caller) error
}

// apart are the changes that are not the directory's (the TOTP reset,
// which package mfa makes and audits itself): they do not run in one
// transaction with their event (atomic), as every other change does.
var apart = map[string]bool{"POST /users/{id}/totp/reset": true}

var routes = []route{
	{"GET", "/tenants", (*Handler).listTenants},
	{"POST", "/tenants", (*Handler).createTenant},
	{"GET", "/tenants/{slug}", (*Handler).getTenant},
	{"PUT", "/tenants/{slug}", (*Handler).updateTenant},
	{"DELETE", "/tenants/{slug}", (*Handler).deleteTenant},
	{"PUT", "/tenants/{slug}/branding/logo", (*Handler).putLogo},
	{"DELETE", "/tenants/{slug}/branding/logo", (*Handler).deleteLogo},
	{"GET", "/tenants/{slug}/users", (*Handler).listUsers},
	{"POST", "/tenants/{slug}/users", (*Handler).createUser},
	{"GET", "/users/{id}", (*Handler).getUser},
	{"PATCH", "/users/{id}", (*Handler).updateUser},
	{"PUT", "/users/{id}/roles", (*Handler).setRoles},
	{"POST", "/users/{id}/roles/copy", (*Handler).copyRoles},
	{"PUT", "/users/{id}/owner", (*Handler).setOwner},
	{"DELETE", "/users/{id}", (*Handler).deleteUser},
	{"POST", "/users/{id}/restore", (*Handler).restoreUser},
	{"POST", "/users/{id}/totp/reset", (*Handler).resetUserTOTP},
	{"POST", "/users/{id}/invitation", (*Handler).sendInvitation},
	{"POST", "/users/{id}/password-reset", (*Handler).sendResetLink},
	{"GET", "/tenants/{slug}/roles", (*Handler).listRoles},
	{"POST", "/tenants/{slug}/roles", (*Handler).createRole},
	{"GET", "/tenants/{slug}/roles/{name}", (*Handler).getRole},
	{"PUT", "/tenants/{slug}/roles/{name}", (*Handler).updateRole},
	{"DELETE", "/tenants/{slug}/roles/{name}", (*Handler).deleteRole},
	{"GET", "/tenants/{slug}/groups", (*Handler).listGroups},
	{"POST", "/tenants/{slug}/groups", (*Handler).createGroup},
	{"GET", "/tenants/{slug}/groups/{name}", (*Handler).getGroup},
	{"PUT", "/tenants/{slug}/groups/{name}", (*Handler).updateGroup},
	{"DELETE", "/tenants/{slug}/groups/{name}", (*Handler).deleteGroup},
	{"GET", "/services", (*Handler).listServices},
	{"POST", "/services", (*Handler).createService},
	{"GET", "/services/{name}", (*Handler).getService},
	{"PUT", "/services/{name}", (*Handler).updateService},
	{"DELETE", "/services/{name}", (*Handler).deleteService},
	{"GET", "/audit", (*Handler).listAudit},
	{"GET", "/tenants/{slug}/clients", (*Handler).listClients},
	{"POST", "/tenants/{slug}/clients", (*Handler).createClient},
	{"GET", "/clients/{id}", (*Handler).getClient},
	{"PUT", "/clients/{id}", (*Handler).updateClient},
	{"DELETE", "/clients/{id}", (*Handler).deleteClient},
	{"POST", "/clients/{id}/secret", (*Handler).rotateClientSecret},
}

// Routes registers the API on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(openAPI)
	})
	for _, rt := range routes {
		serve := rt.serve
		if rt.method != http.MethodGet && !apart[rt.method+" "+rt.path] {
			serve = atomic(serve)
		}
		mux.Handle(rt.method+" "+Prefix+rt.path, h.authorized(serve))
	}
	// Anything else under the prefix is a problem, not the HTML 404.
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, problem(http.StatusNotFound, "not-found", "Not found", "no such endpoint: see "+Prefix+"/openapi.yaml"))
	})
}

// authorized resolves the caller from the bearer token and runs serve.
func (h *Handler) authorized(serve func(*Handler, http.ResponseWriter, *http.Request, directory.Caller) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := h.caller(r)
		if err == nil {
			err = serve(h, w, r, c)
		}
		if err != nil {
			p := h.problemOf(r, err)
			if p.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse", error="invalid_token"`)
			}
			writeProblem(w, p)
		}
	})
}

var errNoToken = problem(http.StatusUnauthorized, "unauthorized", "Sign-in required",
	"send an access token for this API (scope "+claims.ScopeAdmin+") as Authorization: Bearer")

// caller checks the bearer token and resolves who sent it.
func (h *Handler) caller(r *http.Request) (directory.Caller, error) {
	ctx := r.Context()
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		return directory.Caller{}, errNoToken
	}
	at, err := h.tokens.VerifyAccessToken(ctx, strings.TrimSpace(raw))
	if errors.Is(err, h.invalid) {
		return directory.Caller{}, errNoToken
	}
	if err != nil {
		return directory.Caller{}, err
	}
	if !slices.Contains(at.Audience, h.audience) {
		return directory.Caller{}, errNoToken
	}
	if at.Act != nil {
		// Support sees what the person sees in the portals; it does not
		// administer as the person (docs/support.md): no change it made
		// would be the person's, and none may outlive the support session.
		return directory.Caller{}, errSupportToken
	}
	// The client the token was issued to must still exist and still be
	// allowed the scope, and be one whose reach covers the caller: a
	// customer's client must never carry a provider's administration.
	cl, err := h.dir.Store().ClientByID(ctx, at.ClientID)
	if errors.Is(err, directory.ErrNotFound) {
		return directory.Caller{}, errNoToken
	}
	if err != nil {
		return directory.Caller{}, err
	}
	if !cl.AllowsScope(claims.ScopeAdmin) || !cl.CreatedAt.Before(time.Unix(at.IssuedAt+1, 0)) {
		// (A token older than its client came from an earlier client of
		// the same id.)
		return directory.Caller{}, errNoToken
	}
	var c directory.Caller
	if at.AuthTime == 0 { // a machine client
		c, err = h.dir.CallerForClient(ctx, at.Subject)
	} else {
		c, err = h.dir.CallerSince(ctx, at.Subject, at.TenantID(), at.ClientID, time.Unix(at.AuthTime, 0))
	}
	if errors.Is(err, directory.ErrNotFound) || errors.Is(err, directory.ErrUserDisabled) {
		return directory.Caller{}, errNoToken // the person or client is gone or disabled
	}
	if err != nil {
		return directory.Caller{}, err
	}
	if cl.TenantID != "" && !slices.Contains(c.Principal.Tenant.Path, cl.TenantID) {
		return directory.Caller{}, errNoToken // a tenant's client carries callers of that tenant and below only
	}
	return c, nil
}

var errSupportToken = problem(http.StatusForbidden, "support-session", "Not while support acts",
	"a token issued in a support session cannot administer: sign in as yourself")

// record audits a change by c, in e.TenantID. The answer waits for it: a
// change that cannot be audited is reported as failed. Every value is
// clipped, and the details get the client's address and the client the
// caller's token was issued to.
func (h *Handler) record(r *http.Request, c directory.Caller, e audit.Event) error {
	e.Actor, e.ActorName = c.AuditActor(), clip(c.Name)
	e.TargetName = clip(e.TargetName)
	if e.Details == nil {
		e.Details = map[string]string{}
	}
	for k, v := range e.Details {
		e.Details[k] = clip(v)
	}
	e.Details["address"] = throttle.ClientAddress(r)
	if c.ClientID != "" {
		e.Details["client_id"] = c.ClientID
	}
	return h.audit(r.Context(), e)
}

// recordChange records e, whose details are what changed (diff), unless
// nothing did: a request that changes nothing is no event.
func (h *Handler) recordChange(r *http.Request, c directory.Caller, e audit.Event) error {
	if len(e.Details) == 0 {
		return nil
	}
	return h.record(r, c, e)
}

// The answers to a change, once it is audited (record): a change that
// cannot be audited is reported as failed, never answered as made.

// created answers 201 with v, at location, once e is recorded.
func (h *Handler) created(w http.ResponseWriter, r *http.Request, c directory.Caller, e audit.Event, location string, v any) error {
	if err := h.record(r, c, e); err != nil {
		return err
	}
	w.Header().Set("Location", location)
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// changed answers 200 with v once e, whose details are what changed, is
// recorded, if anything did (recordChange).
func (h *Handler) changed(w http.ResponseWriter, r *http.Request, c directory.Caller, e audit.Event, v any) error {
	if err := h.recordChange(r, c, e); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// deleted answers 204 once e is recorded.
func (h *Handler) deleted(w http.ResponseWriter, r *http.Request, c directory.Caller, e audit.Event) error {
	if err := h.record(r, c, e); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
