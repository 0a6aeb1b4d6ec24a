package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/onetime"
)

// Mailed links: the invitation (seeds 000, 003) and the password reset
// (seed 004). Both end with a person choosing a password at a page the
// link opens; the difference is whom they are for:
//
//   - an invitation is for a pending user (one without a password): it
//     works for InvitationLifetime (14 days), and sending a new one kills
//     the old link;
//   - a reset link is for a user with a password, who forgot it: it works
//     for ResetLifetime (an hour); an administrator's new one kills the
//     others, and so does using one, but a person asking for one does not
//     (anyone may ask for any account, and must not kill its links). Using it ends every session and refresh
//     token of the user (RevokedBefore): whoever knew the old password is
//     signed out.
//
// Using either link proves the person reads the user's mailbox, so it
// marks the email address verified, and it clears "must change password":
// the person has just chosen one. Disabled, deleted and purged users get
// no link; a change of address or password, or disabling or deleting the
// user, kills its live links (storeUser), for good.
//
// Only the hash of a link's secret is stored (package onetime); the secret
// is in the MailLink returned once, for the mail, and in no log or event.
// A link is used in one transaction with the password it sets: a password
// the policy refuses leaves the link as it was, to try again.

// MailLink is a link to mail to a person. Secret goes into the link's URL
// and nowhere else; the other fields are what the mail and the audit log
// say.
type MailLink struct {
	Purpose onetime.Purpose
	Secret  string
	User    User
	Tenant  Tenant
	// ClientID is the portal to continue to once the password is set;
	// empty for none (the person goes to the account page).
	ClientID  string
	ExpiresAt time.Time
	// Revoked counts the earlier links of the same purpose this one
	// killed (a resent invitation).
	Revoked int
}

// LogValue leaves the secret out of logs: it is the link.
func (l MailLink) LogValue() slog.Value {
	return slog.GroupValue(slog.String("purpose", string(l.Purpose)), slog.String("user_id", l.User.ID),
		slog.String("tenant_id", l.Tenant.ID), slog.String("client_id", l.ClientID), slog.Time("expires_at", l.ExpiresAt))
}

// String leaves the secret out of anything printed with fmt.
func (l MailLink) String() string {
	return fmt.Sprintf("%s link for user %s until %s", l.Purpose, l.User.ID, l.ExpiresAt.UTC().Format(time.RFC3339))
}

// ErrLinkUnusable: the link's user can no longer use it, though the link
// itself is live: the user was disabled, or (for an invitation) has set a
// password since. The page says to ask an administrator.
var ErrLinkUnusable = errors.New("the link's account cannot use it")

// InviteFor sends (or sends again) an invitation to the pending user with
// id, for a caller that manages it: a new link, valid for the invitation
// lifetime from now, which kills every earlier one. clientID, if set, is
// the portal the person continues to once the password is set. A user
// with a password is ErrConflict (send a reset link instead); one that is
// disabled is ErrConflict too, and one without an email address a
// *FieldError on email.
func (d *Directory) InviteFor(ctx context.Context, c Caller, id, clientID string) (MailLink, error) {
	var l MailLink
	err := d.store.InTx(ctx, func(s Store) error {
		u, b, err := d.managedUser(ctx, s, c, id)
		if err != nil {
			return err
		}
		switch {
		case u.PasswordHash != "":
			return fmt.Errorf("user %s has a password already: send a password reset link instead: %w", u.Username, ErrConflict)
		case u.Disabled:
			return fmt.Errorf("user %s is disabled: enable it before inviting it: %w", u.Username, ErrConflict)
		}
		if err := needEmail(u); err != nil {
			return err
		}
		if err := portalFor(ctx, s, b.Tenant, clientID); err != nil {
			return err
		}
		l, err = d.issue(ctx, s, onetime.PurposeInvitation, u, b.Tenant, clientID, c.AuditActor(), d.invitation, true)
		return err
	})
	return l, err
}

// portalFor checks that the person of tenant t may be sent on to the
// portal clientID once its password is set: a portal of the whole
// platform (no tenant), or one of t or of a tenant above it. Another
// tenant's portal is as absent as an unknown one, so that an
// administrator learns nothing of other tenants' clients.
func portalFor(ctx context.Context, s Store, t Tenant, clientID string) error {
	if clientID == "" {
		return nil
	}
	_, err := portalOf(ctx, s, t, clientID)
	if errors.Is(err, ErrNotFound) {
		return fieldErr("client_id", "no client has id %q", clientID)
	}
	return err
}

// portalOf is the client clientID if a person of tenant t may go on to it
// (portalFor), and ErrNotFound otherwise.
func portalOf(ctx context.Context, s Store, t Tenant, clientID string) (Client, error) {
	c, err := s.ClientByID(ctx, clientID)
	if err == nil && c.TenantID != "" && !slices.Contains(t.Path, c.TenantID) {
		return Client{}, fmt.Errorf("client %s is another tenant's: %w", clientID, ErrNotFound)
	}
	return c, err
}

