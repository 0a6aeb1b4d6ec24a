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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/account"
	"github.com/gatehouse-id/gatehouse/admin"
	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/branding"
	"github.com/gatehouse-id/gatehouse/demo"
	"github.com/gatehouse-id/gatehouse/devicepage"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/internal/requestid"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/logout"
	"github.com/gatehouse-id/gatehouse/mail"
	"github.com/gatehouse-id/gatehouse/metrics"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/provider"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/setpassword"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// Throttling of password attempts: per account (whether or not it exists)
// and per client address. An account locks for the rest of a 15-minute
// window after 10 failures; an address after 100, so that one office behind
// one NAT address is not locked out by a colleague.
//
// "Forgot password" requests count against the address's budget too, and
// against their account's: five reset links an hour is plenty for a
// person, and bounds the mail anyone can make an account receive.
var (
	accountPolicy = throttle.Policy{Limit: 10, Window: 15 * time.Minute}
	// devicePolicy bounds wrong device codes per address (the /device
	// page): typos are forgiven, guessing a 35-bit code is not.
	devicePolicy       = throttle.Policy{Limit: 20, Window: 15 * time.Minute}
	addressPolicy      = throttle.Policy{Limit: 100, Window: 15 * time.Minute}
	resetAccountPolicy = throttle.Policy{Limit: 5, Window: time.Hour}
)

// options are what tests vary; production uses the zero value.
type options struct {
	now            func() time.Time
	passwordParams password.Params
	httpClient     *http.Client
	// devicePollInterval is the device grant's poll interval (5s if 0).
	devicePollInterval time.Duration
}

// app is a wired Gatehouse: stores, domain, handlers.
type app struct {
	handler   http.Handler
	directory *directory.Directory
	db        durable
	kv        volatile
	mfa       *mfa.Service
	audit     *audit.Log
	keys      *keys.Manager
	// metrics are counted whether or not they are served (config
	// Metrics), and served at /metrics on the handler or by
	// metricsHandler on a listener of their own (serve.go).
	metrics *metrics.Metrics
	// mail sends invitations and reset links in the background.
	mail *postOffice
	// draining is set when the node is shutting down: /readyz answers
	// 503 so that the load balancer sends nothing new (serve.go).
	draining atomic.Bool
	// now is the clock the node runs on.
	now func() time.Time
	// stop ends the background work (the key schedule, the purge, the
	// mail queue), and background waits for it to end.
	stop       context.CancelFunc
	background sync.WaitGroup
	// resets are the pages of mailed links, whose "forgot password"
	// requests run on after their answers.
	resets *setpassword.Handler
	// logout delivers back-channel logout tokens (package logout); its
	// worker runs in the background.
	logout *logout.Service
}

// Close stops the node's work and closes its stores, in the order that
// lets each piece finish with what it needs: the "forgot password"
// requests still running (they write to the stores and queue mail), then
// the background work (the mail queue audits what it could not send), then
// the stores.
func (a *app) Close() error {
	if a.resets != nil {
		a.resets.Wait()
	}
	if a.stop != nil {
		a.stop()
	}
	a.background.Wait()
	a.kv.Close()
	return a.db.Close()
}

// keyReloadEvery is how often a node reads the signing keys again and
// brings them to the schedule (keys.Manager.Maintain), so that a key
// another node scheduled is loaded here long before anyone publishes it.
const keyReloadEvery = 30 * time.Second

// keysConfig is the signing keys' configuration for cfg, on the clock now:
// the algorithm and RSA size, and the schedule (rotation period, how often
// nodes reload, the JWKS cache lifetime the provider announces, the
// longest a signed token may live).
func keysConfig(cfg *config, now func() time.Time) keys.Config {
	return keys.Config{
		Algorithm: jose.SignatureAlgorithm(cfg.SigningAlg), RSABits: cfg.RSABits, RotateEvery: cfg.rotateEvery(),
		JWKSMaxAge: provider.JWKSMaxAge, TokenLifetime: directory.MaxTokenLifetime, ReloadEvery: keyReloadEvery, Now: now,
	}
}

