package directory

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Users as the administration API manages them, for a Caller (caller.go).

// UserFilter narrows a list of users and orders it. Empty fields match
// everything.
type UserFilter struct {
	// Query matches, case-insensitively, part of the username, the name or
	// the email address (see UserQuery.Text for what case means here).
	Query      string
	GlobalRole string // holds this global role directly
	Group      string // is in this group
	// ServiceRole is "service:role": holds this service role directly.
	ServiceRole string
	Enabled     *bool
	// Deleted says what to do with deleted users: leave them out (the
	// default), include them, or list only them.
	Deleted DeletedFilter
	// MFA keeps the users who have (MFAEnrolled) or have not
	// (MFANotEnrolled) enrolled TOTP.
	MFA MFAFilter
	// Sort is the order; by username if empty.
	Sort UserSort
	// After is the cursor: the next_cursor of the previous page, which
	// must have been made for the same Sort.
	After string
	// Limit is the page size; 50 if zero, at most 500.
	Limit int
}

// UserQuery is a page of one tenant's users as a Store reads it
// (Store.QueryUsers): UserFilter once UsersFor has checked it, with the
// service role split and the cursor decoded. It asks for the users that
// match every filter set, in the order Sort, after After, at most Limit.
// Empty fields match everything.
type UserQuery struct {
	TenantID string // the users' home tenant
	// Text, if set, matches part of the username, the email address, the
	// given, family or display name, or of "given family" (the two names
	// and a space). Case is ignored: both sides are lower-cased by
	// strings.ToLower, so that ÖMER matches Ömer and josé JOSÉ, the same
	// in every language: Turkish İ and I are both i, and ı matches only
	// ı. Accents count (o does not match ö).
	// A line break is a space, on both sides. '%' and '_' are characters
	// like any other. A user stored before Gatehouse did so (0012) and
	// not written since is matched case-insensitively for A-Z only, as
	// before, until its next change.
	Text       string
	GlobalRole string // holds this global role directly
	Group      string // is in this group
	// Service and ServiceRole, both set or neither: holds ServiceRole in
	// Service directly.
	Service, ServiceRole string
	Enabled              *bool
	Deleted              DeletedFilter
	// MFA keeps the users who have (MFAEnrolled) or have not
	// (MFANotEnrolled) a TOTP credential.
	MFA MFAFilter
	// Sort is one of the four orders (not empty).
	Sort UserSort
	// After, if set, is where the page starts: with the users strictly
	// after it in the order Sort, whether or not a user with its key and
	// id exists or matches.
	After *UserCursor
	// Limit is the most users returned; it must be positive.
	Limit int
}

// UserCursor is a position in a list of users: a sort key and the id that
// breaks ties. Only the key of the query's sort is read: Username for the
// username orders, CreatedAt for the created ones.
type UserCursor struct {
	Username  string
	CreatedAt time.Time
	ID        string
}

// MFAFilter filters users on their TOTP enrolment.
type MFAFilter string

// The values of UserFilter.MFA.
const (
	MFAEnrolled    MFAFilter = "enrolled"
	MFANotEnrolled MFAFilter = "not_enrolled"
)

// DeletedFilter says whether a list of users shows deleted users.
type DeletedFilter string

// The values of UserFilter.Deleted.
const (
	DeletedExclude DeletedFilter = ""
	DeletedInclude DeletedFilter = "include"
	DeletedOnly    DeletedFilter = "only"
)

// UserSort is the order of a list of users: a key, ascending, or
// descending with a leading "-". Users with the same key are ordered by id
// (the same way), so that the order is total and a cursor exact. Keys
// compare byte by byte (usernames) or as instants (created).
type UserSort string

// The orders of a list of users.
const (
	SortUsername     UserSort = "username"
	SortUsernameDesc UserSort = "-username"
	SortCreated      UserSort = "created"
	SortCreatedDesc  UserSort = "-created"
)

// MaxUserPage is the largest page of users.
const MaxUserPage = 500