// LinkPortal is the portal the person of the link l goes on to once its
// password is set, read from s and checked again as when the link was
// made: a client deleted since, or whose id another tenant's client has
// taken since, is ErrNotFound, as is a link that names none.
func LinkPortal(ctx context.Context, s Store, l MailLink) (Client, error) {
	if l.ClientID == "" {
		return Client{}, fmt.Errorf("the link names no portal: %w", ErrNotFound)
	}
	return portalOf(ctx, s, l.Tenant, l.ClientID)
}

// InviteUserFor creates the pending user nu (without a password; see
// CreateUserFor) and its invitation, in one transaction.
func (d *Directory) InviteUserFor(ctx context.Context, c Caller, nu NewUser, clientID string) (User, MailLink, error) {
	if nu.Password != "" || nu.PasswordHash != "" {
		return User{}, MailLink{}, fieldErr("password", "an invited person chooses its own password: leave it out")
	}
	var l MailLink
	err := d.Atomically(ctx, func(bound *Directory, _ Store) error {
		u, err := bound.CreateUserFor(ctx, c, nu)
		if err != nil {
			return err
		}
		l, err = bound.InviteFor(ctx, c, u.ID, clientID)
		return err
	})
	if err != nil {
		return User{}, MailLink{}, err
	}
	return l.User, l, nil
}

// ResetLinkFor makes a password reset link for the user with id, for a
// caller that manages it ("send password reset link"): it kills every
// earlier reset link. A pending user is ErrConflict (send an invitation
// instead), and so is a disabled one; one without an email address is a
// *FieldError on email.
func (d *Directory) ResetLinkFor(ctx context.Context, c Caller, id string) (MailLink, error) {
	var l MailLink
	err := d.store.InTx(ctx, func(s Store) error {
		u, b, err := d.managedUser(ctx, s, c, id)
		if err != nil {
			return err
		}
		switch {
		case u.PasswordHash == "":
			return fmt.Errorf("user %s has no password yet: send an invitation instead: %w", u.Username, ErrConflict)
		case u.Disabled:
			return fmt.Errorf("user %s is disabled: enable it before resetting its password: %w", u.Username, ErrConflict)
		}
		if err := needEmail(u); err != nil {
			return err
		}
		l, err = d.issue(ctx, s, onetime.PurposePasswordReset, u, b.Tenant, "", c.AuditActor(), d.reset, true)
		return err
	})
	return l, err
}

// RequestReset makes a reset link for a person who forgot its password
// and names its account by tenant and username, as at login. It returns
// ErrNotFound, and does nothing, when no mail should go: an unknown
// tenant or user, a deleted, disabled or pending one, or one without an
// email address. The caller answers the same either way, so that the
// answer reveals no account; it also throttles the requests.
func (d *Directory) RequestReset(ctx context.Context, tenantSlug, username string) (MailLink, error) {
	slug, username := NormalizeSlug(tenantSlug), NormalizeUsername(username)
	if ValidateSlug(slug) != nil || ValidateUsername(username) != nil {
		return MailLink{}, ErrNotFound
	}
	var l MailLink
	err := d.store.InTx(ctx, func(s Store) error {
		t, err := s.TenantBySlug(ctx, slug)
		if err != nil {
			return err
		}
		u, err := s.UserByUsername(ctx, t.ID, username)
		if err != nil {
			return err
		}
		if u.Deleted() || u.Disabled || u.PasswordHash == "" || u.Email == "" {
			return fmt.Errorf("user %s gets no reset link: %w", u.ID, ErrNotFound)
		}
		// Earlier links stay: anyone may ask for a link for any account,
		// and revoking would let them kill the person's own (using any
		// link kills the others).
		l, err = d.issue(ctx, s, onetime.PurposePasswordReset, u, t, "", "", d.reset, false)
		return err
	})
	return l, err
}

// issue stores a new link of purpose for u, valid for lifetime, and if
// revoke is set revokes the user's earlier links of that purpose. A link
// to mail needs an address (needEmail); a bootstrap link is printed
// instead.
func (d *Directory) issue(ctx context.Context, s Store, purpose onetime.Purpose, u User, t Tenant, clientID, by string,
	lifetime time.Duration, revoke bool) (MailLink, error) {
	now := d.now().UTC()
	var revoked int
	if revoke {
		var err error
		if revoked, err = s.RevokeTokens(ctx, u.ID, purpose, now); err != nil {
			return MailLink{}, err
		}
	}
	secret, hash := onetime.New()
	tok := onetime.Token{Hash: hash, Purpose: purpose, UserID: u.ID, TenantID: t.ID, CreatedBy: by, ClientID: clientID,
		CreatedAt: now, ExpiresAt: now.Add(lifetime)}
	if err := s.CreateToken(ctx, tok); err != nil {
		return MailLink{}, err
	}
	return MailLink{Purpose: purpose, Secret: secret, User: u, Tenant: t, ClientID: clientID, ExpiresAt: tok.ExpiresAt,
		Revoked: revoked}, nil
}

