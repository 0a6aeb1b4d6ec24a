package demo

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/claims"
)

//go:embed html/*.html
var pageFiles embed.FS

// PortalConfig configures the demo portal.
type PortalConfig struct {
	// Issuer is Gatehouse's issuer URL: the portal's OpenID provider is the
	// very server it runs in.
	Issuer string
	// HTTPClient makes the portal's calls to the issuer (discovery, token,
	// userinfo); the relying-party library's default client if nil.
	HTTPClient *http.Client
	// Logger; slog.Default() if nil.
	Logger *slog.Logger
	// Outbox, if set, holds the mails Gatehouse kept instead of sending
	// (no SMTP server in the demo), and /demo/outbox shows them.
	Outbox Outbox
}

// Portal is two demo relying parties, a web portal (confidential client)
// and a single-page portal (public client), living inside Gatehouse so that
// a newcomer can log in and see what a portal receives. They use zitadel's
// relying-party library as a real Go portal would: authorization code flow
// with PKCE (S256), state and verifier in encrypted cookies, ID token
// verified against the published keys.
type Portal struct {
	issuer  string
	log     *slog.Logger
	client  *http.Client
	pages   *template.Template
	cookies *httphelper.CookieHandler // path /demo/: the logout state
	apps    map[string]*app           // by URL name; fixed once NewPortal returns
	outbox  Outbox                    // nil: no outbox page
	local   localSessions             // the portals' own sessions (backchannel.go)
}

// app is one demo portal.
type app struct {
	name, other string // URL names: "web", "spa"
	clientID    string
	secret      string
	authStyle   oauth2.AuthStyle          // the one client authentication its registration allows
	cookies     *httphelper.CookieHandler // path /demo/<name>/: state and PKCE verifier
	logout      http.Handler              // its back-channel logout endpoint (backchannel.go)

	mu sync.Mutex
	rp rp.RelyingParty // nil until the first successful discovery
}

// scopes returns what a portal asks for: an ID token, the profile, email,
// tenant and roles claims and a refresh token; the web portal also asks for
// the permissions, to show them.
func scopes(portal string) []string {
	s := []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess,
		claims.ScopeTenant, claims.ScopeRoles}
	if portal == "web" {
		s = append(s, claims.ScopePermissions)
	}
	return s
}

const logoutCookie = "demo_logout"

// NewPortal returns the demo portal. Its cookie keys are random: logins in
// progress do not survive a restart, which is fine for a demo, and nothing
// needs configuring. Cookies are Secure unless the issuer is plain http
// (local development).
func NewPortal(cfg PortalConfig) *Portal {
	issuer := strings.TrimRight(cfg.Issuer, "/")
	p := &Portal{
		issuer: issuer, log: cfg.Logger, client: cfg.HTTPClient, outbox: cfg.Outbox,
		pages: template.Must(template.New("demo").Funcs(template.FuncMap{
			"join": func(s []string) string { return strings.Join(s, ", ") },
		}).ParseFS(pageFiles, "html/*.html")),
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	hashKey, blockKey := randomKey(), randomKey()
	cookies := func(path string) *httphelper.CookieHandler {
		opts := []httphelper.CookieHandlerOpt{httphelper.WithPath(path), httphelper.WithMaxAge(15 * 60)}
		if strings.HasPrefix(issuer, "http://") {
			opts = append(opts, httphelper.WithUnsecure())
		}
		return httphelper.NewCookieHandler(hashKey, blockKey, opts...)
	}
	p.cookies = cookies("/demo/")
	p.apps = map[string]*app{
		"web": {name: "web", other: "spa", clientID: WebClientID, secret: WebClientSecret,
			authStyle: oauth2.AuthStyleInHeader, cookies: cookies("/demo/web/")},
		"spa": {name: "spa", other: "web", clientID: SPAClientID,
			authStyle: oauth2.AuthStyleInParams, cookies: cookies("/demo/spa/")},
	}
	for _, a := range p.apps {
		a.logout = p.logoutHandler(a)
	}
	return p
}

func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return b
}

