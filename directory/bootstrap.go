package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/onetime"
)

// First start: an installation whose database holds no administrator is
// made administrable by one invitation, printed once for the operator
// (gatehouse admin bootstrap), never mailed: there may be no mail server
// yet, nor anyone to mail.

// Bootstrap says whom to make the installation's first administrator.
type Bootstrap struct {
	// TenantSlug and TenantName name the system tenant, created if there
	// is none; an existing one keeps its names.
	TenantSlug, TenantName string
	// Username is the first administrator of the system tenant; Email
	// is optional (the link is printed, not mailed).
	Username, Email string
	// Lifetime is how long the printed link works.
	Lifetime time.Duration
}

// BootstrapLifetime is how long a bootstrap link works: the operator who
// started the installation uses it at once; a new one is one command away.
const BootstrapLifetime = 24 * time.Hour

// ErrBootstrapped refuses to bootstrap an installation that has an
// administrator with a password already: it is administered through the
// API, the directory file or the mfa and keys commands from then on.
var ErrBootstrapped = fmt.Errorf("the system tenant has an administrator already: %w", ErrConflict)

// Bootstrap creates the system tenant if there is none and the pending
// administrator b.Username in it if it does not exist, and returns an
// invitation link for it, revoking any earlier one: run again, it gives a
// new link, until the administrator has set a password (then
// ErrBootstrapped). An existing user of that name that is not a pending
// administrator is ErrBootstrapped too. Two nodes bootstrapping one empty
// database at once create one tenant and one user; the loser's
// transaction fails or is run again and finds them. record runs in the
// same transaction with the link made (to audit it): a bootstrap that
// cannot be recorded is not made.
func (d *Directory) Bootstrap(ctx context.Context, b Bootstrap, record func(s Store, l MailLink) error) (MailLink, error) {
	if b.Lifetime <= 0 {
		b.Lifetime = BootstrapLifetime
	}
	var l MailLink
	err := d.Atomically(ctx, func(bound *Directory, s Store) error {
		sys, err := systemTenant(ctx, s)
		if errors.Is(err, ErrNotFound) {
			sys, err = bound.addTenant(ctx, s, b.TenantSlug, b.TenantName, LevelSystem, "")
			if err == nil {
				err = bound.EnsureTenantDefaults(ctx)
			}
		}
		if err != nil {
			return err
		}
		users, err := s.ListUsers(ctx, sys.ID)
		if err != nil {
			return err
		}
		var admin *User
		for i, u := range users {
			switch {
			case u.TenantRole == TenantRoleAdmin && u.PasswordHash != "" && !u.Deleted() && !u.Disabled:
				return fmt.Errorf("%s/%s: %w", sys.Slug, u.Username, ErrBootstrapped)
			case u.Username == NormalizeUsername(b.Username):
				admin = &users[i]
			}
		}
		if admin != nil && (admin.TenantRole != TenantRoleAdmin || admin.PasswordHash != "" || admin.Deleted() || admin.Disabled) {
			return fmt.Errorf("user %s/%s exists and is not a pending administrator: %w", sys.Slug, admin.Username, ErrBootstrapped)
		}
		if admin == nil {
			u, _, err := bound.PutUser(ctx, s, NewUser{TenantSlug: sys.Slug, Username: b.Username, Email: b.Email,
				TenantRole: TenantRoleAdmin})
			if err != nil {
				return err
			}
			admin = &u
		}
		if l, err = bound.issue(ctx, s, onetime.PurposeInvitation, *admin, sys, "", "operator", b.Lifetime, true); err != nil {
			return err
		}
		return record(s, l)
	})
	return l, err
}