// storeUser writes after, the user before changed, and ends its live
// links if the change was one a link must not outlive: a new address (the
// link went to the old one, whose reader must neither set the password
// nor verify the new address), a new password (a reset link is for a
// forgotten one, an invitation for none), or the user disabled or
// deleted. Enabling or restoring the user later brings no link back.
func storeUser(ctx context.Context, s Store, before, after User, now time.Time) error {
	if after.Email != before.Email || after.PasswordHash != before.PasswordHash ||
		after.Disabled && !before.Disabled || after.Deleted() && !before.Deleted() {
		for _, p := range []onetime.Purpose{onetime.PurposeInvitation, onetime.PurposePasswordReset} {
			if _, err := s.RevokeTokens(ctx, after.ID, p, now); err != nil {
				return err
			}
		}
	}
	return s.UpdateUser(ctx, after)
}

// needEmail refuses to make a link to mail for a user without an address.
func needEmail(u User) error {
	if u.Email == "" {
		return fieldErr("email", "is needed to mail a link: give user %s an email address first", u.Username)
	}
	return nil
}

// OpenLink says whether the link with secret can be used now, before the
// person types a password: the link (without its secret) if so, and
// otherwise onetime.ErrNotFound, ErrUsed or ErrExpired, or
// ErrLinkUnusable. A link whose user is gone is onetime.ErrNotFound.
func (d *Directory) OpenLink(ctx context.Context, purpose onetime.Purpose, secret string) (MailLink, error) {
	tok, err := d.store.PeekToken(ctx, onetime.Hash(secret), purpose, d.now().UTC())
	if err != nil {
		return MailLink{}, err
	}
	return d.linkOf(ctx, d.store, tok)
}

// UseLink uses the link with secret to set the password pw, in one
// transaction: the link is used up, the password (which the policy must
// allow, a *FieldError on password if not) set, the email address marked
// verified and "must change password" cleared; a reset also ends every
// session and token of the user, and kills its other reset links. It
// returns the user as it is now and the link (without its secret). It
// fails as OpenLink does; then, and when the policy refuses the password,
// nothing changes and the link stays as it was.
func (d *Directory) UseLink(ctx context.Context, purpose onetime.Purpose, secret, pw string) (User, MailLink, error) {
	var (
		out User
		l   MailLink
	)
	err := d.store.InTx(ctx, func(s Store) error {
		now := d.now().UTC()
		tok, err := s.RedeemToken(ctx, onetime.Hash(secret), purpose, now)
		if err != nil {
			return err
		}
		if l, err = d.linkOf(ctx, s, tok); err != nil {
			return err
		}
		before, u := l.User, l.User
		if err := d.choosePassword(&u, l.Tenant, pw); err != nil {
			return err
		}
		u.EmailVerified, u.UpdatedAt = true, now
		if purpose == onetime.PurposePasswordReset {
			u.RevokedBefore = now
		}
		out, l.User = u, u
		return storeUser(ctx, s, before, u, now) // the new password ends every other link
	})
	if err != nil {
		return User{}, MailLink{}, err
	}
	return out, l, nil
}

// linkOf is the live token tok with its user and tenant, or why the user
// cannot use it.
func (d *Directory) linkOf(ctx context.Context, s Store, tok onetime.Token) (MailLink, error) {
	u, err := s.UserByID(ctx, tok.UserID)
	if errors.Is(err, ErrNotFound) || err == nil && u.Deleted() {
		return MailLink{}, fmt.Errorf("the user of a %s link is gone: %w", tok.Purpose, onetime.ErrNotFound)
	}
	if err != nil {
		return MailLink{}, err
	}
	switch {
	case u.Disabled:
		return MailLink{}, fmt.Errorf("user %s is disabled: %w", u.ID, ErrLinkUnusable)
	case tok.Purpose == onetime.PurposeInvitation && u.PasswordHash != "":
		return MailLink{}, fmt.Errorf("user %s has set a password since it was invited: %w", u.ID, ErrLinkUnusable)
	case tok.Purpose == onetime.PurposePasswordReset && u.PasswordHash == "":
		return MailLink{}, fmt.Errorf("user %s has no password to reset: %w", u.ID, ErrLinkUnusable)
	}
	t, err := s.TenantByID(ctx, u.TenantID)
	if err != nil {
		return MailLink{}, err
	}
	return MailLink{Purpose: tok.Purpose, User: u, Tenant: t, ClientID: tok.ClientID, ExpiresAt: tok.ExpiresAt}, nil
}

// LinkKeep is how long a link's row stays after it expired: long enough
// for its page to tell someone who is just late "this link expired, ask
// for a new one" rather than "this link is not valid".
const LinkKeep = 30 * 24 * time.Hour

// DeleteExpiredLinks removes the links that expired more than LinkKeep
// ago, used or not, and returns how many: the purge job runs it.
func (d *Directory) DeleteExpiredLinks(ctx context.Context) (int, error) {
	return d.store.DeleteExpiredTokens(ctx, d.now().Add(-LinkKeep))
}
