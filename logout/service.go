package logout

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// Defaults of Config.
const (
	// DefaultMaxPending bounds the outbox. At the bound, new deliveries
	// are dropped (logged at Error and audited as logout.dropped): the
	// ones queued first, most likely to reach a portal that is up, stay.
	DefaultMaxPending = 10000
	// DefaultGiveUpAfter is how long a delivery is retried: a day, so
	// that a portal down for a night still hears of the logouts.
	DefaultGiveUpAfter = 24 * time.Hour
	// DefaultTokenLifetime is a logout token's exp minus its iat: two
	// minutes, as it is signed just before it is sent.
	DefaultTokenLifetime = 2 * time.Minute
	// DefaultTimeout bounds one POST to a portal.
	DefaultTimeout = 10 * time.Second
	// DefaultPollEvery is how often the worker looks for due deliveries
	// when nothing wakes it (a retry coming due, another node's logouts).
	DefaultPollEvery = 15 * time.Second
	// DefaultSweepEvery is how often the worker looks for support sessions
	// that have ended, and forgets sessions long over.
	DefaultSweepEvery = time.Minute
)

// Clients looks up a client's registration (directory.Store does).
type Clients interface {
	ClientByID(ctx context.Context, id string) (directory.Client, error)
}

// RefreshTokens revokes the refresh tokens born in a session (grants.Store
// does).
type RefreshTokens interface {
	RevokeSessionRefreshTokens(ctx context.Context, sessionID string, now time.Time) error
}

// Config wires a Service.
type Config struct {
	Store   Store
	Clients Clients
	Grants  RefreshTokens
	// Sign signs claims as a JWT with the JOSE typ given, with the
	// issuer's active signing key (keys.Manager.Sign), so that the logout
	// token verifies against the published JWKS.
	Sign func(claims any, typ string) (string, error)
	// Issuer is the iss of logout tokens.
	Issuer string
	// Audit records final failures and drops; required.
	Audit func(context.Context, audit.Event) error
	// HTTPClient sends the POSTs; its redirects are never followed and
	// its timeout is Timeout. http.DefaultTransport if nil.
	HTTPClient *http.Client
	// InsecureAllowHTTP lets logout tokens be POSTed to plain http://
	// URIs (local development with an http issuer, the demo, tests);
	// otherwise only to https. A client may register http for a loopback
	// host, which is harmless in a browser but here would have Gatehouse
	// POST to whatever listens on its own host (a sidecar's admin port).
	InsecureAllowHTTP bool
	Logger            *slog.Logger
	Now               func() time.Time
	// Backoff is the wait after the nth failed attempt (n from 1); 30
	// seconds doubling to at most an hour if nil.
	Backoff func(n int) time.Duration
	// Zero means the default of the same name.
	MaxPending    int
	GiveUpAfter   time.Duration
	TokenLifetime time.Duration
	Timeout       time.Duration
	PollEvery     time.Duration
	SweepEvery    time.Duration
}

// Service records participations, queues logouts when sessions end, and
// delivers them. One per node; nodes share the Store.
type Service struct {
	cfg   Config
	owner string // this node's name on the leases it takes (each claim adds its own suffix)
	http  *http.Client
	wake  chan struct{}
}

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clients == nil || cfg.Grants == nil || cfg.Sign == nil || cfg.Audit == nil || cfg.Issuer == "" {
		return nil, errors.New("logout: Store, Clients, Grants, Sign, Audit and Issuer are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.GiveUpAfter, DefaultGiveUpAfter)
	def(&cfg.TokenLifetime, DefaultTokenLifetime)
	def(&cfg.Timeout, DefaultTimeout)
	def(&cfg.PollEvery, DefaultPollEvery)
	def(&cfg.SweepEvery, DefaultSweepEvery)
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	hc.Timeout = cfg.Timeout
	// A redirect is the portal's answer, not a place to send the token.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Service{cfg: cfg, owner: randomID(), http: hc, wake: make(chan struct{}, 1)}, nil
}

// DefaultBackoff waits 30 seconds after the first failure and doubles the
// wait after each next one, up to an hour.
func DefaultBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Record notes that p.ClientID got an ID token in the session p.SessionID.
// The token endpoint calls it when it redeems an authorization code.
func (s *Service) Record(ctx context.Context, p Participation) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.cfg.Now().UTC()
	}
	return s.cfg.Store.RecordParticipation(ctx, p)
}

// EndSessions queues logout tokens for every client that got an ID token
// in the sessions sids, which have just ended (RP-initiated logout; the
// caller has revoked their refresh tokens).
func (s *Service) EndSessions(ctx context.Context, sids []string) error {
	ps, err := s.cfg.Store.SessionParticipations(ctx, sids)
	if err != nil {
		return err
	}
	return s.end(ctx, ps, false)
}

