package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
	"github.com/gatehouse-id/gatehouse/totppage"
)

// TenantCookie remembers the last tenant signed in to in this browser
// (its slug): the login form starts with it, and the pages take its look
// (cmd's branding) until a session says otherwise.
const TenantCookie = "gatehouse_tenant"

const (
	// maxRequestIDLen bounds the authRequestID we pass to the provider.
	maxRequestIDLen = 512
	// Field limits: a slug is at most 63 characters; a username at most 128,
	// and a support login "jill$john" at most 128+1+128; longer passwords
	// only cost hashing time.
	maxTenantLen   = 63
	maxUsernameLen = 300
	maxPasswordLen = 1024

	// tenantCookieName remembers the last tenant signed in to, so that the
	// next sign-in on this browser starts with it filled in. It holds a slug,
	// nothing secret, but nothing needs to read it from script either.
	tenantCookieName   = TenantCookie
	tenantCookieMaxAge = 365 * 24 * time.Hour
)

// showLogin serves GET /login?authRequestID=…: the form, or a redirect to
// the callback if the provider has already completed the request from a
// single sign-on session.
func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.URL.Query().Get("authRequestID")
	req, err := h.loginRequest(ctx, id)
	if err != nil {
		return err
	}
	if req.Done {
		http.Redirect(w, r, h.callback(ctx, id), http.StatusFound)
		return nil
	}
	if req.AwaitingConsent {
		http.Redirect(w, r, consentURL(id), http.StatusFound)
		return nil
	}
	tenant, username := splitHint(req.LoginHint)
	if tenant == "" {
		tenant = rememberedTenant(r)
	}
	h.renderForm(w, r, http.StatusOK, id, req, templates.LoginPage{Tenant: tenant, Username: username})
	return nil
}

// submitLogin serves POST /login. Each step refuses before the next one
// runs: size, CSRF, request, fields, throttles, password; see doc.go.
func (h *Handler) submitLogin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, req, err := h.postedForm(w, r)
	if err != nil || req.Done {
		return err
	}
	form := r.PostForm
	attrs := []slog.Attr{slog.String("client_id", req.ClientID)}

	p := templates.LoginPage{
		Tenant:   strings.TrimSpace(form.Get("tenant")),
		Username: strings.TrimSpace(form.Get("username")),
	}
	pw := form.Get("password")
	if p.Tenant == "" {
		// Cumulocity style: "acme/jill" typed as the username.
		if t, u, ok := strings.Cut(p.Username, "/"); ok {
			p.Tenant, p.Username = strings.TrimSpace(t), strings.TrimSpace(u)
		}
	}
	if !checkFields(&p, pw) {
		h.renderForm(w, r, http.StatusBadRequest, id, req, p)
		return nil
	}
	tenantSlug, username := directory.NormalizeSlug(p.Tenant), directory.NormalizeUsername(p.Username)
	attrs = append(attrs, slog.String("tenant", tenantSlug))

	// The throttles are asked before the password is: a blocked key learns
	// nothing, not even whether its guess was right. The account key is
	// counted whether or not the account exists, so that being throttled
	// does not reveal that either.
	accountKey := tenantSlug + "/" + username
	actorName, targetName, support := directory.SplitSupportLogin(username)
	if support {
		accountKey = supportAccountKey(actorName)
	}
	addressKey := throttle.ClientAddress(r)
	wait, err := h.blocked(ctx, accountKey, addressKey)
	if err != nil {
		return templates.InternalError(err, attrs...)
	}
	if wait > 0 {
		h.log.LogAttrs(ctx, slog.LevelWarn, "login throttled", append(attrs, slog.Duration("wait", wait))...)
		w.Header().Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
		p.Error, p.RetryMinutes = templates.MsgTooManyAttempts, totppage.LockMinutes(wait)
		h.renderForm(w, r, http.StatusTooManyRequests, id, req, p)
		return nil
	}

	if support {
		return h.supportLogin(w, r, id, req, p, pw, tenantSlug, actorName, targetName, accountKey, addressKey, attrs)
	}
	user, tenant, err := h.auth.Authenticate(ctx, tenantSlug, username, pw)
	if errors.Is(err, directory.ErrInvalidCredentials) || errors.Is(err, directory.ErrUserDisabled) {
		if err := h.auditLoginFailure(ctx, r, req, tenantSlug, username, err); err != nil {
			return templates.InternalError(err, attrs...)
		}
	}
	if done, err := h.passwordRefused(w, r, id, req, p, err, accountKey, addressKey, attrs); done {
		return err
	}
	attrs = append(attrs, slog.String("tenant_id", tenant.ID), slog.String("user_id", user.ID))
	if offered, err := h.offerTenants(w, r, id, user, accountKey, attrs); offered || err != nil {
		return err
	}
	return h.secondFactor(w, r, id, req, user, tenant, tenant.Slug, accountKey, attrs)
}