// recordKeyChange audits what the key schedule did, in the system tenant's
// log (the platform's), as actor ("system" for the schedule, "operator"
// for the command line); and logs it. Without a system tenant (nothing
// imported yet) it is only logged. Failing to audit does not undo the
// change: it is logged at Error.
func recordKeyChange(ctx context.Context, dir *directory.Directory, log *audit.Log, logger *slog.Logger, actor string, c keys.Change) {
	e := audit.Event{Actor: actor, Target: c.Key.ID, TargetName: c.Key.Algorithm,
		Details: map[string]string{"algorithm": c.Key.Algorithm}}
	switch {
	case c.Created:
		e.Action = "signing_key.scheduled"
		e.Details["reason"] = string(c.Reason)
		e.Details["publish_at"] = c.Key.PublishAt.UTC().Format(time.RFC3339)
		e.Details["activate_at"] = c.Key.ActivateAt.UTC().Format(time.RFC3339)
	case c.Deleted:
		e.Action = "signing_key.removed"
	default:
		return
	}
	logger.InfoContext(ctx, e.Action, "kid", c.Key.ID, "algorithm", c.Key.Algorithm, "reason", string(c.Reason),
		"publish_at", c.Key.PublishAt, "activate_at", c.Key.ActivateAt)
	recordPlatformEvent(ctx, dir, log, logger, e)
}

// recordPlatformEvent records e, an act on the whole installation, in the
// system tenant's log; without a system tenant (nothing imported yet) only
// the process log has it. A failure to record is logged at Error: the act
// has happened.
func recordPlatformEvent(ctx context.Context, dir *directory.Directory, log *audit.Log, logger *slog.Logger, e audit.Event) {
	sys, err := dir.SystemTenant(ctx)
	if errors.Is(err, directory.ErrNotFound) {
		logger.InfoContext(ctx, "no system tenant: "+e.Action+" is not audited")
		return
	}
	if err == nil {
		e.TenantID = sys.ID
		err = log.Record(ctx, e)
	}
	if err != nil {
		logger.ErrorContext(ctx, "audit "+e.Action, "err", err, "target", e.Target)
	}
}

