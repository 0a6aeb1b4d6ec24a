package logout_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/claims/claimstest"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral/ephemeraltest"
	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/logout"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// portal is a relying party's back-channel logout endpoint: it verifies
// each logout token with package claims and answers what the test says.
type portal struct {
	srv *httptest.Server
	mu  sync.Mutex
	// status answers the next request; 0 is 200 after verification.
	status   int
	tokens   []*claims.LogoutToken
	requests int
}

func newPortal(t *testing.T, iss *claimstest.Issuer, clk *ephemeraltest.FakeClock, clientID string) *portal {
	cfg := iss.Config(clientID)
	// The verifier runs on the test's clock, as the tokens are signed on it.
	cfg.Now = clk.Now
	v, err := claims.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &portal{}
	h := v.LogoutHandler(func(_ context.Context, lt *claims.LogoutToken) error {
		p.tokens = append(p.tokens, lt)
		return nil
	})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.requests++
		if p.status != 0 {
			w.WriteHeader(p.status)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *portal) set(status int) { p.mu.Lock(); p.status = status; p.mu.Unlock() }

func (p *portal) got() (int, []*claims.LogoutToken) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, slices.Clone(p.tokens)
}

type world struct {
	store  *sqlite.Store
	clk    *ephemeraltest.FakeClock
	iss    *claimstest.Issuer
	svc    *logout.Service
	mu     sync.Mutex
	events []audit.Event
}

func (w *world) audited() []audit.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.events)
}

func newWorld(t *testing.T, tune func(*logout.Config)) *world {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &world{store: st, clk: ephemeraltest.NewFakeClockAt(time.Now().UTC().Truncate(time.Second)), iss: claimstest.NewIssuer(t)}
	cfg := logout.Config{
		Store: st, Clients: st, Grants: st, Issuer: w.iss.URL,
		Sign: func(c any, typ string) (string, error) { return w.iss.Sign(t, c, typ), nil },
		Audit: func(_ context.Context, e audit.Event) error {
			w.mu.Lock()
			w.events = append(w.events, e)
			w.mu.Unlock()
			return nil
		},
		Now: w.clk.Now, InsecureAllowHTTP: true, // the portals are httptest's
	}
	if tune != nil {
		tune(&cfg)
	}
	if w.svc, err = logout.New(cfg); err != nil {
		t.Fatal(err)
	}
	return w
}

// client registers a portal with back-channel logout at uri ("" for none).
func (w *world) client(t *testing.T, id, uri string) {
	t.Helper()
	c := directory.Client{ID: id, Name: id, Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
		RedirectURIs: []string{"https://" + id + ".example/cb"}, GrantTypes: []string{directory.GrantAuthorizationCode},
		BackchannelLogoutURI: uri, CreatedAt: w.clk.Now(), UpdatedAt: w.clk.Now()}
	if err := w.store.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
}

func (w *world) record(t *testing.T, sid, client, user string, support bool, lifetime time.Duration) {
	t.Helper()
	err := w.svc.Record(t.Context(), logout.Participation{SessionID: sid, ClientID: client, UserID: user,
		TenantID: "t-acme", Support: support, ExpiresAt: w.clk.Now().Add(lifetime)})
	if err != nil {
		t.Fatal(err)
	}
}