// UsersFor lists the users of the tenant slug, in the order f.Sort, a page
// at a time: the page, and the cursor of the next one ("" after the last).
// A filter, a sort or a cursor that is not valid is a *FieldError naming
// it (mfa, service_role, sort, cursor).
//
// The store reads the page (Store.QueryUsers), one user more than it
// holds to tell whether another follows, from an index in the page's
// order: a page costs about what its users do, not what the tenant's do.
// The exception is a filter few users pass, a text above all, which the
// store tests against the tenant's users until the page is full
// (BenchmarkUsersFor).
func (d *Directory) UsersFor(ctx context.Context, c Caller, slug string, f UserFilter) ([]User, string, error) {
	t, err := d.tenantFor(ctx, d.store, c, slug, "users", AccessRead)
	if err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, MaxUserPage)
	if f.Sort == "" {
		f.Sort = SortUsername
	}
	switch f.Sort {
	case SortUsername, SortUsernameDesc, SortCreated, SortCreatedDesc:
	default:
		return nil, "", fieldErr("sort", "must be one of username, -username, created, -created")
	}
	q := UserQuery{TenantID: t.ID, Text: strings.TrimSpace(f.Query), GlobalRole: f.GlobalRole, Group: f.Group,
		Enabled: f.Enabled, Deleted: f.Deleted, MFA: f.MFA, Sort: f.Sort, Limit: f.Limit + 1}
	if f.After != "" {
		after, err := decodeUserCursor(f.After, f.Sort)
		if err != nil {
			return nil, "", err
		}
		q.After = &after
	}
	if f.ServiceRole != "" {
		var ok bool
		q.Service, q.ServiceRole, ok = strings.Cut(f.ServiceRole, ":")
		if !ok || ValidateName("service_role", q.Service) != nil || ValidateName("service_role", q.ServiceRole) != nil {
			return nil, "", fieldErr("service_role", "must be service:role, such as webshop:quotation")
		}
	}
	switch f.MFA {
	case "", MFAEnrolled, MFANotEnrolled:
	default:
		return nil, "", fieldErr("mfa", "must be %s or %s", MFAEnrolled, MFANotEnrolled)
	}
	switch f.Deleted {
	case DeletedExclude, DeletedInclude, DeletedOnly:
	default:
		return nil, "", fieldErr("deleted", "must be %s or %s (without it, deleted users are left out)", DeletedInclude, DeletedOnly)
	}
	users, err := d.store.QueryUsers(ctx, q)
	if err != nil {
		return nil, "", err
	}
	if len(users) > f.Limit {
		page := users[:f.Limit:f.Limit]
		return page, encodeUserCursor(f.Sort, page[len(page)-1]), nil
	}
	return users, "", nil
}

// A user cursor is opaque to clients: base64url (no padding) of the sort,
// the sort key of the last user of the page and that user's id, as a JSON
// array. The key of created is the creation time in Unix nanoseconds.

func encodeUserCursor(s UserSort, u User) string {
	key := u.Username
	if strings.TrimPrefix(string(s), "-") == "created" {
		key = strconv.FormatInt(u.CreatedAt.UnixNano(), 10)
	}
	raw, _ := json.Marshal([]string{string(s), key, u.ID}) // strings always marshal
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeUserCursor returns the position a cursor for sort s points at, or
// a *FieldError for a cursor that is not one, or was made for another
// sort.
func decodeUserCursor(cursor string, s UserSort) (UserCursor, error) {
	bad := fieldErr("cursor", "is not a cursor this API gave out")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(cursor) > 1024 {
		return UserCursor{}, bad
	}
	var parts []string
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) != 3 || parts[2] == "" {
		return UserCursor{}, bad
	}
	if parts[0] != string(s) {
		return UserCursor{}, fieldErr("cursor", "was given out for sort %q, not %q: start again without a cursor", parts[0], s)
	}
	c := UserCursor{Username: parts[1], ID: parts[2]}
	if strings.TrimPrefix(string(s), "-") == "created" {
		ns, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return UserCursor{}, bad
		}
		c.Username, c.CreatedAt = "", time.Unix(0, ns).UTC()
	}
	return c, nil
}

// UserFor returns the user with id, if the caller may read the users of
// its tenant.
func (d *Directory) UserFor(ctx context.Context, c Caller, id string) (User, error) {
	u, _, err := d.userFor(ctx, d.store, c, id, AccessRead)
	return u, err
}

// ManagedUserFor returns the user with id if the caller may manage it
// (users:change in its tenant, or users:create and owning it, and able to
// grant what it holds: see managedUser): what every change to a user, the
// TOTP reset included, checks first.
func (d *Directory) ManagedUserFor(ctx context.Context, c Caller, id string) (User, error) {
	u, _, err := d.managedUser(ctx, d.store, c, id)
	return u, err
}

// userFor loads the user with id and its home tenant for access a by the
// caller (Caller.authorizeUser): a user outside the caller's subtree is
// ErrNotFound.
func (d *Directory) userFor(ctx context.Context, s Store, c Caller, id string, a Access) (User, Tenant, error) {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return User{}, Tenant{}, err
	}
	t, err := s.TenantByID(ctx, u.TenantID)
	if err != nil {
		return User{}, Tenant{}, err
	}
	if err := c.authorizeUser(t, u, a); err != nil {
		return User{}, Tenant{}, fmt.Errorf("user %s: %w", id, err)
	}
	return u, t, nil
}