// EndUser ends every session of the person userID that a client got an ID
// token in: an administrator disabled or deleted the person, or a new
// password was set by a reset link (directory.User.RevokedBefore refuses
// the sessions from now on). It revokes the refresh tokens born in those
// sessions and queues logout tokens for their clients.
func (s *Service) EndUser(ctx context.Context, userID string) error {
	ps, err := s.cfg.Store.UserParticipations(ctx, userID)
	if err != nil {
		return err
	}
	return s.end(ctx, ps, true)
}

// EndTenants logs out every session acting in one of the tenants
// tenantIDs, which were just removed (a tenant deleted with its subtree):
// their refresh tokens are revoked and their clients told. The sessions
// of the same people in other tenants (external users linked to a removed
// tenant) go on.
func (s *Service) EndTenants(ctx context.Context, tenantIDs []string) error {
	ps, err := s.cfg.Store.TenantParticipations(ctx, tenantIDs)
	if err != nil {
		return err
	}
	return s.end(ctx, ps, true)
}

// sweepBatch bounds the ended support sessions handled per round.
const sweepBatch = 100

// Sweep logs out the support sessions that have reached their absolute
// end (session.Config.SupportLifetime): their refresh tokens are revoked
// (they expire with the session already) and their clients told. It also
// forgets ordinary sessions that ended a day ago or more. Every node
// sweeps; two sweeping at once may both queue a session's logouts, which
// relying parties take as one (the same sid).
func (s *Service) Sweep(ctx context.Context) error {
	now := s.cfg.Now().UTC()
	for {
		ps, err := s.cfg.Store.EndedSupportParticipations(ctx, now, sweepBatch)
		if err != nil {
			return err
		}
		if err := s.end(ctx, ps, true); err != nil {
			return err
		}
		if len(ps) < sweepBatch {
			break
		}
	}
	n, err := s.cfg.Store.DeleteEndedParticipations(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	if n > 0 {
		s.cfg.Logger.DebugContext(ctx, "forgot ended sessions", "count", n)
	}
	return nil
}

// end revokes (if revoke) the refresh tokens of the sessions of ps,
// queues a delivery for each participation whose client has a
// back-channel logout URI, and forgets ps. Queued before forgotten: a
// failure in between sends twice rather than never.
func (s *Service) end(ctx context.Context, ps []Participation, revoke bool) error {
	if len(ps) == 0 {
		return nil
	}
	now := s.cfg.Now().UTC()
	if revoke {
		done := map[string]bool{}
		for _, p := range ps {
			if done[p.SessionID] {
				continue
			}
			done[p.SessionID] = true
			if err := s.cfg.Grants.RevokeSessionRefreshTokens(ctx, p.SessionID, now); err != nil {
				return fmt.Errorf("revoke the refresh tokens of an ended session: %w", err)
			}
		}
	}
	var ds []Delivery
	for _, p := range ps {
		c, err := s.cfg.Clients.ClientByID(ctx, p.ClientID)
		if errors.Is(err, directory.ErrNotFound) || err == nil && c.BackchannelLogoutURI == "" {
			continue // gone, or not listening
		}
		if err != nil {
			return fmt.Errorf("load client %s: %w", p.ClientID, err)
		}
		ds = append(ds, Delivery{ID: randomID(), ClientID: c.ID, TenantID: p.TenantID, UserID: p.UserID,
			SessionID: p.SessionID, URI: c.BackchannelLogoutURI, CreatedAt: now, NextAt: now,
			GiveUpAt: now.Add(s.cfg.GiveUpAfter)})
	}
	if len(ds) > 0 {
		n, err := s.cfg.Store.QueueDeliveries(ctx, ds, s.cfg.MaxPending)
		if err != nil {
			return err
		}
		for _, d := range ds[n:] {
			s.dropped(ctx, d)
		}
		if n > 0 {
			s.Wake()
		}
	}
	return s.cfg.Store.DeleteParticipations(ctx, ps)
}

// dropped reports a delivery the full outbox had no room for.
func (s *Service) dropped(ctx context.Context, d Delivery) {
	s.cfg.Logger.ErrorContext(ctx, "logout outbox full: logout token dropped", "client_id", d.ClientID,
		"tenant_id", d.TenantID, "sid", d.SessionID, "max_pending", s.cfg.MaxPending)
	s.audit(ctx, "logout.dropped", d, map[string]string{"reason": "the logout outbox is full"})
}

func (s *Service) audit(ctx context.Context, action string, d Delivery, details map[string]string) {
	details["sid"], details["user_id"] = d.SessionID, d.UserID
	e := audit.Event{Action: action, TenantID: d.TenantID, Actor: "system", Target: d.ClientID, TargetName: d.ClientID,
		Details: details}
	if err := s.cfg.Audit(context.WithoutCancel(ctx), e); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "audit "+action, "client_id", d.ClientID, "err", err)
	}
}

// Wake makes Run look for due deliveries now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func randomID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