// passwordRefused answers a password check that failed (authErr from
// Authenticate or AuthenticateSupport) and reports whether it did. One
// answer for an unknown tenant, an unknown user and a wrong password:
// same message, same status, same failures counted. A disabled user is
// told so, once the password was right.
func (h *Handler) passwordRefused(w http.ResponseWriter, r *http.Request, id string, req Request, p templates.LoginPage,
	authErr error, accountKey, addressKey string, attrs []slog.Attr) (bool, error) {
	ctx := r.Context()
	switch {
	case errors.Is(authErr, directory.ErrInvalidCredentials):
		if err := h.failure(ctx, accountKey, addressKey); err != nil {
			return true, templates.InternalError(err, attrs...)
		}
		h.log.LogAttrs(ctx, slog.LevelInfo, "login failed", attrs...)
		p.Error = templates.MsgInvalidCredentials
		h.renderForm(w, r, http.StatusUnauthorized, id, req, p)
		return true, nil
	case errors.Is(authErr, directory.ErrUserDisabled):
		h.log.LogAttrs(ctx, slog.LevelInfo, "login refused: user disabled", attrs...)
		p.Error = templates.MsgAccountDisabled
		h.renderForm(w, r, http.StatusForbidden, id, req, p)
		return true, nil
	case authErr != nil:
		return true, templates.InternalError(fmt.Errorf("authenticate: %w", authErr), attrs...)
	}
	return false, nil
}

// postedForm runs the checks every login form's POST starts with, in
// order: size, CSRF, then the authorization request it is for. A request
// already done is answered here with the redirect to the callback
// (req.Done tells the caller to stop).
func (h *Handler) postedForm(w http.ResponseWriter, r *http.Request) (string, Request, error) {
	if err := templates.ParseForm(w, r); err != nil {
		return "", Request{}, err
	}
	id := r.PostForm.Get("authRequestID")
	if !h.csrf.valid(r, id, r.PostForm.Get(csrfField)) {
		return "", Request{}, &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgFormExpired,
			Err: errors.New("csrf token missing or wrong")}
	}
	req, err := h.loginRequest(r.Context(), id)
	if err != nil {
		return "", Request{}, err
	}
	if req.Done {
		http.Redirect(w, r, h.callback(r.Context(), id), http.StatusSeeOther)
	}
	return id, req, nil
}

// finish turns a proven login (p, for user acting in tenant) into a
// session and the completed request, and sends the browser on to the
// callback with 303 See Other. The session is only handed to the browser
// once the request is completed, so that a failure leaves neither behind.
// p.HomeSlug is remembered for the next sign-in's form: it is where the
// person logs in, whichever tenant they then act in. amr says how the
// person authenticated (RFC 8176). With p.Support set, user is a support
// user and the session is a support session for the person p.Support
// names (startSupportSession). A user who must change its password is sent
// to do so first (askNewPassword); the login finishes from there.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, id string, req Request, p pendingLogin,
	user directory.User, tenant directory.Tenant, amr []string, attrs []slog.Attr) error {
	ctx := r.Context()
	// An administrator's "reset password at next login": with every factor
	// proven, the person chooses a new password before anything is issued
	// (new_password.go). user is whoever typed the password: the support
	// user in a support login.
	if user.MustChangePassword {
		return h.askNewPassword(w, r, id, p, amr, attrs)
	}
	// A support login's key ("support$jill") is shared by every support
	// user of that name; one of them succeeding must not give another's
	// guesses a fresh budget, so it is left to expire.
	if p.Support == nil {
		if err := h.account.Reset(ctx, p.Account); err != nil {
			return templates.InternalError(err, attrs...)
		}
	}
	acr := acrPassword
	if slices.Contains(amr, "mfa") {
		acr = acrMFA
	}
	var (
		token string
		sess  session.Session
		err   error
	)
	remember := p.HomeSlug
	if p.Support != nil {
		token, sess, err = h.startSupportSession(r, req, p, user, amr, acr, attrs)
		if err != nil {
			return err
		}
		remember = p.Support.TenantSlug // where the support user typed jill$john
	} else if token, sess, err = h.sessions.Create(ctx, user.ID, tenant.ID, amr, acr, nil, user.RevokedBefore); err != nil {
		return templates.InternalError(fmt.Errorf("create session: %w", err), attrs...)
	} else if err := h.auditLogin(ctx, r, req, user, tenant, sess, amr); err != nil {
		if derr := h.sessions.Delete(ctx, token); derr != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "delete unaudited session", append(attrs, slog.String("err", derr.Error()))...)
		}
		return templates.InternalError(err, attrs...)
	}
	next := h.callback(ctx, id)
	if err := h.requests.CompleteLogin(ctx, id, sess); errors.Is(err, ErrConsentRequired) {
		// A third-party application: the session is the person's, but the
		// request waits for the consent page (consent.go).
		next = consentURL(id)
	} else if err != nil {
		if derr := h.sessions.Delete(ctx, token); derr != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "delete unused session", append(attrs, slog.String("err", derr.Error()))...)
		}
		if errors.Is(err, ErrRequestNotFound) {
			return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired,
				ClientName: clientName(req), Err: err, Attrs: attrs}
		}
		return templates.InternalError(fmt.Errorf("complete login: %w", err), attrs...)
	}
	// The login happened: count it in the user's statistics. Only an
	// ordinary login counts. A support login is the support user's, not
	// the supported user's, whose statistics must not change; and the
	// support user did not sign in to its own account either (the audit
	// log has support.login for that). The statistics are information, not
	// a control: a failure to record them is logged and the login goes on.
	if p.Support == nil {
		if err := h.tenants.RecordLogin(ctx, user.ID, h.now(), throttle.ClientAddress(r)); err != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "record login", append(attrs, slog.String("err", err.Error()))...)
		}
	}
	// The browser's previous session, if any, is replaced by this one; end
	// it rather than leave it live and unreachable until it expires.
	if old := session.TokenFromRequest(r); old != "" {
		if err := h.sessions.Delete(ctx, old); err != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "delete replaced session", append(attrs, slog.String("err", err.Error()))...)
		}
	}
	h.cookies.Set(w, token, sess.ExpiresAt.Sub(h.now()))
	h.rememberTenant(w, remember)
	h.log.LogAttrs(ctx, slog.LevelInfo, "login succeeded", append(attrs, slog.String("session_id", sess.ID),
		slog.String("amr", strings.Join(amr, " ")))...)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// loginRequest loads the authorization request the page is for. Unknown,