// managedUser loads the user with id for a change by the caller: userFor
// for change, and the caller must be able to grant everything the user
// holds (checkHolds). It returns the user and its home tenant's book. A
// deleted user is ErrUserDeleted: it is only restored or purged
// (managedUserOrDeleted).
func (d *Directory) managedUser(ctx context.Context, s Store, c Caller, id string) (User, *Book, error) {
	u, b, err := d.managedUserOrDeleted(ctx, s, c, id)
	if err == nil && u.Deleted() {
		return User{}, nil, fmt.Errorf("user %s: %w", id, ErrUserDeleted)
	}
	return u, b, err
}

// managedUserOrDeleted is managedUser for restoring and purging, which a
// deleted user allows.
func (d *Directory) managedUserOrDeleted(ctx context.Context, s Store, c Caller, id string) (User, *Book, error) {
	u, t, err := d.userFor(ctx, s, c, id, AccessChange)
	if err != nil {
		return User{}, nil, err
	}
	b, err := d.bookOf(ctx, s, t)
	if err != nil {
		return User{}, nil, err
	}
	if err := d.checkHolds(ctx, s, c, u, b); err != nil {
		return User{}, nil, err
	}
	return u, b, nil
}

// checkHolds refuses to let c manage u unless c could grant everything u
// holds, at home (whose book is b) and in every tenant u is linked to
// (each of which c must reach): otherwise a user manager could disable,
// demote or take over an administrator, or a customer's administrator a
// provider's administrator linked into the customer.
func (d *Directory) checkHolds(ctx context.Context, s Store, c Caller, u User, b *Book) error {
	refuse := func(where Tenant, err error) error {
		var fe *FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("user %s holds in %s what you could not grant (%s): %w", u.ID, where.Slug, fe.Reason, ErrForbidden)
		}
		return err
	}
	if err := b.CheckGrant(c.Principal, u.Assignment()); err != nil {
		return refuse(b.Tenant, err)
	}
	links, err := s.LinksOfUser(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, l := range links {
		t, err := s.TenantByID(ctx, l.TenantID)
		if err != nil {
			return err
		}
		if !c.Reaches(t) {
			return fmt.Errorf("user %s is linked to a tenant out of your reach: %w", u.ID, ErrForbidden)
		}
		lb, err := d.bookOf(ctx, s, t)
		if err != nil {
			return err
		}
		if err := lb.CheckGrant(c.Principal, l.Assignment()); err != nil {
			return refuse(t, err)
		}
	}
	return nil
}

// CreateUserFor creates a user in the tenant nu.TenantSlug for a caller
// holding users:create there. A caller without users:change becomes the
// new user's owner (it may only manage users it owns), which needs it to
// be a user of the same tenant. The caller grants nothing it does not
// hold. A username taken in the tenant is ErrConflict.
func (d *Directory) CreateUserFor(ctx context.Context, c Caller, nu NewUser) (User, error) {
	if nu.EmailVerified && !c.administersPlatform() {
		return User{}, errVouch
	}
	var out User
	err := d.store.InTx(ctx, func(s Store) error {
		t, err := d.tenantFor(ctx, s, c, nu.TenantSlug, "users", AccessCreate)
		if err != nil {
			return err
		}
		if !c.Can("users", AccessChange) {
			if c.UserID == "" || c.Principal.Tenant.ID != t.ID {
				return fmt.Errorf("users:create alone creates users of one's own tenant, which one then owns: %w", ErrForbidden)
			}
			me, err := s.UserByID(ctx, c.UserID)
			if err != nil {
				return err
			}
			nu.Owner = me.Username
		}
		if err := ValidateUsername(NormalizeUsername(nu.Username)); err != nil {
			return err
		}
		prev, err := s.UserByUsername(ctx, t.ID, NormalizeUsername(nu.Username))
		if err == nil && prev.Deleted() {
			return fieldErrIs("username", ErrConflict, "%q belongs to a deleted user of tenant %s: restore or purge it first",
				prev.Username, t.Slug)
		}
		if err := taken(err, "username", "%q is taken in tenant %s", NormalizeUsername(nu.Username), t.Slug); err != nil {
			return err
		}
		if err := checkQuota(ctx, s, t); err != nil {
			return err
		}
		if nu.Password != "" {
			// A person chooses this password (or an administrator for
			// them): the policy applies, as it does wherever a person
			// sets one. The operator's directory file is not held to it.
			if _, err := d.policy.Check(nu.Password, passwordInputs(t, NormalizeUsername(nu.Username), nu.Email, nu.GivenName,
				nu.FamilyName, nu.DisplayName)...); err != nil {
				return policyErr(err)
			}
		}
		b, err := d.bookOf(ctx, s, t)
		if err != nil {
			return err
		}
		if err := b.CheckGrant(c.Principal, Assignment{TenantRole: nu.TenantRole, GlobalRoles: nu.GlobalRoles,
			ServiceRoles: nu.ServiceRoles, Groups: nu.Groups}); err != nil {
			return err
		}
		u, _, err := d.PutUser(ctx, s, nu)
		out = u
		return err
	})
	return out, err
}