func deliver(t *testing.T, w *world) int {
	t.Helper()
	n, err := w.svc.DeliverOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEndSessionsDelivers: the clients that got ID tokens in the ended
// sessions, and have a back-channel logout URI, each get one verified
// logout token naming the session and the person; others get nothing.
func TestEndSessionsDelivers(t *testing.T) {
	w := newWorld(t, nil)
	a, b := newPortal(t, w.iss, w.clk, "portal-a"), newPortal(t, w.iss, w.clk, "portal-b")
	w.client(t, "portal-a", a.srv.URL+"/bcl")
	w.client(t, "portal-b", b.srv.URL+"/bcl")
	w.client(t, "portal-quiet", "")
	w.record(t, "sid-1", "portal-a", "u-jill", false, time.Hour)
	w.record(t, "sid-1", "portal-b", "u-jill", false, time.Hour)
	w.record(t, "sid-1", "portal-quiet", "u-jill", false, time.Hour)
	w.record(t, "sid-2", "portal-b", "u-jill", false, time.Hour) // another session: stays

	if err := w.svc.EndSessions(t.Context(), []string{"sid-1"}); err != nil {
		t.Fatal(err)
	}
	if n := deliver(t, w); n != 2 {
		t.Fatalf("delivered %d, want 2", n)
	}
	for name, p := range map[string]*portal{"a": a, "b": b} {
		_, tokens := p.got()
		if len(tokens) != 1 || tokens[0].SessionID != "sid-1" || tokens[0].Subject != "u-jill" {
			t.Errorf("portal %s got %+v", name, tokens)
		}
	}
	if n, _ := w.store.PendingDeliveries(t.Context()); n != 0 {
		t.Errorf("outbox holds %d after delivery", n)
	}
	if ps, _ := w.store.SessionParticipations(t.Context(), []string{"sid-1", "sid-2"}); len(ps) != 1 || ps[0].SessionID != "sid-2" {
		t.Errorf("participations left %+v, want sid-2's only", ps)
	}
	// Ending it again finds nothing to send.
	if err := w.svc.EndSessions(t.Context(), []string{"sid-1"}); err != nil {
		t.Fatal(err)
	}
	if n := deliver(t, w); n != 0 {
		t.Errorf("a second end delivered %d", n)
	}
}

// TestRetryUntilThePortalIsBack: a portal that is down (503, then no
// answer at all) gets the token once it is back, with the same jti; the
// retries wait as the backoff says, on the injected clock.
func TestRetryUntilThePortalIsBack(t *testing.T) {
	w := newWorld(t, nil)
	p := newPortal(t, w.iss, w.clk, "portal-a")
	w.client(t, "portal-a", p.srv.URL+"/bcl")
	w.record(t, "sid-1", "portal-a", "u-jill", false, time.Hour)
	if err := w.svc.EndSessions(t.Context(), []string{"sid-1"}); err != nil {
		t.Fatal(err)
	}
	p.set(http.StatusServiceUnavailable)
	if n := deliver(t, w); n != 1 {
		t.Fatalf("first pass claimed %d", n)
	}
	// Not due before the backoff (30s) has passed.
	w.clk.Advance(29 * time.Second)
	if n := deliver(t, w); n != 0 {
		t.Errorf("retried after 29s")
	}
	w.clk.Advance(time.Second)
	p.set(http.StatusTooManyRequests)
	if n := deliver(t, w); n != 1 {
		t.Fatalf("second attempt claimed %d", n)
	}
	w.clk.Advance(time.Minute) // the second wait: doubled
	p.set(0)
	if n := deliver(t, w); n != 1 {
		t.Fatalf("third attempt claimed %d", n)
	}
	requests, tokens := p.got()
	if requests != 3 || len(tokens) != 1 || tokens[0].SessionID != "sid-1" {
		t.Fatalf("portal saw %d requests and %+v", requests, tokens)
	}
	if len(w.audited()) != 0 {
		t.Errorf("a delivered logout was audited as %+v", w.audited())
	}
}

// TestDownPortalAfterARestart: the outbox outlives the service (a node's
// restart): a new Service on the same store, its lease on the row long
// expired, delivers what the first could not.
func TestDownPortalAfterARestart(t *testing.T) {
	w := newWorld(t, nil)
	p := newPortal(t, w.iss, w.clk, "portal-a")
	w.client(t, "portal-a", p.srv.URL+"/bcl")
	w.record(t, "sid-1", "portal-a", "u-jill", false, time.Hour)
	if err := w.svc.EndSessions(t.Context(), []string{"sid-1"}); err != nil {
		t.Fatal(err)
	}
	// The node claims the row and dies before it records anything: the
	// lease is all that is left of it.
	if ds, err := w.store.ClaimDeliveries(t.Context(), "dead-node", w.clk.Now(), w.clk.Now().Add(time.Minute), 10); err != nil || len(ds) != 1 {
		t.Fatalf("claim = %v, %v", ds, err)
	}
	if n := deliver(t, w); n != 0 {
		t.Fatalf("claimed a leased row")
	}
	again, err := logout.New(logout.Config{Store: w.store, Clients: w.store, Grants: w.store, Issuer: w.iss.URL,
		Sign:  func(c any, typ string) (string, error) { return w.iss.Sign(t, c, typ), nil },
		Audit: func(context.Context, audit.Event) error { return nil }, Now: w.clk.Now, InsecureAllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(time.Minute)
	if n, err := again.DeliverOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("after the lease ended: %d, %v", n, err)
	}
	if _, tokens := p.got(); len(tokens) != 1 {
		t.Errorf("portal got %d tokens", len(tokens))
	}
}

// TestPermanentFailureAndGivingUp: a 4xx other than 408 and 429 ends the
// delivery at once; a portal down for longer than GiveUpAfter is given up
// on; both are audited as logout.failed in the session's tenant.
func TestPermanentFailureAndGivingUp(t *testing.T) {
	w := newWorld(t, func(c *logout.Config) { c.GiveUpAfter = 10 * time.Minute })
	gone, down := newPortal(t, w.iss, w.clk, "portal-gone"), newPortal(t, w.iss, w.clk, "portal-down")
	w.client(t, "portal-gone", gone.srv.URL+"/bcl")
	w.client(t, "portal-down", down.srv.URL+"/bcl")
	gone.set(http.StatusNotFound)
	down.set(http.StatusBadGateway)
	w.record(t, "sid-1", "portal-gone", "u-jill", false, time.Hour)
	w.record(t, "sid-1", "portal-down", "u-jill", false, time.Hour)
	if err := w.svc.EndSessions(t.Context(), []string{"sid-1"}); err != nil {
		t.Fatal(err)
	}
	deliver(t, w)
	for range 10 {
		w.clk.Advance(5 * time.Minute)
		deliver(t, w)
	}
	if n, _ := w.store.PendingDeliveries(t.Context()); n != 0 {
		t.Errorf("outbox holds %d", n)
	}
	if r, _ := gone.got(); r != 1 {
		t.Errorf("the 404 portal was asked %d times", r)
	}
	if r, _ := down.got(); r < 3 {
		t.Errorf("the down portal was asked %d times", r)
	}
	events := w.audited()
	if len(events) != 2 {
		t.Fatalf("audited %+v", events)
	}
	for _, e := range events {
		if e.Action != "logout.failed" || e.TenantID != "t-acme" || e.Actor != "system" || e.Details["sid"] != "sid-1" {
			t.Errorf("event %+v", e)
		}
	}
}

// TestEndUserRevokesAndDelivers: an administrator's disable ends every
// session of the person: refresh tokens born in them are revoked and each
// client is told.
func TestEndUserRevokesAndDelivers(t *testing.T) {
	w := newWorld(t, nil)
	p := newPortal(t, w.iss, w.clk, "portal-a")
	w.client(t, "portal-a", p.srv.URL+"/bcl")
	w.record(t, "sid-1", "portal-a", "u-jill", false, time.Hour)
	w.record(t, "sid-2", "portal-a", "u-jill", false, time.Hour)
	w.record(t, "sid-3", "portal-a", "u-john", false, time.Hour)
	now := w.clk.Now()
	for _, sid := range []string{"sid-1", "sid-3"} {
		err := w.store.CreateRefreshToken(t.Context(), grants.RefreshToken{ID: "rt-" + sid, Hash: []byte("h-" + sid),
			FamilyID: "f-" + sid, ClientID: "portal-a", SessionID: sid, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.svc.EndUser(t.Context(), "u-jill"); err != nil {
		t.Fatal(err)
	}
	deliver(t, w)
	_, tokens := p.got()
	var sids []string
	for _, lt := range tokens {
		sids = append(sids, lt.SessionID)
	}
	slices.Sort(sids)
	if !slices.Equal(sids, []string{"sid-1", "sid-2"}) {
		t.Errorf("logout tokens for %v", sids)
	}
	for sid, revoked := range map[string]bool{"sid-1": true, "sid-3": false} {
		rt, err := w.store.RefreshTokenByHash(t.Context(), []byte("h-"+sid))
		if err != nil || rt.RevokedAt.IsZero() != !revoked {
			t.Errorf("refresh token of %s: revoked at %v (%v), want revoked %v", sid, rt.RevokedAt, err, revoked)
		}
	}
}

// TestSweepEndsSupportSessions: a support session that reached its end is
// logged out by the sweep; an ordinary one is only forgotten, a day later.
func TestSweepEndsSupportSessions(t *testing.T) {
	w := newWorld(t, nil)
	p := newPortal(t, w.iss, w.clk, "portal-a")
	w.client(t, "portal-a", p.srv.URL+"/bcl")
	w.record(t, "sup-1", "portal-a", "u-john", true, time.Hour)
	w.record(t, "sid-1", "portal-a", "u-jill", false, time.Hour)
	if err := w.svc.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := deliver(t, w); n != 0 {
		t.Fatalf("a live support session was logged out")
	}
	w.clk.Advance(time.Hour)
	if err := w.svc.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	deliver(t, w)
	if _, tokens := p.got(); len(tokens) != 1 || tokens[0].SessionID != "sup-1" || tokens[0].Subject != "u-john" {
		t.Fatalf("portal got %+v", tokens)
	}
	w.clk.Advance(25 * time.Hour)
	if err := w.svc.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := deliver(t, w); n != 0 {
		t.Errorf("an ordinary session's end was sent a logout")
	}
	if ps, _ := w.store.UserParticipations(t.Context(), "u-jill"); len(ps) != 0 {
		t.Errorf("an ordinary session long over is remembered: %+v", ps)
	}
}

// TestOutboxBound: at the bound, new logouts are dropped, logged and
// audited as logout.dropped; those queued stay.
func TestOutboxBound(t *testing.T) {
	w := newWorld(t, func(c *logout.Config) { c.MaxPending = 1 })
	w.client(t, "portal-a", "https://portal-a.example/bcl")
	w.record(t, "sid-1", "portal-a", "u-jill", false, time.Hour)
	w.record(t, "sid-2", "portal-a", "u-jill", false, time.Hour)
	if err := w.svc.EndSessions(t.Context(), []string{"sid-1", "sid-2"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.store.PendingDeliveries(t.Context()); n != 1 {
		t.Errorf("outbox holds %d, want its bound 1", n)
	}
	events := w.audited()
	if len(events) != 1 || events[0].Action != "logout.dropped" || events[0].Details["sid"] != "sid-2" {
		t.Errorf("audited %+v", events)
	}
}

// TestOnlyHTTPSOutsideDevelopment: a plain http back-channel logout URI (a
// client may register one for a loopback host) is never called unless
// InsecureAllowHTTP: Gatehouse would otherwise POST to whatever listens
// on its own host. The delivery is refused at once and audited.
func TestOnlyHTTPSOutsideDevelopment(t *testing.T) {
	w := newWorld(t, func(c *logout.Config) { c.InsecureAllowHTTP = false })
	p := newPortal(t, w.iss, w.clk, "portal-x")
	w.client(t, "portal-x", p.srv.URL+"/bcl") // http://127.0.0.1:…
	w.record(t, "sid-1", "portal-x", "u-jill", false, time.Hour)
	if err := w.svc.EndSessions(t.Context(), []string{"sid-1"}); err != nil {
		t.Fatal(err)
	}
	deliver(t, w)
	if r, _ := p.got(); r != 0 {
		t.Errorf("the http portal was called %d times", r)
	}
	if n, _ := w.store.PendingDeliveries(t.Context()); n != 0 {
		t.Errorf("outbox holds %d", n)
	}
	if ev := w.audited(); len(ev) != 1 || ev[0].Action != "logout.failed" || !strings.Contains(ev[0].Details["reason"], "https") {
		t.Errorf("audited %+v", ev)
	}
}
