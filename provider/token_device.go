package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// The device authorization grant's two endpoints (RFC 8628): the device
// asks for codes at /device_authorization, then polls /oauth/token with
// grant_type urn:ietf:params:oauth:grant-type:device_code. The library
// parses both requests and authenticates the client (VerifyClient, the
// same rules as the token endpoint: a public client sends its client_id
// alone); Gatehouse replaces the rest. The library's own DeviceToken would
// answer slow_down only when its storage timed out and checks expiry on
// the wall clock; Gatehouse paces polls itself, on the provider's clock,
// and issues through the code exchange's path (issueToPerson).

// DeviceAuthorization answers a device's request for a device code and a
// user code (RFC 8628 §3.1, §3.2).
func (s *Server) DeviceAuthorization(ctx context.Context, r *op.ClientRequest[oidc.DeviceAuthorizationRequest]) (*op.Response, error) {
	if r.Method != http.MethodPost {
		// §3.1: "The client makes a device authorization request ... by
		// ... using the HTTP POST method".
		return nil, op.NewStatusError(oidc.ErrInvalidRequest().WithDescription("use POST"), http.StatusMethodNotAllowed)
	}
	c := r.Client.(*client).c
	if !c.HasGrant(directory.GrantDeviceCode) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("this client is not registered for the device code grant")
	}
	scopes := withDefaultScopes(r.Data.Scopes, c.DefaultScopes)
	for _, sc := range scopes {
		if !c.AllowsScope(sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not allowed for this client", sc)
		}
	}
	cfg := s.store.cfg
	now := cfg.Now()
	g := &deviceGrant{
		ClientID: c.ID, Scopes: scopes, CreatedAt: now.UTC(), ExpiresAt: now.Add(cfg.DeviceCodeLifetime).UTC(),
		Interval: int(cfg.DevicePollInterval / time.Second),
	}
	deviceCode, err := s.store.devices.create(ctx, g)
	if err != nil {
		return nil, s.serverError(ctx, "create device grant", err)
	}
	verify := cfg.Issuer + cfg.DevicePath
	s.store.log.InfoContext(ctx, "device authorization started", "client_id", c.ID)
	return op.NewResponse(&oidc.DeviceAuthorizationResponse{
		DeviceCode: deviceCode, UserCode: FormatUserCode(g.UserCode), VerificationURI: verify,
		VerificationURIComplete: verify + "?user_code=" + url.QueryEscape(FormatUserCode(g.UserCode)),
		ExpiresIn:               int(cfg.DeviceCodeLifetime / time.Second), Interval: g.Interval,
	}), nil
}

// DeviceToken answers a device's poll (RFC 8628 §3.4, §3.5):
// authorization_pending while the person has not answered, slow_down to a
// poll that comes before the interval is over (which then grows by 5 s),
// access_denied once the person denied, expired_token once the device
// code expired, and the tokens once, to one poll, after the person
// approved; invalid_grant for a device code that is unknown, used, or
// another client's.
func (s *Server) DeviceToken(ctx context.Context, r *op.ClientRequest[oidc.DeviceAccessTokenRequest]) (*op.Response, error) {
	c := r.Client.(*client).c
	key := deviceKey(r.Data.DeviceCode)
	d := s.store.devices
	g, err := d.get(ctx, key)
	if errors.Is(err, ephemeral.ErrNotFound) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the device code is invalid or was already used")
	}
	if err != nil {
		return nil, s.serverError(ctx, "load device grant", err)
	}
	if g.ClientID != c.ID {
		s.store.log.WarnContext(ctx, "device code presented by another client", "client_id", c.ID)
		return nil, oidc.ErrInvalidGrant().WithDescription("the device code was issued to another client")
	}
	now := s.store.cfg.Now()
	if !now.Before(g.ExpiresAt) {
		return nil, oidc.ErrExpiredDeviceCode().WithDescription("the device code has expired; start again")
	}
	if slow, err := s.pollTooSoon(ctx, key, g, now); err != nil {
		return nil, s.serverError(ctx, "pace device polls", err)
	} else if slow > 0 {
		return nil, oidc.ErrSlowDown().WithDescription("wait %d seconds between polls", slow)
	}
	switch {
	case g.Denied:
		return nil, oidc.ErrAccessDenied().WithDescription("the person denied the request")
	case !g.Approved:
		return nil, oidc.ErrAuthorizationPending().WithDescription("the person has not answered yet")
	}
	// Approved: the grant is redeemed by taking it, once across nodes.
	if g, err = d.take(ctx, key); errors.Is(err, ephemeral.ErrNotFound) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the device code is invalid or was already used")
	} else if err != nil {
		return nil, s.serverError(ctx, "take device grant", err)
	}
	if err := s.store.kv.Delete(ctx, devicePollKey(key), deviceSlowKey(key)); err != nil {
		s.store.log.WarnContext(ctx, "forget device polls", "err", err)
	}
	ts, refreshToken, _, err := s.issueToPerson(ctx, &c, personLogin{signedIn: g.signedIn, scopes: g.Scopes}, "device_code")
	if err != nil {
		return nil, err
	}
	s.store.log.InfoContext(ctx, "tokens issued", "grant_type", "device_code", "client_id", c.ID,
		"user_id", g.UserID, "sid", g.SessionID, "refresh", refreshToken != "")
	s.store.issued("device_code", c.ID)
	return op.NewResponse(tokenResponse(ts, refreshToken, g.Scopes, now)), nil
}

// pollTooSoon paces the device's polls: each poll marks the grant for the
// current interval (less pollTolerance). A poll that finds the mark is too
// soon: the interval grows by slowDownStep for good, the mark is set
// again for the new interval from this poll, and the new interval is
// returned in seconds (0: the poll is in time).
func (s *Server) pollTooSoon(ctx context.Context, key string, g *deviceGrant, now time.Time) (int, error) {
	kv := s.store.kv
	slowed := 0
	if b, err := kv.Get(ctx, deviceSlowKey(key)); err == nil {
		slowed, _ = strconv.Atoi(string(b))
	} else if !errors.Is(err, ephemeral.ErrNotFound) {
		return 0, err
	}
	ok, err := kv.SetNX(ctx, devicePollKey(key), []byte("1"), pollMark(g.Interval, slowed))
	if err != nil || ok {
		return 0, err
	}
	n, err := kv.Incr(ctx, deviceSlowKey(key), g.keep(now))
	if err != nil {
		return 0, err
	}
	if err := kv.Set(ctx, devicePollKey(key), []byte("1"), pollMark(g.Interval, int(n))); err != nil {
		return 0, err
	}
	return g.Interval + int(n)*int(slowDownStep/time.Second), nil
}

// pollMark is how long a poll keeps the next one off: the interval after
// slowed slow_downs, less pollTolerance.
func pollMark(interval, slowed int) time.Duration {
	d := time.Duration(interval)*time.Second + time.Duration(slowed)*slowDownStep
	return max(d-pollTolerance, time.Second)
}
