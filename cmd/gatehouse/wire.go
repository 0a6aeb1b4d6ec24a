package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/account"
	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/demo"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/provider"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// Throttling of password attempts: per account (whether or not it exists)
// and per client address. An account locks for the rest of a 15-minute
// window after 10 failures; an address after 100, so that one office behind
// one NAT address is not locked out by a colleague.
var (
	accountPolicy = throttle.Policy{Limit: 10, Window: 15 * time.Minute}
	addressPolicy = throttle.Policy{Limit: 100, Window: 15 * time.Minute}
)

// options are what tests vary; production uses the zero value.
type options struct {
	now            func() time.Time
	passwordParams password.Params
	httpClient     *http.Client
}

// app is a wired Gatehouse: stores, domain, handlers.
type app struct {
	handler   http.Handler
	directory *directory.Directory
	db        durable
	kv        volatile
	mfa       *mfa.Service
	audit     *audit.Log
	// stop ends the background work (the key reload).
	stop context.CancelFunc
}

func (a *app) Close() error {
	if a.stop != nil {
		a.stop()
	}
	a.kv.Close()
	return a.db.Close()
}

// keyReloadEvery is how often a node reads the signing keys again, so that
// a key another node created is published here too.
const keyReloadEvery = 30 * time.Second

// openDirectory opens the durable store and the directory service over it.
func openDirectory(ctx context.Context, cfg *config, log *slog.Logger, opt options) (durable, *directory.Directory, *keys.Sealer, error) {
	kek, err := loadKEK(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	sealer, err := keys.NewSealer(kek)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := openDurable(ctx, cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	hashKey, err := keys.InstallationSecret(ctx, db, sealer, "client-secret-hmac", 32)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	dir := directory.New(db, directory.NewSecretHasher(hashKey), directory.Config{PasswordParams: opt.passwordParams, Now: opt.now})
	if err := dir.EnsureTenantDefaults(ctx); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, dir, sealer, nil
}

// build wires Gatehouse for cfg.
func build(ctx context.Context, cfg *config, log *slog.Logger, opt options) (*app, error) {
	if opt.now == nil {
		opt.now = time.Now
	}
	warnPlainTransport(log, cfg)
	db, dir, sealer, err := openDirectory(ctx, cfg, log, opt)
	if err != nil {
		return nil, err
	}
	kv, err := openVolatile(ctx, cfg, log, opt.now)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &app{db: db, directory: dir, kv: kv}
	if err := a.wire(ctx, cfg, log, opt, sealer); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) wire(ctx context.Context, cfg *config, log *slog.Logger, opt options, sealer *keys.Sealer) error {
	if cfg.Demo {
		if err := loadDemo(ctx, a.directory, cfg.Issuer, log); err != nil {
			return err
		}
	}
	if err := ensureAccountClient(ctx, a.directory, cfg.Issuer); err != nil {
		return err
	}
	secret := func(name string) ([]byte, error) { return keys.InstallationSecret(ctx, a.db, sealer, name, 32) }
	csrfKey, err := secret("csrf")
	if err != nil {
		return err
	}
	accountCSRFKey, err := secret("account-csrf")
	if err != nil {
		return err
	}
	codeKey, err := secret("authorization-code")
	if err != nil {
		return err
	}
	km, err := keys.NewManager(ctx, a.db, sealer, keys.Config{Algorithm: jose.SignatureAlgorithm(cfg.SigningAlg), Now: opt.now})
	if err != nil {
		return err
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = stop
	go km.ReloadEvery(bg, keyReloadEvery, func(err error) { log.Warn("reload signing keys", "err", err) })
	a.audit = audit.New(a.db, opt.now, log)
	if a.mfa, err = newMFA(ctx, a.db, a.kv, sealer, a.audit, opt.now); err != nil {
		return err
	}
	sessions := session.New(a.kv, session.Config{Now: opt.now, SupportLifetime: cfg.SupportSessionLifetime})
	cookies := session.Cookies{Secure: !cfg.insecureHTTP()}
	prov, err := provider.New(provider.Config{
		Issuer: cfg.Issuer, AllowInsecureIssuer: cfg.insecureHTTP(), CodeKey: [32]byte(codeKey),
		SupportLifetime: cfg.SupportSessionLifetime, Logger: log, Now: opt.now,
	}, provider.Deps{
		Directory: a.directory, Grants: a.db, Keys: km, Ephemeral: a.kv, Sessions: sessions,
		Cookies: cookies, Health: a.ready, Audit: a.audit.Record,
	})
	if err != nil {
		return err
	}
	tpl, err := templates.New()
	if err != nil {
		return err
	}
	// One budget per address for every form that takes a password or a
	// code: the login pages and the account page.
	addressLimiter := throttle.New(a.kv, "login-address", addressPolicy)
	lh, err := login.New(login.Config{
		Requests: loginRequests{prov}, Authenticator: a.directory, Tenants: a.directory, MFA: a.mfa, Sealer: sealer, Pending: a.kv,
		Support: a.directory, Audit: a.audit.Record, Now: opt.now,
		Sessions: sessions, Cookies: cookies,
		CallbackURL:    prov.CallbackURL,
		AccountLimiter: throttle.New(a.kv, "login-account", accountPolicy),
		AddressLimiter: addressLimiter,
		CSRFKey:        csrfKey, Templates: tpl, Logger: log, SecureCookies: cookies.Secure,
	})
	if err != nil {
		return err
	}
	ah, err := account.New(account.Config{
		Issuer: cfg.Issuer, Sessions: sessions, Directory: a.directory, MFA: a.mfa, Pending: a.kv, AddressLimiter: addressLimiter,
		Audit: a.audit.Record, Now: opt.now,
		CSRFKey: accountCSRFKey, Templates: tpl, Logger: log, SecureCookies: cookies.Secure,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	for _, p := range provider.Paths() {
		mux.Handle(p, prov)
	}
	lh.Routes(mux)
	ah.Routes(mux)
	mux.Handle("GET /readyz", a.readyz())
	if cfg.Demo {
		portal := demo.NewPortal(demo.PortalConfig{Issuer: cfg.Issuer, HTTPClient: opt.httpClient, Logger: log})
		portal.Routes(mux)
		mux.Handle("GET /{$}", http.RedirectHandler("/demo/", http.StatusFound))
	}
	a.handler = withRequestTimeout(withSupportBanner(mux, sessions), requestTimeout)
	return nil
}

// ensureAccountClient registers the account page's built-in client
// (account.Client) for issuer, or brings it back to that registration: at
// every start, idempotently, like EnsureTenantDefaults. Nodes starting
// together may race to create it; the loser finds it made.
func ensureAccountClient(ctx context.Context, dir *directory.Directory, issuer string) error {
	c := account.Client(issuer)
	_, _, _, err := dir.PutClient(ctx, dir.Store(), c, "")
	if errors.Is(err, directory.ErrConflict) {
		_, _, _, err = dir.PutClient(ctx, dir.Store(), c, "")
	}
	if err != nil {
		return fmt.Errorf("register client %s: %w", account.ClientID, err)
	}
	return nil
}

// newMFA wires TOTP over the stores; serve and the mfa command share it.
func newMFA(ctx context.Context, db durable, kv ephemeral.Store, sealer *keys.Sealer, log *audit.Log, now func() time.Time) (*mfa.Service, error) {
	recoveryKey, err := keys.InstallationSecret(ctx, db, sealer, "recovery-code-hmac", 32)
	if err != nil {
		return nil, err
	}
	return mfa.New(mfa.Config{
		Store: db, Ephemeral: kv, Sealer: sealer, RecoveryKey: recoveryKey, Issuer: templates.ProductName,
		Audit: log.Record, Now: now,
	})
}

// loginRequests adapts the provider's pending requests to what the login
// pages consume; it is the one place that knows both.
type loginRequests struct{ p *provider.Provider }

func (l loginRequests) LoginRequest(ctx context.Context, id string) (login.Request, error) {
	r, err := l.p.LoginRequest(ctx, id)
	if errors.Is(err, provider.ErrRequestNotFound) {
		return login.Request{}, fmt.Errorf("%w: %w", login.ErrRequestNotFound, err)
	}
	if err != nil {
		return login.Request{}, err
	}
	return login.Request{ID: r.ID, ClientID: r.ClientID, ClientName: r.ClientName, LoginHint: r.LoginHint, Done: r.Done,
		MFARequested: r.MFARequested}, nil
}

func (l loginRequests) CompleteLogin(ctx context.Context, id string, s session.Session) error {
	err := l.p.CompleteLogin(ctx, id, s)
	if errors.Is(err, provider.ErrRequestNotFound) {
		return fmt.Errorf("%w: %w", login.ErrRequestNotFound, err)
	}
	return err
}

// loadKEK reads the key-encryption key from the configuration. In demo mode
// without one, it creates a random key in the data folder (and says so):
// convenient on a laptop, never acceptable in production, where resolve has
// already refused to start without one.
func loadKEK(cfg *config) ([]byte, error) {
	switch {
	case cfg.KEK != "":
		return keys.ParseKEK(cfg.KEK)
	case cfg.KEKFile != "":
		b, err := os.ReadFile(cfg.KEKFile)
		if err != nil {
			return nil, fmt.Errorf("key-encryption key file: %w", err)
		}
		return keys.ParseKEK(string(b))
	case cfg.Demo:
		path := filepath.Join(cfg.DataDir, "demo-kek")
		if b, err := os.ReadFile(path); err == nil {
			return keys.ParseKEK(string(b))
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		kek := make([]byte, 32)
		if _, err := rand.Read(kek); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(kek)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return kek, nil
	}
	return nil, errors.New("no key-encryption key configured")
}
