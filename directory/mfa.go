package directory

import (
	"context"
	"fmt"
)

// MFADecision is what the login must do about TOTP for one person acting in
// one tenant.
type MFADecision struct {
	// Policy is the tenant's effective policy.
	Policy MFAPolicy
	// Required is true when the person must pass TOTP (and enrol first if
	// it has not): the tenant requires it, a role or group it holds does,
	// or the client asked for it.
	Required bool
	// Reason says why, for the log and the enrolment page: "tenant policy",
	// "role admins", "group night-shift", "requested by the application".
	Reason string
}

// EffectiveMFA returns the policy of tenant t: the strictest of its own and
// its ancestors', so that a child can tighten its parent's policy but never
// loosen it. With no policy set anywhere it is optional.
func (d *Directory) EffectiveMFA(ctx context.Context, t Tenant) (MFAPolicy, error) {
	best := MFAInherit
	lineage, err := d.lineage(ctx, t)
	if err != nil {
		return "", err
	}
	for _, anc := range lineage {
		pol := anc.Settings.MFA
		if !pol.Valid() {
			pol = MFARequired // unknown must never mean looser
		}
		if pol != MFAInherit && (best == MFAInherit || pol.strength() > best.strength()) {
			best = pol
		}
	}
	if best == MFAInherit {
		best = MFAOptional
	}
	return best, nil
}

// DecideMFA decides what the login does about TOTP for principal p; asked
// is true when the client demanded multi-factor authentication
// (acr_values).
func (d *Directory) DecideMFA(ctx context.Context, p Principal, asked bool) (MFADecision, error) {
	pol, err := d.EffectiveMFA(ctx, p.Tenant)
	if err != nil {
		return MFADecision{}, err
	}
	return decideMFA(pol, p, asked), nil
}

// decideMFA is DecideMFA for p in a tenant whose effective policy is pol.
func decideMFA(pol MFAPolicy, p Principal, asked bool) MFADecision {
	dec := MFADecision{Policy: pol}
	switch {
	case pol == MFARequired:
		dec.Required, dec.Reason = true, "tenant policy"
	case p.MFARequiredBy != "":
		dec.Required, dec.Reason = true, p.MFARequiredBy
	case asked:
		dec.Required, dec.Reason = true, "requested by the application"
	}
	return dec
}

// DecideMFAFor decides for the active user userID acting in tenantID (see
// PrincipalOf and DecideMFAOf).
func (d *Directory) DecideMFAFor(ctx context.Context, userID, tenantID string, asked bool) (MFADecision, error) {
	u, p, err := d.PrincipalOf(ctx, userID, tenantID)
	if err != nil {
		return MFADecision{}, err
	}
	return d.DecideMFAOf(ctx, u, p, asked)
}

// DecideMFAOf decides for user u acting as principal p (as PrincipalOf
// returns them), for callers that have resolved them already: the login,
// single sign-on and refresh all decide through here.
//
// An external user acting in a tenant it is linked to must also meet its
// home tenant's requirement (policy, roles, groups): TOTP belongs to the
// person, and choosing a looser tenant must not be a way around it.
func (d *Directory) DecideMFAOf(ctx context.Context, u User, p Principal, asked bool) (MFADecision, error) {
	dec, err := d.DecideMFA(ctx, p, asked)
	if err != nil || dec.Required || p.Tenant.ID == u.TenantID {
		return dec, err
	}
	b, err := d.Book(ctx, d.store, u.TenantID)
	if err != nil {
		return MFADecision{}, err
	}
	home := b.Resolve(u.Assignment())
	homeDec, err := d.DecideMFA(ctx, home, false)
	if err != nil {
		return MFADecision{}, err
	}
	if homeDec.Required {
		dec.Required, dec.Reason = true, homeDec.Reason+" of the home tenant "+home.Tenant.Slug
	}
	return dec, nil
}

// HomeMFAOf decides, for each of users (in that order), what the login
// does about TOTP when the user signs in to its home tenant and the client
// does not ask for it: DecideMFAOf for the user as PrincipalOf resolves it
// at home, for disabled users too (what they would need if enabled). Each
// tenant's roles, groups and policy are read once, not once a user.
func (d *Directory) HomeMFAOf(ctx context.Context, users []User) ([]MFADecision, error) {
	type home struct {
		b   *Book
		pol MFAPolicy
	}
	homes := map[string]home{}
	out := make([]MFADecision, len(users))
	for i, u := range users {
		h, ok := homes[u.TenantID]
		if !ok {
			b, err := d.Book(ctx, d.store, u.TenantID)
			if err != nil {
				return nil, err
			}
			pol, err := d.EffectiveMFA(ctx, b.Tenant)
			if err != nil {
				return nil, err
			}
			h = home{b: b, pol: pol}
			homes[u.TenantID] = h
		}
		// DecideMFA with asked false, where DecideMFAOf stops for a
		// principal of the user's home tenant.
		out[i] = decideMFA(h.pol, h.b.Resolve(u.Assignment()), false)
	}
	return out, nil
}

// lineage returns the tenants on t's path, from the root down to t itself:
// what a policy that is inherited and tightened down the tree reads.
func (d *Directory) lineage(ctx context.Context, t Tenant) ([]Tenant, error) {
	out := make([]Tenant, 0, len(t.Path))
	for _, id := range t.Path {
		if id == t.ID {
			out = append(out, t)
			continue
		}
		anc, err := d.store.TenantByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("tenant %s in the path of %s: %w", id, t.Slug, err)
		}
		out = append(out, anc)
	}
	return out, nil
}