// UserUpdate changes a user's profile and whether it may sign in. Nil
// fields stay as they are; the username never changes (seed 004).
type UserUpdate struct {
	Email             *string
	EmailVerified     *bool
	GivenName         *string
	FamilyName        *string
	DisplayName       *string
	PreferredLanguage *string
	Phone             *string
	JobTitle          *string
	OfficeLocation    *string
	Enabled           *bool
	// MustChangePassword true makes the next login ask for a new password
	// before any token is issued; false withdraws that.
	MustChangePassword *bool
}

// UpdateUserFor applies up to the user with id, for a caller that manages
// it. A caller cannot disable itself.
func (d *Directory) UpdateUserFor(ctx context.Context, c Caller, id string, up UserUpdate) (User, User, error) {
	var before, after User
	err := d.store.InTx(ctx, func(s Store) error {
		u, _, err := d.managedUser(ctx, s, c, id)
		if err != nil {
			return err
		}
		before, after = u, u
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = strings.TrimSpace(*v)
			}
		}
		set(&after.Email, up.Email)
		set(&after.GivenName, up.GivenName)
		set(&after.FamilyName, up.FamilyName)
		set(&after.DisplayName, up.DisplayName)
		set(&after.PreferredLanguage, up.PreferredLanguage)
		set(&after.Phone, up.Phone)
		set(&after.JobTitle, up.JobTitle)
		set(&after.OfficeLocation, up.OfficeLocation)
		if after.Email != before.Email {
			after.EmailVerified = false // a new address is not verified
		}
		if up.EmailVerified != nil {
			after.EmailVerified = *up.EmailVerified
		}
		if after.EmailVerified && !before.EmailVerified && !c.administersPlatform() {
			return errVouch
		}
		if up.Enabled != nil {
			if !*up.Enabled && u.ID == c.UserID {
				return fieldErr("enabled", "you cannot disable yourself")
			}
			after.Disabled = !*up.Enabled
		}
		if up.MustChangePassword != nil {
			after.MustChangePassword = *up.MustChangePassword
		}
		if err := validateEmail(after.Email); err != nil {
			return err
		}
		if err := validateProfile(after.Phone, after.JobTitle, after.OfficeLocation); err != nil {
			return err
		}
		if sameProfile(before, after) && before.MustChangePassword == after.MustChangePassword {
			return nil
		}
		after.UpdatedAt = d.now().UTC()
		if after.Disabled && !before.Disabled {
			// Its sessions and tokens end now, and enabling it again
			// revives none of them.
			after.RevokedBefore = after.UpdatedAt
		}
		return storeUser(ctx, s, before, after, after.UpdatedAt)
	})
	return before, after, err
}

// SetRolesFor replaces what the user with id holds in its tenant, for a
// caller that manages it (see SetRoles: the caller grants nothing it does
// not hold).
func (d *Directory) SetRolesFor(ctx context.Context, c Caller, id string, a Assignment) (User, User, error) {
	var before, after User
	err := d.store.InTx(ctx, func(s Store) error {
		u, b, err := d.managedUser(ctx, s, c, id)
		if err != nil {
			return err
		}
		before = u
		after, err = d.assignRoles(ctx, s, b, u, &c.Principal, a)
		return err
	})
	return before, after, err
}

// RolesCopy is what CopyRolesFor did: the source, and the target before
// and after.
type RolesCopy struct {
	From, Before, After User
}