// Routes mounts the portal under /demo/.
func (p *Portal) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /demo/{$}", p.landing)
	mux.HandleFunc("GET /demo/{portal}/login", p.login)
	mux.HandleFunc("GET /demo/{portal}/callback", p.callback)
	mux.HandleFunc("GET /demo/{portal}/session", p.showSession)
	mux.HandleFunc("POST /demo/{portal}/backchannel-logout", p.backchannelLogout)
	if p.outbox != nil {
		mux.HandleFunc("GET /demo/outbox", p.showOutbox)
	}
}

// relyingParty returns a's relying party, running discovery on first use:
// the issuer is this very server, which is not listening yet when the
// portal is built. A failure is not kept, so the next request tries again.
func (p *Portal) relyingParty(ctx context.Context, a *app) (rp.RelyingParty, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rp != nil {
		return a.rp, nil
	}
	opts := []rp.Option{
		rp.WithPKCE(a.cookies),
		rp.WithAuthStyle(a.authStyle),
		rp.WithSigningAlgsFromDiscovery(),
		rp.WithErrorHandler(p.providerError),
		rp.WithUnauthorizedHandler(p.unfinished),
	}
	if p.client != nil {
		opts = append(opts, rp.WithHTTPClient(p.client))
	}
	r, err := rp.NewRelyingPartyOIDC(ctx, p.issuer, a.clientID, a.secret, p.issuer+"/demo/"+a.name+"/callback", scopes(a.name), opts...)
	if err != nil {
		return nil, err
	}
	a.rp = r
	return r, nil
}

// app returns the portal the request's path names, or answers 404.
func (p *Portal) app(w http.ResponseWriter, r *http.Request) (*app, rp.RelyingParty, bool) {
	a, ok := p.apps[r.PathValue("portal")]
	if !ok {
		http.NotFound(w, r)
		return nil, nil, false
	}
	relying, err := p.relyingParty(r.Context(), a)
	if err != nil {
		p.log.WarnContext(r.Context(), "demo portal: discovery failed", "client_id", a.clientID, "err", err)
		p.render(w, r, http.StatusBadGateway, "error.html", errorPage{
			Title:   "Gatehouse did not answer",
			Message: "The demo portal could not read Gatehouse's discovery document. Is the issuer URL right, and reachable from the server itself? Try again in a moment.",
			Detail:  err.Error(),
		})
		return nil, nil, false
	}
	return a, relying, true
}

// login starts the authorization code flow: a random state and a PKCE
// verifier go into cookies, and the browser goes to Gatehouse.
//
// It is also the portal's initiate_login_uri (OpenID Connect Core §4),
// where Gatehouse sends a person who has just accepted an invitation: iss,
// if given, must be Gatehouse's issuer (a login is only ever started at the
// portal's own provider), and login_hint goes on to the authorization
// request, so that the login page is filled in.
func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	_, relying, ok := p.app(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if iss := q.Get("iss"); iss != "" && strings.TrimRight(iss, "/") != p.issuer {
		p.render(w, r, http.StatusBadRequest, "error.html", errorPage{
			Title:   "This login was started by another identity provider",
			Message: "The demo portal only signs in with its own Gatehouse. Start again from the demo start page.",
		})
		return
	}
	var params []rp.URLParamOpt
	if hint := q.Get("login_hint"); hint != "" {
		params = append(params, rp.WithURLParam("login_hint", hint))
	}
	rp.AuthURLHandler(rand.Text, relying, params...)(w, r)
}

// callback checks the state, redeems the code with the PKCE verifier,
// verifies the ID token, calls userinfo and renders what came back.
func (p *Portal) callback(w http.ResponseWriter, r *http.Request) {
	a, relying, ok := p.app(w, r)
	if !ok {
		return
	}
	show := func(w http.ResponseWriter, r *http.Request, tokens *oidc.Tokens[*oidc.IDTokenClaims], _ string, relying rp.RelyingParty, info *oidc.UserInfo) {
		userinfo, err := json.Marshal(info)
		if err != nil {
			userinfo = []byte(`"(could not encode the userinfo response)"`)
		}
		logout := p.logoutURL(w, relying, tokens.IDToken)
		page := newClaimsPage(a.name, a.other, tokens.IDToken, tokens.AccessToken, tokens.RefreshToken != "", userinfo, logout)
		p.log.InfoContext(r.Context(), "demo portal: signed in", "client_id", a.clientID, "sub", info.Subject)
		p.startLocalSession(w, a, tokens.IDTokenClaims.SessionID, info.Subject, page.Username)
		// The page carries tokens (and the logout link an ID token): keep it
		// out of caches and out of the Referer of the links it holds.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		p.render(w, r, http.StatusOK, "claims.html", page)
	}
	rp.CodeExchangeHandler(rp.UserinfoCallback(show), relying)(w, r)
}

