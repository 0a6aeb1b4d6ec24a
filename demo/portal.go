package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// PortalConfig configures the demo portal.
type PortalConfig struct {
	Issuer     string
	HTTPClient *http.Client // for calls to the issuer; http.DefaultClient if nil
	Logger     *slog.Logger
}

// Portal is two demo relying parties (the web portal and the single-page
// portal) living inside Gatehouse itself, so that a newcomer can log in and
// see what a portal receives. It uses zitadel's relying-party library like
// a real Go portal would.
type Portal struct {
	cfg     PortalConfig
	cookies *httphelper.CookieHandler

	mu  sync.Mutex
	rps map[string]rp.RelyingParty // by portal name; built on first use
}

// portals maps the URL name of each demo portal to its client.
var portals = map[string]struct{ clientID, secret, other string }{
	"web": {"demo-web", WebClientSecret, "spa"},
	"spa": {"demo-spa", "", "web"},
}

// NewPortal returns the demo portal. Its cookie keys are random: demo
// logins in progress do not survive a restart, which is fine for a demo.
func NewPortal(cfg PortalConfig) *Portal {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	opts := []httphelper.CookieHandlerOpt{}
	if strings.HasPrefix(cfg.Issuer, "http://") {
		opts = append(opts, httphelper.WithUnsecure())
	}
	return &Portal{cfg: cfg, cookies: httphelper.NewCookieHandler(randomKey(), randomKey(), opts...), rps: map[string]rp.RelyingParty{}}
}

func randomKey() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

// Routes mounts the portal under /demo/.
func (p *Portal) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /demo/{$}", p.landing)
	mux.HandleFunc("GET /demo/{portal}/login", p.login)
	mux.HandleFunc("GET /demo/{portal}/callback", p.callback)
}

// relyingParty builds the relying party for name on first use: the issuer
// is this very server, which is not listening yet when the portal is made.
// A failure is not cached, so the next request tries again.
func (p *Portal) relyingParty(ctx context.Context, name string) (rp.RelyingParty, error) {
	pc, ok := portals[name]
	if !ok {
		return nil, fmt.Errorf("no demo portal %q", name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.rps[name]; ok {
		return r, nil
	}
	r, err := rp.NewRelyingPartyOIDC(ctx, p.cfg.Issuer, pc.clientID, pc.secret,
		p.cfg.Issuer+"/demo/"+name+"/callback", []string{"openid", "profile", "email", "offline_access", "tenant"},
		rp.WithPKCE(p.cookies), rp.WithHTTPClient(p.cfg.HTTPClient),
		rp.WithVerifierOpts(rp.WithSupportedSigningAlgorithms("RS256", "ES256", "EdDSA")))
	if err != nil {
		return nil, err
	}
	p.rps[name] = r
	return r, nil
}

func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	relying, err := p.relyingParty(r.Context(), r.PathValue("portal"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	rp.AuthURLHandler(func() string { return base64.RawURLEncoding.EncodeToString(randomKey()[:16]) }, relying)(w, r)
}

func (p *Portal) callback(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("portal")
	relying, err := p.relyingParty(r.Context(), name)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	show := func(w http.ResponseWriter, r *http.Request, tokens *oidc.Tokens[*oidc.IDTokenClaims], state string, _ rp.RelyingParty, info *oidc.UserInfo) {
		p.show(w, name, tokens, info)
	}
	rp.CodeExchangeHandler(rp.UserinfoCallback(show), relying)(w, r)
}

func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	p.cfg.Logger.ErrorContext(r.Context(), "demo portal", "err", err)
	http.Error(w, "The demo portal could not reach Gatehouse: "+err.Error(), http.StatusBadGateway)
}

// decodeJWT returns a JWT's header and payload as indented JSON, for
// display: the portal already verified it.
func decodeJWT(tok string) (header, payload string) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "(not a JWT)", ""
	}
	return prettySegment(parts[0]), prettySegment(parts[1])
}

func prettySegment(seg string) string {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return "(undecodable)"
	}
	var out bytes.Buffer
	if json.Indent(&out, raw, "", "  ") != nil {
		return string(raw)
	}
	return out.String()
}

func pretty(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// claimsPage is what the callback shows.
type claimsPage struct {
	Portal, Other, Who                     string
	IDHeader, IDClaims, ATHeader, ATClaims string
	UserInfo                               string
	Refresh                                bool
	LogoutURL                              string
}

func (p *Portal) show(w http.ResponseWriter, name string, tokens *oidc.Tokens[*oidc.IDTokenClaims], info *oidc.UserInfo) {
	page := claimsPage{Portal: name, Other: portals[name].other, Refresh: tokens.RefreshToken != "", UserInfo: pretty(info)}
	page.Who = info.PreferredUsername
	if page.Who == "" {
		page.Who = info.Subject
	}
	page.IDHeader, page.IDClaims = decodeJWT(tokens.IDToken)
	page.ATHeader, page.ATClaims = decodeJWT(tokens.AccessToken)
	q := url.Values{"id_token_hint": {tokens.IDToken}, "post_logout_redirect_uri": {p.cfg.Issuer + "/demo/"}, "state": {"demo"}}
	page.LogoutURL = p.cfg.Issuer + "/end_session?" + q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := claimsTemplate.Execute(w, page); err != nil {
		p.cfg.Logger.Error("demo portal page", "err", err)
	}
}

func (p *Portal) landing(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := landingTemplate.Execute(w, Accounts); err != nil {
		p.cfg.Logger.Error("demo landing page", "err", err)
	}
}