// CopyRolesFor copies onto the user toID the roles of the user fromID, of
// the same tenant (CopyRoles, in mode), for a caller that manages toID
// (users:change, or users:create and owning it) and may read fromID
// (users:read). The caller grants nothing it does not hold: as with
// SetRolesFor, it must be able to grant everything toID holds afterwards.
// A source that does not exist, or is out of the caller's reach, is a
// *FieldError on from.
func (d *Directory) CopyRolesFor(ctx context.Context, c Caller, fromID, toID string, mode CopyMode) (RolesCopy, error) {
	var out RolesCopy
	err := d.store.InTx(ctx, func(s Store) error {
		to, b, err := d.managedUser(ctx, s, c, toID)
		if err != nil {
			return err
		}
		out.Before = to
		from, _, err := d.userFor(ctx, s, c, fromID, AccessRead)
		if errors.Is(err, ErrNotFound) {
			return fieldErr("from", "there is no user %q within your reach", fromID)
		}
		if err != nil {
			return err
		}
		out.From = from
		a, err := copiedRoles(from, to, mode)
		if err != nil {
			return err
		}
		out.After, err = d.assignRoles(ctx, s, b, to, &c.Principal, a)
		return err
	})
	return out, err
}

// OwnerChange is what SetOwnerFor did: the user before and after, and the
// usernames of its owner before and after ("" for none).
type OwnerChange struct {
	Before, After           User
	OwnerBefore, OwnerAfter string
}

// SetOwnerFor makes the user ownerID the owner of the user id, or clears
// its owner with ownerID "", for a caller holding users:change where the
// user lives: owning a user (users:create) is not enough to give it away
// or set it free. The owner is a user of the same tenant (any other id is
// a *FieldError on owner, whether or not it exists elsewhere), and the
// owner rules apply (seed 004's user hierarchies): owners form no cycle,
// and the sub-user holds at most what its owner holds, at home and in
// every tenant it is linked to. A refused owner is a *FieldError on owner.
func (d *Directory) SetOwnerFor(ctx context.Context, c Caller, id, ownerID string) (OwnerChange, error) {
	var out OwnerChange
	err := d.store.InTx(ctx, func(s Store) error {
		u, b, err := d.managedUser(ctx, s, c, id)
		if err != nil {
			return err
		}
		if !c.Can("users", AccessChange) {
			return fmt.Errorf("user %s: changing an owner needs users:change: %w", id, ErrForbidden)
		}
		out.Before, out.After = u, u
		if u.OwnerID != "" {
			old, err := s.UserByID(ctx, u.OwnerID)
			if err != nil {
				return fmt.Errorf("owner of %q: %w", u.Username, err)
			}
			out.OwnerBefore = old.Username
		}
		if ownerID == u.OwnerID {
			out.OwnerAfter = out.OwnerBefore
			return nil
		}
		out.After.OwnerID = ownerID
		if ownerID != "" {
			owner, err := s.UserByID(ctx, ownerID)
			if errors.Is(err, ErrNotFound) || err == nil && owner.TenantID != u.TenantID {
				return fieldErr("owner", "tenant %s has no user %q: an owner is a user of the same tenant", b.Tenant.Slug, ownerID)
			}
			if err != nil {
				return err
			}
			if err := d.checkNewOwner(ctx, s, b, owner, out.After); err != nil {
				return err
			}
			out.OwnerAfter = owner.Username
		}
		out.After.UpdatedAt = d.now().UTC()
		return s.UpdateUser(ctx, out.After)
	})
	return out, err
}

// checkNewOwner applies the owner rules to u, of the tenant whose book is
// b, owned by owner (u.OwnerID): checkOwner at home, checkLinkOwner in
// every tenant u is linked to. A refusal is a *FieldError on owner, the
// one field the request that changes an owner has.
func (d *Directory) checkNewOwner(ctx context.Context, s Store, b *Book, owner, u User) error {
	onOwner := func(where string, err error) error {
		var fe *FieldError
		if errors.As(err, &fe) && fe.Field != "owner" {
			where += fe.Field + ": "
		}
		return reframe(err, "owner", "%s%s", where)
	}
	if err := d.checkOwner(ctx, s, b, owner, &u); err != nil {
		return onOwner("", err)
	}
	links, err := s.LinksOfUser(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, l := range links {
		lb, err := d.Book(ctx, s, l.TenantID)
		if err != nil {
			return err
		}
		if err := d.checkLinkOwner(ctx, s, lb, u, l.Assignment()); err != nil {
			return onOwner("in tenant "+lb.Tenant.Slug+", ", err)
		}
	}
	return nil
}

// errVouch refuses to mark an email address verified: portals of the
// whole platform may trust email_verified (to link accounts by address,
// say), so only the platform's own administrators (administersPlatform)
// vouch for one; everyone else's addresses are verified by their owners
// (by mail, once the user lifecycle sends it).
var errVouch = fieldErr("email_verified", "only an administrator of the system tenant may mark an address verified")
