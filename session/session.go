// Package session is the single sign-on session: what a browser holds after a
// person has logged in, so that the next portal gets its code without a
// prompt.
//
// The browser keeps a random 256-bit token in an HttpOnly cookie; the server
// keeps the session in the ephemeral store under the SHA-256 of that token,
// so that a copy of the store gives no one a usable cookie. The session has
// its own public id (ID, the "sid" claim) that tokens and audit records
// carry; it is not the cookie value.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// ErrNotFound means there is no live session for a token.
var ErrNotFound = errors.New("session not found")

// Session is one person's login at Gatehouse.
type Session struct {
	ID        string    `json:"id"` // public "sid"
	UserID    string    `json:"uid"`
	TenantID  string    `json:"tid"`
	AuthTime  time.Time `json:"at"`
	AMR       []string  `json:"amr"`
	ACR       string    `json:"acr,omitempty"`
	CreatedAt time.Time `json:"ca"`
	ExpiresAt time.Time `json:"ea"`
	// Support is set when a support user acts as UserID (seed 004's
	// "jill$john"); AuthTime, AMR and ACR then describe how the support
	// user authenticated.
	Support *Support `json:"sup,omitempty"`
	// Earlier are the ids of the sessions this one replaced by tenant
	// switches (Switch), oldest first: ending this session ends the
	// refresh tokens born in them too.
	Earlier []string `json:"ear,omitempty"`
}

// Support is who acts in a support session, and why.
type Support struct {
	// ActorID, ActorUsername, ActorTenantID and ActorTenantSlug name the
	// support user, in its home tenant.
	ActorID         string `json:"aid"`
	ActorUsername   string `json:"au"`
	ActorTenantID   string `json:"atid"`
	ActorTenantSlug string `json:"ats"`
	// Username is the supported user's, for the banner.
	Username string `json:"u"`
	// Reason is what the support login gave (a ticket reference), or "".
	Reason string `json:"r,omitempty"`
}

// Config tunes sessions.
type Config struct {
	// Lifetime is the absolute maximum of a session (Keycloak's "SSO Session
	// Max"); 10 hours if zero: a working day, so people log in once a day.
	Lifetime time.Duration
	// SupportLifetime is the absolute maximum of a support session; one
	// hour if zero. Nothing extends it: not single sign-on, not refresh.
	SupportLifetime time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// Store keeps sessions in an ephemeral store.
type Store struct {
	kv       ephemeral.Store
	lifetime time.Duration
	support  time.Duration
	now      func() time.Time
}

// New returns a Store over kv.
func New(kv ephemeral.Store, cfg Config) *Store {
	s := &Store{kv: kv, lifetime: cfg.Lifetime, support: cfg.SupportLifetime, now: cfg.Now}
	if s.lifetime <= 0 {
		s.lifetime = 10 * time.Hour
	}
	if s.support <= 0 {
		s.support = time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Lifetime is the maximum age of a session.
func (s *Store) Lifetime() time.Duration { return s.lifetime }

// SupportLifetime is the maximum age of a support session.
func (s *Store) SupportLifetime() time.Duration { return s.support }

// Create starts a session for a person who has just authenticated, and
// returns the token for the cookie. With sup set it is a support session:
// userID is the person supported, and it lives SupportLifetime at most.
//
// revokedBefore is when the person's sessions were last revoked
// (directory.User.RevokedBefore; for a support session the later of the
// two people's), zero for never. A session that starts in the same second
// is dated the start of the next: its tokens carry auth_time in whole
// seconds, cut down, and would otherwise fall before the revocation and
// be refused, while every sign-in before the revocation stays refused.
func (s *Store) Create(ctx context.Context, userID, tenantID string, amr []string, acr string, sup *Support,
	revokedBefore time.Time) (string, Session, error) {
	now := s.now().UTC()
	if next := revokedBefore.Truncate(time.Second).Add(time.Second); !now.Before(revokedBefore) && now.Before(next) {
		now = next
	}
	lifetime := s.lifetime
	if sup != nil {
		lifetime = s.support
	}
	sess := Session{
		ID: randomString(16), UserID: userID, TenantID: tenantID, AuthTime: now,
		AMR: amr, ACR: acr, CreatedAt: now, ExpiresAt: now.Add(lifetime), Support: sup,
	}
	token := randomString(32)
	b, err := json.Marshal(sess)
	if err != nil {
		return "", Session{}, err
	}
	if err := s.kv.Set(ctx, key(token), b, lifetime); err != nil {
		return "", Session{}, fmt.Errorf("store session: %w", err)
	}
	return token, sess, nil
}

// Lookup returns the live session for token, or ErrNotFound.
func (s *Store) Lookup(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNotFound
	}
	b, err := s.kv.Get(ctx, key(token))
	if errors.Is(err, ephemeral.ErrNotFound) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("load session: %w", err)
	}
	var sess Session
	if err := json.Unmarshal(b, &sess); err != nil {
		return Session{}, fmt.Errorf("decode session: %w", err)
	}
	if !s.now().Before(sess.ExpiresAt) {
		return Session{}, ErrNotFound
	}
	return sess, nil
}

// ErrSupportSession is Switch's answer for a support session, which acts
// in the supported person's tenant only.
var ErrSupportSession = errors.New("session: a support session cannot switch tenant")

// Switch re-issues the session for token in the tenant tenantID: a new
// session, with a new id and a new token, for the same person, with the
// same AuthTime, AMR, ACR and absolute end (a switch never extends a
// session), and the old one deleted. It returns the new token and
// session, and the old session. Whether the person may act in tenantID is
// the caller's to decide. An unknown token is ErrNotFound.
//
// Tokens issued in the old session keep its tenant and sid; single
// sign-on from now on acts in the new tenant.
func (s *Store) Switch(ctx context.Context, token, tenantID string) (newToken string, sess, old Session, err error) {
	old, err = s.Lookup(ctx, token)
	if err != nil {
		return "", Session{}, Session{}, err
	}
	if old.Support != nil {
		return "", Session{}, Session{}, ErrSupportSession
	}
	sess = old
	sess.ID, sess.TenantID = randomString(16), tenantID
	sess.Earlier = append(slices.Clone(old.Earlier), old.ID)
	ttl := sess.ExpiresAt.Sub(s.now())
	if ttl <= 0 {
		return "", Session{}, Session{}, ErrNotFound
	}
	b, err := json.Marshal(sess)
	if err != nil {
		return "", Session{}, Session{}, err
	}
	newToken = randomString(32)
	if err := s.kv.Set(ctx, key(newToken), b, ttl); err != nil {
		return "", Session{}, Session{}, fmt.Errorf("store session: %w", err)
	}
	if err := s.kv.Delete(ctx, key(token)); err != nil {
		// Both would live: undo the new one rather than leave two.
		_ = s.kv.Delete(ctx, key(newToken))
		return "", Session{}, Session{}, fmt.Errorf("delete the old session: %w", err)
	}
	return newToken, sess, old, nil
}

// Delete ends the session for token; an unknown token is not an error.
func (s *Store) Delete(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.kv.Delete(ctx, key(token))
}

func key(token string) string {
	h := sha256.Sum256([]byte(token))
	return "session:" + hex.EncodeToString(h[:])
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
