package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Reason says why a key was scheduled.
type Reason string

// The reasons.
const (
	ReasonFirst     Reason = "first_key"         // the installation had none
	ReasonScheduled Reason = "scheduled"         // the signing key reached RotateEvery
	ReasonAlgorithm Reason = "algorithm_changed" // the configured algorithm is not the signing key's
	ReasonOnDemand  Reason = "on_demand"         // RotateNow (gatehouse keys rotate)
)

// Change is one thing Maintain or RotateNow did to the stored keys: a key
// scheduled (Created) or a removed key's record deleted (Deleted).
type Change struct {
	Created bool
	Deleted bool
	Key     Record
	Reason  Reason // for Created
}

// Maintain brings the stored keys to the schedule, holding the
// installation's rotation lock (Store.InRotation), so that of many nodes
// exactly one acts and the others find its work done:
//
//   - keys stored before schedules existed (legacy, see adoptLegacy) are
//     scheduled once;
//   - no key at all: a key of the configured algorithm, signing at once
//     (nothing can have cached a JWKS yet), backdated by ClockSkew so that
//     a node whose clock is a little behind finds it signing too;
//   - a key already scheduled: nothing more to do;
//   - the signing key's algorithm is not the configured one, or it is due
//     for rotation within the lead time: a new key, published after
//     every node has loaded it and signing a lead later (or when the old
//     one is due, if that is later);
//   - keys removed from the schedule (retired longer ago than tokens live
//     and the JWKS is cached): their records are deleted.
//
// It then reloads. Every node calls it at start and every ReloadEvery.
// An RSA key is generated before the lock is taken, when one may be
// needed, so that the lock (in SQLite, the database's write lock) is held
// for milliseconds, not for the seconds RSA generation can take.
func (m *Manager) Maintain(ctx context.Context) ([]Change, error) {
	var fresh *Record
	if m.cfg.Algorithm == jose.RS256 && m.mayNeedKey() {
		r, err := m.newKey(m.cfg.Algorithm, time.Time{}, time.Time{}, time.Time{})
		if err != nil {
			return nil, err
		}
		fresh = &r
	}
	var changes []Change
	err := m.store.InRotation(ctx, func(tx Store) error {
		changes = nil
		recs, err := tx.ListKeys(ctx)
		if err != nil {
			return fmt.Errorf("list signing keys: %w", err)
		}
		now := m.cfg.Now().UTC()
		if recs, err = m.adoptLegacy(ctx, tx, recs, now); err != nil {
			return err
		}
		st := Lifecycle(recs, now, m.cfg.retention())
		for _, s := range st {
			if s.State == StateRemoved {
				if err := tx.DeleteKey(ctx, s.ID); err != nil {
					return fmt.Errorf("delete removed signing key %s: %w", s.ID, err)
				}
				changes = append(changes, Change{Deleted: true, Key: s.Record})
			}
		}
		reason, publish, activate, err := m.plan(st, now)
		if reason == "" || err != nil {
			return err
		}
		r, err := m.keyFor(fresh, publish, activate, now)
		if err != nil {
			return err
		}
		if err := tx.CreateKey(ctx, r); err != nil {
			return fmt.Errorf("store signing key: %w", err)
		}
		changes = append(changes, Change{Created: true, Key: r, Reason: reason})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changes, m.Reload(ctx)
}

// plan says whether a key is to be scheduled now, why, and when it is
// published and signs; no reason means none is.
func (m *Manager) plan(st []Status, now time.Time) (Reason, time.Time, time.Time, error) {
	cur, signs := signing(st)
	if _, scheduled := pending(st); scheduled {
		return "", time.Time{}, time.Time{}, nil
	}
	if !signs {
		first := now.Add(-ClockSkew)
		return ReasonFirst, first, first, nil
	}
	var reason Reason
	switch {
	case jose.SignatureAlgorithm(cur.Algorithm) != m.cfg.Algorithm:
		if prev, ok := previous(st, cur); ok && jose.SignatureAlgorithm(prev.Algorithm) == m.cfg.Algorithm &&
			now.Sub(cur.ActivateAt) < m.cfg.retention() {
			// The signing key replaced one of this node's algorithm not
			// long ago: another node is configured otherwise. Switching
			// back and forth would fill the JWKS; the operator must
			// decide.
			return "", time.Time{}, time.Time{}, fmt.Errorf("keys: the signing key %s (%s) replaced a %s key at %s: nodes are configured with different signing algorithms; give every node the same one",
				cur.ID, cur.Algorithm, m.cfg.Algorithm, cur.ActivateAt.Format(time.RFC3339))
		}
		reason = ReasonAlgorithm
	case m.cfg.RotateEvery > 0 && !now.Before(cur.ActivateAt.Add(m.cfg.RotateEvery-m.cfg.lead())):
		reason = ReasonScheduled
	default:
		return "", time.Time{}, time.Time{}, nil
	}
	publish := now.Add(m.cfg.publishDelay())
	activate := publish.Add(m.cfg.activationLead())
	if due := cur.ActivateAt.Add(m.cfg.RotateEvery); reason == ReasonScheduled && due.After(activate) {
		activate = due
	}
	return reason, publish, activate, nil
}

// previous returns the key that signed before cur.
func previous(st []Status, cur Status) (Status, bool) {
	for i, s := range st {
		if s.ID == cur.ID && i > 0 {
			return st[i-1], true
		}
	}
	return Status{}, false
}

// mayNeedKey reports whether, by what this node last loaded, Maintain may
// schedule a key soon: worth generating one before taking the lock.
func (m *Manager) mayNeedKey() bool {
	st, _ := m.statuses()
	reason, _, _, _ := m.plan(st, m.cfg.Now().Add(m.cfg.ReloadEvery))
	return reason != ""
}

// keyFor returns the key to store: fresh, pre-generated, with its
// schedule, if it is of the configured algorithm; else a new one.
func (m *Manager) keyFor(fresh *Record, publish, activate, now time.Time) (Record, error) {
	if fresh == nil || fresh.Algorithm != string(m.cfg.Algorithm) {
		return m.newKey(m.cfg.Algorithm, publish, activate, now)
	}
	r := *fresh
	r.PublishAt, r.ActivateAt, r.CreatedAt, r.UpdatedAt = micro(publish), micro(activate), micro(now), micro(now)
	return r, nil
}

// adoptLegacy schedules the keys stored before schedules existed:
// migration 0006 gave them their creation time as both publish and
// activation time, which no key scheduled since has. If there are two or
// more, the one that signed before the upgrade (the oldest of the
// configured algorithm, as the old code chose; else the newest) signs from
// now, and the others retire now and stay published for a full retention,
// so that no token any of them signed stops verifying. A single legacy
// key needs nothing: it simply keeps signing.
func (m *Manager) adoptLegacy(ctx context.Context, tx Store, recs []Record, now time.Time) ([]Record, error) {
	var legacy []int
	for i, r := range recs {
		if r.PublishAt.Equal(r.CreatedAt) && r.ActivateAt.Equal(r.CreatedAt) {
			legacy = append(legacy, i)
		}
	}
	if len(legacy) < 2 {
		return recs, nil
	}
	signer := legacy[len(legacy)-1] // ListKeys: oldest first
	for _, i := range legacy {
		if jose.SignatureAlgorithm(recs[i].Algorithm) == m.cfg.Algorithm {
			signer = i
			break
		}
	}
	now = micro(now)
	step := time.Microsecond
	for n, i := range legacy {
		r := recs[i]
		if i == signer {
			r.ActivateAt = now
		} else {
			r.ActivateAt = now.Add(-time.Duration(len(legacy)-n) * step)
		}
		r.UpdatedAt = now
		if err := tx.UpdateKey(ctx, r); err != nil {
			return nil, fmt.Errorf("schedule legacy signing key %s: %w", r.ID, err)
		}
		recs[i] = r
	}
	return recs, nil
}

// RotateNow schedules a new key of the signing key's algorithm (the
// configured one if none signs yet), published once every node has it and
// signing a lead later, so that relying parties that cache the JWKS see it
// before it signs; the current key is retired then. If a key is already
// scheduled, it is returned and nothing changes. (The algorithm changes
// through the servers' configuration, which Maintain follows.)
func (m *Manager) RotateNow(ctx context.Context) (Change, error) {
	var ch Change
	err := m.store.InRotation(ctx, func(tx Store) error {
		recs, err := tx.ListKeys(ctx)
		if err != nil {
			return fmt.Errorf("list signing keys: %w", err)
		}
		now := m.cfg.Now().UTC()
		st := Lifecycle(recs, now, m.cfg.retention())
		if next, ok := pending(st); ok {
			ch = Change{Key: next.Record}
			return nil
		}
		cur, ok := signing(st)
		if !ok {
			return errors.New("keys: no key signs yet: start a server first, which creates the first key")
		}
		alg := jose.SignatureAlgorithm(cur.Algorithm)
		publish := now.Add(m.cfg.publishDelay())
		r, err := m.newKey(alg, publish, publish.Add(m.cfg.activationLead()), now)
		if err != nil {
			return err
		}
		if err := tx.CreateKey(ctx, r); err != nil {
			return fmt.Errorf("store signing key: %w", err)
		}
		ch = Change{Created: true, Key: r, Reason: ReasonOnDemand}
		return nil
	})
	if err != nil {
		return Change{}, err
	}
	return ch, m.Reload(ctx)
}

// MaintainEvery runs Maintain every ReloadEvery until ctx ends, handing
// each change to report and each error to logErr. Each run is bounded by
// ReloadEvery; when one fails (the lock not to be had, a store that does
// not answer), the node still reloads, so that it follows what other nodes
// scheduled, and the next tick tries again. If even that fails, the keys
// in memory stay, and LoadedAt tells how old they are.
func (m *Manager) MaintainEvery(ctx context.Context, report func(Change), logErr func(error)) {
	t := time.NewTicker(m.cfg.ReloadEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			run, cancel := context.WithTimeout(ctx, m.cfg.ReloadEvery)
			changes, err := m.Maintain(run)
			if err != nil && ctx.Err() == nil {
				logErr(err)
				if err := m.Reload(run); err != nil && ctx.Err() == nil {
					logErr(err)
				}
			}
			cancel()
			for _, c := range changes {
				report(c)
			}
		}
	}
}

// newKey generates a key of alg and seals it.
func (m *Manager) newKey(alg jose.SignatureAlgorithm, publish, activate, now time.Time) (Record, error) {
	priv, err := generate(alg, m.cfg.RSABits)
	if err != nil {
		return Record{}, err
	}
	pubJWK := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(alg), Use: "sig"}
	thumb, err := pubJWK.Thumbprint(crypto.SHA256)
	if err != nil {
		return Record{}, err
	}
	// The kid is the RFC 7638 thumbprint: stable, and unique per key.
	pubJWK.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	pubJSON, err := pubJWK.MarshalJSON()
	if err != nil {
		return Record{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Record{}, err
	}
	sealed, err := m.sealer.Seal(der, keyAAD(pubJWK.KeyID))
	if err != nil {
		return Record{}, err
	}
	return Record{
		ID: pubJWK.KeyID, Algorithm: string(alg), Sealed: sealed, PublicJWK: pubJSON,
		PublishAt: micro(publish), ActivateAt: micro(activate), CreatedAt: micro(now), UpdatedAt: micro(now),
	}, nil
}

func generate(alg jose.SignatureAlgorithm, rsaBits int) (crypto.Signer, error) {
	switch alg {
	case jose.RS256:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case jose.ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("keys: unsupported algorithm %q", alg)
}

// micro is t in UTC to the microsecond, as every store keeps times: the
// node that schedules a key computes from the same instants as those that
// read it back.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// ErrSigning refuses to delete the key that signs now.
var ErrSigning = errors.New("keys: that key signs now; rotate first, and delete it once the next key signs")

// Delete removes the key with id at once, whatever its schedule: for a
// key that must stop verifying now (a compromised key, once its successor
// signs). Tokens it signed stop verifying everywhere within a JWKS max-age.
// The key that signs now cannot be deleted (ErrSigning); an unknown id is
// ErrNotFound.
func (m *Manager) Delete(ctx context.Context, id string) (Record, error) {
	var gone Record
	err := m.store.InRotation(ctx, func(tx Store) error {
		recs, err := tx.ListKeys(ctx)
		if err != nil {
			return fmt.Errorf("list signing keys: %w", err)
		}
		for _, s := range Lifecycle(recs, m.cfg.Now(), m.cfg.retention()) {
			if s.ID != id {
				continue
			}
			if s.State == StateActive {
				return ErrSigning
			}
			gone = s.Record
			return tx.DeleteKey(ctx, id)
		}
		return fmt.Errorf("signing key %s: %w", id, ErrNotFound)
	})
	if err != nil {
		return Record{}, err
	}
	return gone, m.Reload(ctx)
}