// expired, missing and absurd ids all read "this sign-in link has expired".
func (h *Handler) loginRequest(ctx context.Context, id string) (Request, error) {
	if id == "" || len(id) > maxRequestIDLen {
		return Request{}, &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired,
			Err: errors.New("missing or oversized authRequestID")}
	}
	req, err := h.requests.LoginRequest(ctx, id)
	if errors.Is(err, ErrRequestNotFound) {
		return Request{}, &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired, Err: err}
	}
	if err != nil {
		return Request{}, templates.InternalError(fmt.Errorf("load authorization request: %w", err))
	}
	return req, nil
}

// renderForm renders the login form for request id with a CSRF token bound
// to it, setting the CSRF cookie if the browser has none.
func (h *Handler) renderForm(w http.ResponseWriter, r *http.Request, status int, id string, req Request, p templates.LoginPage) {
	p.ClientName = clientName(req)
	p.AuthRequestID = id
	p.CSRFToken = h.csrf.token(h.csrf.cookie(w, r), id)
	h.pages.Render(w, r, status, p, req.UILocales...)
}

// blocked returns how long the longer of the two throttles still blocks.
func (h *Handler) blocked(ctx context.Context, accountKey, addressKey string) (time.Duration, error) {
	byAddress, err := h.address.Blocked(ctx, addressKey)
	if err != nil {
		return 0, err
	}
	byAccount, err := h.account.Blocked(ctx, accountKey)
	if err != nil {
		return 0, err
	}
	return max(byAddress, byAccount), nil
}

// failure counts a wrong password against both the account and the address.
func (h *Handler) failure(ctx context.Context, accountKey, addressKey string) error {
	_, errAddress := h.address.Failure(ctx, addressKey)
	_, errAccount := h.account.Failure(ctx, accountKey)
	return errors.Join(errAddress, errAccount)
}

// checkFields sets the field errors of p and reports whether there are
// none.
func checkFields(p *templates.LoginPage, pw string) bool {
	p.TenantError = templates.FieldMessage(p.Tenant, maxTenantLen, templates.MsgTenantRequired)
	p.UsernameError = templates.FieldMessage(p.Username, maxUsernameLen, templates.MsgUsernameRequired)
	p.PasswordError = templates.FieldMessage(pw, maxPasswordLen, templates.MsgPasswordRequired)
	return p.TenantError == "" && p.UsernameError == "" && p.PasswordError == ""
}

// splitHint reads a login_hint: "acme/jill" names tenant and user, "jill"
// only the user. A hint that could not be a real value is ignored.
func splitHint(hint string) (tenant, username string) {
	hint = strings.TrimSpace(hint)
	if t, u, ok := strings.Cut(hint, "/"); ok {
		tenant, username = strings.TrimSpace(t), strings.TrimSpace(u)
	} else {
		username = hint
	}
	if len(tenant) > maxTenantLen || len(username) > maxUsernameLen {
		return "", ""
	}
	return tenant, username
}

// rememberedTenant is the tenant of this browser's last sign-in, if its
// cookie holds a valid slug.
func rememberedTenant(r *http.Request) string {
	ck, err := r.Cookie(tenantCookieName)
	if err != nil || directory.ValidateSlug(ck.Value) != nil {
		return ""
	}
	return ck.Value
}

func (h *Handler) rememberTenant(w http.ResponseWriter, slug string) {
	http.SetCookie(w, &http.Cookie{
		Name: tenantCookieName, Value: slug, Path: "/", MaxAge: int(tenantCookieMaxAge / time.Second),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

// clientName is what the pages call the application: its name, or its id
// if it has none.
// languages are the language hints of a page of request req (see
// templates.Language): the application's ui_locales, then the person's
// preferred language once the password has told who it is.
func languages(req Request, preferred string) []string {
	return append(slices.Clone(req.UILocales), preferred)
}

func clientName(req Request) string {
	if req.ClientName != "" {
		return req.ClientName
	}
	return req.ClientID
}