// openDirectory opens the durable store and the directory service over it.
func openDirectory(ctx context.Context, cfg *config, log *slog.Logger, opt options) (durable, *directory.Directory, *keys.Sealer, error) {
	kek, err := loadKEK(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	previous, err := loadPreviousKEK(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	sealer, err := keys.NewSealer(kek, previous...)
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
	params := opt.passwordParams
	if params == (password.Params{}) && cfg.Password.MemoryMiB > 0 {
		params = cfg.Password.params()
	}
	password.SetConcurrency(cfg.Password.Concurrency)
	dir := directory.New(db, directory.NewSecretHasher(hashKey), directory.Config{PasswordParams: params,
		UserRetention: cfg.UserRetention, InvitationLifetime: cfg.Mail.InvitationLifetime, ResetLifetime: cfg.Mail.ResetLifetime,
		Now: opt.now})
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
	a := &app{db: db, directory: dir, kv: kv, now: opt.now}
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
	m := metrics.New()
	a.metrics = m
	// Logins, support sessions and TOTP lockouts are counted from what
	// is audited; see package metrics.
	a.audit = audit.New(a.db, opt.now, log).WithObserver(m.Audited)
	km, changes, err := keys.NewManager(ctx, a.db, sealer, keysConfig(cfg, opt.now))
	if err != nil {
		return err
	}
	a.keys = km
	a.collectState(m)
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = stop
	// Reports outlive the start's context: a change made while the node
	// shuts down is still audited.
	report := func(c keys.Change) {
		recordKeyChange(context.WithoutCancel(bg), a.directory, a.audit, log, "system", c)
	}
	for _, c := range changes {
		report(c)
	}
	a.background.Go(func() {
		km.MaintainEvery(bg, report, func(err error) { log.Warn("signing key maintenance", "err", err) })
	})
	a.background.Go(func() { purgeDeletedEvery(bg, a.directory, a.audit, log) })
	// The directory caches clients and role catalogs; this keeps the cache
	// in step with what other nodes and commands change.
	a.background.Go(func() { a.directory.WatchChanges(bg) })
	a.mail, err = newPostOffice(cfg, log, func(m mail.Message, attempts int, err error) {
		recordMail(context.WithoutCancel(bg), a.directory, a.audit, log, m, attempts, err)
	}, opt.now)
	if err != nil {
		return err
	}
	a.background.Go(func() { a.mail.queue.Run(bg) })
	if a.mfa, err = newMFA(ctx, a.db, a.kv, sealer, a.audit, opt.now, m); err != nil {
		return err
	}
	sessions := session.New(a.kv, session.Config{Now: opt.now, SupportLifetime: cfg.SupportSessionLifetime})
	a.logout, err = logout.New(logout.Config{
		Store: a.db, Clients: a.db, Grants: a.db, Sign: km.Sign, Issuer: cfg.Issuer, Audit: a.audit.Record,
		Logger: log, Now: opt.now, InsecureAllowHTTP: strings.HasPrefix(cfg.Issuer, "http://"),
	})
	if err != nil {
		return err
	}
	a.background.Go(func() { a.logout.Run(bg) })
	cookies := session.Cookies{Secure: !cfg.insecureHTTP()}
	prov, err := provider.New(provider.Config{
		Issuer: cfg.Issuer, AllowInsecureIssuer: cfg.insecureHTTP(), CodeKey: [32]byte(codeKey),
		SupportLifetime: cfg.SupportSessionLifetime, DeviceCodeLifetime: cfg.DeviceCodeLifetime,
		DevicePollInterval: opt.devicePollInterval, Logger: log, Now: opt.now,
	}, provider.Deps{
		Directory: a.directory, Grants: a.db, Keys: km, Ephemeral: a.kv, Sessions: sessions,
		Cookies: cookies, Health: a.ready, Audit: a.audit.Record, Issued: m.TokenIssued, Logout: a.logout,
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
	limiter := func(name string, p throttle.Policy) *throttle.Limiter {
		return throttle.New(a.kv, name, p).WithObserver(m.Throttled)
	}
	addressLimiter := limiter("login-address", addressPolicy)
	lh, err := login.New(login.Config{
		Requests: loginRequests{prov}, Authenticator: a.directory, Tenants: a.directory, MFA: a.mfa, Sealer: sealer, Pending: a.kv,
		Support: a.directory, Audit: a.audit.Record, Now: opt.now,
		Sessions: sessions, Cookies: cookies,
		CallbackURL:    prov.CallbackURL,
		EndLogout:      prov.EndConfirmedLogout,
		AccountLimiter: limiter("login-account", accountPolicy),
		AddressLimiter: addressLimiter,
		CSRFKey:        csrfKey, Templates: tpl, Logger: log, SecureCookies: cookies.Secure,
	})
	if err != nil {
		return err
	}
	ah, err := account.New(account.Config{
		Issuer: cfg.Issuer, Sessions: sessions, Directory: a.directory, MFA: a.mfa, Pending: a.kv, AddressLimiter: addressLimiter,
		Audit: a.audit.Record, Now: opt.now,
		CSRFKey: accountCSRFKey, Templates: tpl, Logger: log, SecureCookies: cookies.Secure, Cookies: cookies,
	})
	if err != nil {
		return err
	}
	mailer := setpassword.NewMailer(cfg.Issuer, a.mail.templates, a.mail.queue)
	sp, err := setpassword.New(setpassword.Config{
		Directory: a.directory, AuditIn: a.audit.RecordIn, Mailer: mailer, Issuer: cfg.Issuer,
		AccountLimiter: limiter("reset-account", resetAccountPolicy), AddressLimiter: addressLimiter,
		CSRFKey: csrfKey, Templates: tpl, Logger: log, SecureCookies: cookies.Secure, Now: opt.now,
		ResetLifetime: cfg.Mail.ResetLifetime, SignedOut: a.logout.EndUser,
	})
	if err != nil {
		return err
	}
	a.resets = sp
	api, err := admin.New(admin.Config{
		Directory: a.directory, Tokens: prov, InvalidToken: provider.ErrInvalidToken, Audience: prov.AdminAudience(),
		AuditIn: a.audit.RecordIn, Events: a.db, ResetTOTP: a.resetTOTP, Credentials: a.db, Mailer: mailer, Logger: log,
		SignedOut: a.logout.EndUser, TenantsRemoved: a.logout.EndTenants,
	})
	if err != nil {
		return err
	}
	dh, err := devicepage.New(devicepage.Config{
		Devices: deviceRequests{prov}, AddressLimiter: limiter("device-address", devicePolicy),
		CSRFKey: csrfKey, Templates: tpl, Logger: log, SecureCookies: cookies.Secure,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	for _, p := range provider.Paths() {
		mux.Handle(p, prov)
	}
	api.Routes(mux)
	lh.Routes(mux)
	dh.Routes(mux)
	ah.Routes(mux)
	sp.Routes(mux)
	// Tenants' themes and logos, from our own origin: the pages' CSP
	// allows nothing else.
	branding.New(a.directory, log).Routes(mux)
	mux.Handle("GET /readyz", a.readyz())
	mux.Handle("GET /healthz", healthz())
	if cfg.Metrics && cfg.MetricsAddr == "" {
		mux.Handle("GET "+metricsPath, m.Handler())
	}
	if cfg.Demo {
		pc := demo.PortalConfig{Issuer: cfg.Issuer, HTTPClient: opt.httpClient, Logger: log}
		if a.mail.outbox != nil { // a demo with SMTP has no outbox to show
			pc.Outbox = a.mail.outbox
		}
		portal := demo.NewPortal(pc)
		portal.Routes(mux)
		mux.Handle("GET /{$}", http.RedirectHandler("/demo/", http.StatusFound))
	}
	a.handler = requestid.Middleware(withBodyLimit(withLogContext(withRequestTimeout(
		withPageContext(instrument(mux, m), sessions, a.directory), requestTimeout))))
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

// resetTOTP removes u's TOTP for the administration API, as by (the mfa
// service audits it).
func (a *app) resetTOTP(ctx context.Context, by directory.Caller, u directory.User) error {
	t, err := a.directory.TenantByID(ctx, u.TenantID)
	if err != nil {
		return err
	}
	return a.mfa.Reset(ctx, mfa.Actor{ID: by.AuditActor(), Name: by.Name},
		mfa.Subject{UserID: u.ID, Username: u.Username, TenantID: t.ID, TenantSlug: t.Slug})
}

// newMFA wires TOTP over the stores; serve and the mfa command share it.
// m counts failures and throttled attempts (nil: not counted).
func newMFA(ctx context.Context, db durable, kv ephemeral.Store, sealer *keys.Sealer, log *audit.Log, now func() time.Time,
	m *metrics.Metrics) (*mfa.Service, error) {
	recoveryKey, err := keys.InstallationSecret(ctx, db, sealer, "recovery-code-hmac", 32)
	if err != nil {
		return nil, err
	}
	cfg := mfa.Config{
		Store: db, Ephemeral: kv, Sealer: sealer, RecoveryKey: recoveryKey, Issuer: templates.ProductName,
		Audit: log.Record, Now: now,
	}
	if m != nil {
		cfg.OnFailure, cfg.OnThrottled = m.TOTPFailed, func() { m.Throttled("totp") }
	}
	return mfa.New(cfg)
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
		MFARequested: r.MFARequested, UILocales: r.UILocales, AwaitingConsent: r.AwaitingConsent}, nil
}

func (l loginRequests) CompleteLogin(ctx context.Context, id string, s session.Session) error {
	err := l.p.CompleteLogin(ctx, id, s)
	if errors.Is(err, provider.ErrConsentRequired) {
		return fmt.Errorf("%w: %w", login.ErrConsentRequired, err)
	}
	return loginErr(err)
}

func (l loginRequests) ConsentRequest(ctx context.Context, id string, s session.Session) (login.Consent, error) {
	c, err := l.p.ConsentRequest(ctx, id, s)
	if err != nil {
		return login.Consent{}, loginErr(err)
	}
	return login.Consent{ClientName: c.ClientName, Scopes: c.Scopes, Again: c.Again}, nil
}

func (l loginRequests) AnswerConsent(ctx context.Context, id string, s session.Session, allow bool) error {
	return loginErr(l.p.AnswerConsent(ctx, id, s, allow))
}

// loginErr maps the provider's not-found to login's.
func loginErr(err error) error {
	if errors.Is(err, provider.ErrRequestNotFound) {
		return fmt.Errorf("%w: %w", login.ErrRequestNotFound, err)
	}
	return err
}

// loadPreviousKEK reads the key-encryption key being replaced, if one is
// configured.
func loadPreviousKEK(cfg *config) ([][]byte, error) {
	k, err := readKEK("previous key-encryption key", "GATEHOUSE_PREVIOUS_KEK", cfg.PreviousKEK, cfg.PreviousKEKFile)
	if k == nil || err != nil {
		return nil, err
	}
	return [][]byte{k}, nil
}

// loadKEK reads the key-encryption key from the configuration. In demo mode
// without one, it creates a random key in the data folder (and says so):
// convenient on a laptop, never acceptable in production, where resolve has
// already refused to start without one.
func loadKEK(cfg *config) ([]byte, error) {
	if k, err := readKEK("key-encryption key", "GATEHOUSE_KEK", cfg.KEK, cfg.KEKFile); k != nil || err != nil {
		return k, err
	}
	if !cfg.Demo {
		return nil, errors.New("no key-encryption key configured")
	}
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

// readKEK parses the key-encryption key what, given as the value of
// setting (or its flag), which wins, or in a file; neither gives nil.
func readKEK(what, setting, value, file string) ([]byte, error) {
	switch {
	case value != "":
		k, err := keys.ParseKEK(value)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", what, setting, err)
		}
		return k, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s file: %w", what, err)
		}
		k, err := keys.ParseKEK(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s file %s: %w", what, file, err)
		}
		return k, nil
	}
	return nil, nil
}