// logoutURL returns the link for RP-initiated logout: Gatehouse's
// end_session endpoint with the ID token as hint, and a state that the
// landing page checks against a cookie when Gatehouse sends the browser
// back. It is a link the browser follows, not a call from the server,
// because ending the session needs the browser's Gatehouse cookie.
func (p *Portal) logoutURL(w http.ResponseWriter, relying rp.RelyingParty, idToken string) string {
	endpoint := relying.GetEndSessionEndpoint()
	if endpoint == "" {
		return ""
	}
	state := rand.Text()
	if err := p.cookies.SetCookie(w, logoutCookie, state); err != nil {
		return ""
	}
	q := url.Values{
		"id_token_hint":            {idToken},
		"client_id":                {relying.OAuthConfig().ClientID},
		"post_logout_redirect_uri": {p.issuer + "/demo/"},
		"state":                    {state},
	}
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	return endpoint + sep + q.Encode()
}

// landingData is what the start page shows.
type landingData struct {
	Issuer                               string
	Accounts                             []Account
	WebClientID, SPAClientID             string
	MachineClientID, MachineClientSecret string
	LoggedOut                            bool
	Outbox                               bool // whether /demo/outbox exists
}

func (p *Portal) landing(w http.ResponseWriter, r *http.Request) {
	data := landingData{
		Issuer: p.issuer, Accounts: Accounts, WebClientID: WebClientID, SPAClientID: SPAClientID,
		MachineClientID: MachineClientID, MachineClientSecret: MachineClientSecret, Outbox: p.outbox != nil,
	}
	if state := r.URL.Query().Get("state"); state != "" {
		want, err := p.cookies.CheckCookie(r, logoutCookie)
		data.LoggedOut = err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(state)) == 1
		p.cookies.DeleteCookie(w, logoutCookie)
	}
	p.render(w, r, http.StatusOK, "landing.html", data)
}

// errorPage is a problem told to the person, with what to do next.
type errorPage struct {
	Title, Message, Detail string
}

// providerError renders an error that Gatehouse sent back to the callback
// (access_denied when the person has no access to the portal, for example).
func (p *Portal) providerError(w http.ResponseWriter, r *http.Request, errorType, description, _ string) {
	status := http.StatusBadRequest
	if errorType == string(oidc.AccessDenied) {
		status = http.StatusForbidden
	}
	p.log.InfoContext(r.Context(), "demo portal: provider returned an error", "error", errorType, "error_description", description)
	p.render(w, r, status, "error.html", errorPage{
		Title:   "Gatehouse did not log you in",
		Message: fmt.Sprintf("Gatehouse answered %q. %s", errorType, description),
	})
}

// unfinished renders a login the portal could not finish: a missing or
// stale state cookie (a restart, an old tab), or a failed code exchange.
func (p *Portal) unfinished(w http.ResponseWriter, r *http.Request, description, _ string) {
	p.log.WarnContext(r.Context(), "demo portal: login not finished", "err", description)
	p.render(w, r, http.StatusBadRequest, "error.html", errorPage{
		Title:   "This login could not be finished",
		Message: "The portal could not complete the login, for example because it was started in another tab or before a restart. Start again from the demo start page.",
		Detail:  description,
	})
}

func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var b strings.Builder
	if err := p.pages.ExecuteTemplate(&b, name, data); err != nil {
		p.log.ErrorContext(r.Context(), "demo portal: render", "page", name, "err", err)
		http.Error(w, "The demo portal could not render this page.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}
