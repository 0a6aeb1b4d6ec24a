package logout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/claims"
)

// deliverBatch is how many deliveries one pass claims, and sends at once.
const deliverBatch = 16

// Run delivers logout tokens until ctx ends: whenever Wake is called (a
// logout was queued on this node), every PollEvery (retries coming due,
// deliveries other nodes queued), and sweeps ended support sessions every
// SweepEvery. Failures are logged and tried again on the next round.
func (s *Service) Run(ctx context.Context) {
	poll := time.NewTicker(s.cfg.PollEvery)
	defer poll.Stop()
	sweep := time.NewTicker(s.cfg.SweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.WarnContext(ctx, "sweep ended sessions", "err", err)
			}
		case <-poll.C:
		case <-s.wake:
		}
		for ctx.Err() == nil {
			n, err := s.DeliverOnce(ctx)
			if err != nil && ctx.Err() == nil {
				s.cfg.Logger.WarnContext(ctx, "deliver logout tokens", "err", err)
			}
			if err != nil || n < deliverBatch {
				break
			}
		}
	}
}

// DeliverOnce claims the deliveries due now (up to a batch), sends them
// at once, and records each outcome. It returns how many it claimed.
func (s *Service) DeliverOnce(ctx context.Context) (int, error) {
	now := s.cfg.Now().UTC()
	// The lease outlasts every send of the batch, which run in parallel.
	lease := now.Add(2*s.cfg.Timeout + time.Minute)
	// Each claim has an owner of its own: a retry recorded by an attempt
	// whose lease ran out never clobbers a newer claim, not even this
	// node's.
	owner := s.owner + "/" + randomID()
	ds, err := s.cfg.Store.ClaimDeliveries(ctx, owner, now, lease, deliverBatch)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() { s.deliver(ctx, d, owner) })
	}
	wg.Wait()
	return len(ds), nil
}

// outcome of one attempt.
type outcome int

const (
	delivered outcome = iota
	retry             // network error, 5xx, 408, 429: the portal may come back
	rejected          // any other answer: trying again would not help
)

func (s *Service) deliver(ctx context.Context, d Delivery, owner string) {
	result, reason := s.send(ctx, d)
	log := s.cfg.Logger.With("client_id", d.ClientID, "tenant_id", d.TenantID, "sid", d.SessionID,
		"attempt", d.Attempts+1)
	now := s.cfg.Now().UTC()
	switch {
	case result == delivered:
		log.InfoContext(ctx, "logout token delivered")
		s.forget(ctx, d)
	case result == rejected:
		log.WarnContext(ctx, "logout token rejected", "reason", reason)
		s.failed(ctx, d, reason)
	case now.Add(s.cfg.Backoff(d.Attempts + 1)).After(d.GiveUpAt):
		log.WarnContext(ctx, "logout token undeliverable: giving up", "reason", reason)
		s.failed(ctx, d, reason)
	default:
		next := now.Add(s.cfg.Backoff(d.Attempts + 1))
		log.InfoContext(ctx, "logout token not delivered: will retry", "reason", reason, "next", next)
		if err := s.cfg.Store.RetryDelivery(context.WithoutCancel(ctx), d.ID, owner, d.Attempts+1, next); err != nil {
			log.WarnContext(ctx, "record a logout delivery's retry", "err", err)
		}
	}
}

// failed audits a delivery that will never be made, in the session's
// tenant, and removes it.
func (s *Service) failed(ctx context.Context, d Delivery, reason string) {
	s.audit(ctx, "logout.failed", d, map[string]string{"reason": reason, "attempts": strconv.Itoa(d.Attempts + 1)})
	s.forget(ctx, d)
}

func (s *Service) forget(ctx context.Context, d Delivery) {
	if err := s.cfg.Store.DeleteDelivery(context.WithoutCancel(ctx), d.ID); err != nil {
		s.cfg.Logger.WarnContext(ctx, "remove a logout delivery", "client_id", d.ClientID, "err", err)
	}
}

// send signs d's logout token and POSTs it (Back-Channel Logout 1.0
// §2.5): "The OP uses an HTTP POST to the registered RP URL ... with the
// logout token as the logout_token form parameter"; "If the logout
// succeeded, the RP MUST respond with HTTP 200 OK" (204 is taken as
// success too). The reason is for logs and the audit, never the token.
func (s *Service) send(ctx context.Context, d Delivery) (outcome, string) {
	token, err := s.token(d)
	if err != nil {
		return retry, "signing failed: " + err.Error()
	}
	if u, err := url.Parse(d.URI); err != nil || u.Scheme != "https" && !(s.cfg.InsecureAllowHTTP && u.Scheme == "http") {
		return rejected, "only an https back-channel logout URI is called"
	}
	body := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URI, strings.NewReader(body))
	if err != nil {
		return rejected, "the back-channel logout URI is not usable"
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return retry, "the node is shutting down"
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which the log names already
		}
		return retry, "no answer: " + err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c == http.StatusOK || c == http.StatusNoContent:
		return delivered, ""
	case c >= 500 || c == http.StatusRequestTimeout || c == http.StatusTooManyRequests:
		return retry, fmt.Sprintf("HTTP %d", c)
	default:
		return rejected, fmt.Sprintf("HTTP %d", c)
	}
}

// token signs d's logout token now (§2.4): iss, aud the client, iat, a
// short exp, jti the delivery's id (the same on every attempt), sub and
// sid, the back-channel logout event, no nonce; JOSE typ logout+jwt.
func (s *Service) token(d Delivery) (string, error) {
	now := s.cfg.Now()
	return s.cfg.Sign(claims.LogoutToken{
		Issuer: s.cfg.Issuer, Subject: d.UserID, Audience: []string{d.ClientID}, IssuedAt: now.Unix(),
		Expiry: now.Add(s.cfg.TokenLifetime).Unix(), JWTID: d.ID, SessionID: d.SessionID, Events: claims.NewLogoutEvents(),
	}, "logout+jwt")
}
