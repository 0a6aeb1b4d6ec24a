package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/gatehouse-id/gatehouse/password"
)

// Authentication outcomes. ErrInvalidCredentials covers an unknown tenant, an
// unknown user, a user without a password and a wrong password alike, so
// that nobody learns which accounts exist. ErrUserDisabled is only returned
// once the password has been proven, like Keycloak's "account is disabled".
var (
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrUserDisabled       = errors.New("user disabled")
)

// Config tunes a Directory.
type Config struct {
	// PasswordParams is the argon2id cost of new password hashes and of the
	// work done for unknown users; password.Default if zero.
	PasswordParams password.Params
	// PasswordPolicy is what a password a person chooses must meet
	// (package password); password.DefaultPolicy if zero.
	PasswordPolicy password.Policy
	// UserRetention is how long a deleted user can be restored before it
	// is purged (seed 000: ten days); DefaultUserRetention if zero.
	UserRetention time.Duration
	// InvitationLifetime is how long an invitation link works (seed 003:
	// 14 days); DefaultInvitationLifetime if zero.
	InvitationLifetime time.Duration
	// ResetLifetime is how long a password reset link works;
	// DefaultResetLifetime if zero.
	ResetLifetime time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// DefaultUserRetention is how long a deleted user stays restorable unless
// configured otherwise: seed 000's ten days.
const DefaultUserRetention = 10 * 24 * time.Hour

// DefaultInvitationLifetime is seed 003's fourteen days;
// DefaultResetLifetime is an hour: long enough to find the mail, short
// enough that an old mailbox holds no live key to the account.
const (
	DefaultInvitationLifetime = 14 * 24 * time.Hour
	DefaultResetLifetime      = time.Hour
)

// Directory is the domain service over a Store: every change to tenants,
// users and clients goes through it so that its rules hold whichever handler
// asks.
type Directory struct {
	store     Store
	secrets   *SecretHasher
	params    password.Params
	policy    password.Policy
	retention time.Duration
	// invitation and reset are the lifetimes of the links (links.go).
	invitation, reset time.Duration
	now               func() time.Time
	// cache serves clients and Books from memory (cache.go); store is
	// the backend wrapped in a cachedStore that keeps it true.
	cache *cache
}

// New returns a Directory over store, hashing client secrets with secrets.
func New(store Store, secrets *SecretHasher, cfg Config) *Directory {
	_, shared := store.(ChangeWatcher)
	c := newCache(!shared)
	d := &Directory{store: &cachedStore{Store: store, c: c}, cache: c, secrets: secrets, params: cfg.PasswordParams, policy: cfg.PasswordPolicy,
		retention: cfg.UserRetention, invitation: cfg.InvitationLifetime, reset: cfg.ResetLifetime, now: cfg.Now}
	if d.params == (password.Params{}) {
		d.params = password.Default
	}
	if d.policy == (password.Policy{}) {
		d.policy = password.DefaultPolicy
	}
	if d.retention <= 0 {
		d.retention = DefaultUserRetention
	}
	if d.invitation <= 0 {
		d.invitation = DefaultInvitationLifetime
	}
	if d.reset <= 0 {
		d.reset = DefaultResetLifetime
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d
}

// Atomically runs fn with a Directory bound to one transaction of the
// store, and that transaction's Store: every operation of the bound
// Directory joins it, and whatever else fn writes through the Store (an
// audit event, when the store keeps the audit log too) commits with them
// or not at all. fn may run more than once (see Store.InTx).
func (d *Directory) Atomically(ctx context.Context, fn func(d *Directory, s Store) error) error {
	return d.store.InTx(ctx, func(s Store) error {
		bound := *d
		bound.store = s
		return fn(&bound, s)
	})
}

// Store returns the underlying store, for read paths that need no rules.
func (d *Directory) Store() Store { return d.store }

// NewID returns a new random identifier (a UUIDv7: time-ordered, so that
// indexes stay compact, and free of ':' and '$').
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Authenticate checks a username and password at a tenant. It always costs
// one password verification, whether or not the tenant and user exist.
func (d *Directory) Authenticate(ctx context.Context, tenantSlug, username, pw string) (User, Tenant, error) {
	return d.authenticate(ctx, tenantSlug, username, pw, func(t Tenant, username string) (User, error) {
		return d.store.UserByUsername(ctx, t.ID, username)
	})
}

// authenticate is a password login at tenantSlug by the user that find
// finds there under username (normalized and valid), ErrNotFound if none:
// one password verification however far it gets (Authenticate,
// AuthenticateSupport).
func (d *Directory) authenticate(ctx context.Context, tenantSlug, username, pw string,
	find func(t Tenant, username string) (User, error)) (User, Tenant, error) {
	slug, username := NormalizeSlug(tenantSlug), NormalizeUsername(username)
	var (
		tenant Tenant
		user   User
		err    = ErrNotFound
	)
	// No tenant or user could have a name that is not valid, which (a NUL
	// byte, say) must not reach a store that cannot hold it.
	if ValidateSlug(slug) == nil && ValidateUsername(username) == nil {
		if tenant, err = d.store.TenantBySlug(ctx, slug); err == nil {
			user, err = find(tenant, username)
		}
	}
	if errors.Is(err, ErrNotFound) {
		if err := password.BurnContext(ctx, pw, d.params); err != nil {
			return User{}, Tenant{}, fmt.Errorf("authenticate: %w", err)
		}
		return User{}, Tenant{}, ErrInvalidCredentials
	}
	if err != nil {
		return User{}, Tenant{}, fmt.Errorf("authenticate: %w", err)
	}
	if err := d.checkPassword(ctx, user, pw); err != nil {
		return User{}, Tenant{}, err
	}
	return user, tenant, nil
}

// checkPassword is the end of every password check, once the user is
// found: one verification (or the same work burnt for a user without a
// password), ErrInvalidCredentials for a wrong password, and
// ErrUserDisabled only once the password was right.
//
// The hash waits its turn (password.SetConcurrency) only while ctx lasts:
// a login whose request has ended gets ctx's error, not a verdict.
func (d *Directory) checkPassword(ctx context.Context, user User, pw string) error {
	if user.PasswordHash == "" {
		if err := password.BurnContext(ctx, pw, d.params); err != nil {
			return fmt.Errorf("authenticate user %s: %w", user.ID, err)
		}
		return ErrInvalidCredentials
	}
	ok, err := password.VerifyContext(ctx, user.PasswordHash, pw)
	if err != nil {
		return fmt.Errorf("authenticate user %s: %w", user.ID, err)
	}
	if !ok || user.Deleted() {
		// A deleted user no longer exists for the login page: the
		// same answer as a wrong password.
		return ErrInvalidCredentials
	}
	if user.Disabled {
		return ErrUserDisabled
	}
	return nil
}

// ActiveUser returns the user with id if it may still hold a session: it
// exists, is not deleted (ErrNotFound) and is not disabled. Single sign-on
// and refresh check it, so that deleting or disabling a user ends its
// access at the next token.
func (d *Directory) ActiveUser(ctx context.Context, id string) (User, error) {
	u, err := d.store.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if u.Deleted() {
		return User{}, fmt.Errorf("user %s is deleted: %w", id, ErrNotFound)
	}
	if u.Disabled {
		return User{}, fmt.Errorf("user %s: %w", id, ErrUserDisabled)
	}
	return u, nil
}

// RecordLogin counts a successful login of the user with id at time at
// from address (Store.RecordLogin): the login calls it for a person
// signing in to their own account, and not for a support login, which is
// the support user's and not the supported user's.
func (d *Directory) RecordLogin(ctx context.Context, id string, at time.Time, address string) error {
	return d.store.RecordLogin(ctx, id, at.UTC(), address)
}

// VerifyClientSecret authenticates a confidential client by its secret.
// Unknown clients and wrong secrets give the same ErrInvalidCredentials.
func (d *Directory) VerifyClientSecret(ctx context.Context, clientID, secret string) (Client, error) {
	c, err := d.store.ClientByID(ctx, clientID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Client{}, ErrInvalidCredentials
		}
		return Client{}, err
	}
	if err := d.CheckClientSecret(&c, secret); err != nil {
		return Client{}, err
	}
	return c, nil
}

// CheckClientSecret checks secret against a client the caller has loaded
// already (the token endpoint, which needs the client anyway): one keyed
// hash, no store read.
func (d *Directory) CheckClientSecret(c *Client, secret string) error {
	if c.Type != ClientConfidential || secret == "" || !d.secrets.Verify(c.SecretHash, secret) {
		return ErrInvalidCredentials
	}
	return nil
}

// HashPassword hashes a new password at the directory's cost.
func (d *Directory) HashPassword(pw string) (string, error) {
	return password.Hash(pw, d.params)
}

// HashSecret hashes a client secret with the installation key.
func (d *Directory) HashSecret(secret string) []byte { return d.secrets.Hash(secret) }

// CreateTenant adds a tenant below parentSlug (empty for the system tenant),
// enforcing the tree: exactly one system tenant, and every child exactly one
// level below its parent. A slug that is taken is ErrConflict.
func (d *Directory) CreateTenant(ctx context.Context, slug, name string, level Level, parentSlug string) (Tenant, error) {
	var created Tenant
	err := d.store.InTx(ctx, func(s Store) error {
		var err error
		created, err = d.addTenant(ctx, s, slug, name, level, parentSlug)
		return err
	})
	return created, err
}

// addTenant is CreateTenant within the transaction s. A slug that is taken
// is a *FieldError on slug that is also ErrConflict.
func (d *Directory) addTenant(ctx context.Context, s Store, slug, name string, level Level, parentSlug string) (Tenant, error) {
	t, err := d.newTenant(ctx, s, slug, name, level, parentSlug)
	if err != nil {
		return Tenant{}, err
	}
	_, err = s.TenantBySlug(ctx, t.Slug)
	if err := taken(err, "slug", "%q is taken", t.Slug); err != nil {
		return Tenant{}, err
	}
	if err := d.storeTenant(ctx, s, t); err != nil {
		return Tenant{}, err
	}
	return t, nil
}

func (d *Directory) newTenant(ctx context.Context, s Store, slug, name string, level Level, parentSlug string) (Tenant, error) {
	slug = NormalizeSlug(slug)
	if err := ValidateSlug(slug); err != nil {
		return Tenant{}, err
	}
	if strings.TrimSpace(name) == "" {
		return Tenant{}, fieldErr("name", "is required")
	}
	if !level.Valid() {
		return Tenant{}, fieldErr("level", "must be one of system, provider, customer, subcustomer")
	}
	now := d.now().UTC()
	t := Tenant{ID: NewID(), Slug: slug, Name: strings.TrimSpace(name), Level: level, CreatedAt: now, UpdatedAt: now}
	if level == LevelSystem {
		if parentSlug != "" {
			return Tenant{}, fieldErr("parent", "the system tenant has no parent")
		}
		if sys, err := systemTenant(ctx, s); err == nil {
			return Tenant{}, fieldErr("level", "there is already a system tenant (%s)", sys.Slug)
		} else if !errors.Is(err, ErrNotFound) {
			return Tenant{}, err
		}
		t.Path = []string{t.ID}
		return t, nil
	}
	if parentSlug == "" {
		return Tenant{}, fieldErr("parent", "is required for a %s tenant", level)
	}
	parent, err := s.TenantBySlug(ctx, NormalizeSlug(parentSlug))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Tenant{}, fieldErr("parent", "no tenant %q", parentSlug)
		}
		return Tenant{}, err
	}
	if want, ok := parent.Level.ChildLevel(); !ok || want != level {
		if !ok {
			return Tenant{}, fieldErr("level", "a %s tenant cannot have children", parent.Level)
		}
		return Tenant{}, fieldErr("level", "a child of %s tenant %q must be a %s tenant", parent.Level, parent.Slug, want)
	}
	t.ParentID = parent.ID
	t.Path = append(append([]string(nil), parent.Path...), t.ID)
	return t, nil
}

// NewUser describes a user to create. Exactly one of Password (hashed here)
// and PasswordHash (an argon2id PHC string, for migrations) may be set;
// neither leaves a user who cannot log in with a password yet.
type NewUser struct {
	TenantSlug        string
	Username          string
	Email             string
	EmailVerified     bool
	GivenName         string
	FamilyName        string
	DisplayName       string
	PreferredLanguage string
	// Phone, JobTitle and OfficeLocation are optional; see User.
	Phone          string
	JobTitle       string
	OfficeLocation string
	TenantRole     TenantRole
	GlobalRoles    []string
	ServiceRoles   ServiceRoles
	Groups         []string
	// Owner is the username of the user's owner in the same tenant; empty
	// for none. The user may hold at most what its owner holds.
	Owner        string
	Password     string
	PasswordHash string
	// MustChangePassword makes the first login ask for a new password (a
	// password an administrator chose for the person); ignored without a
	// password.
	MustChangePassword bool
	Disabled           bool
}

// CreateUser adds a user to a tenant.
func (d *Directory) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	u, _, err := d.PutUser(ctx, d.store, nu)
	return u, err
}

// BuildUser validates nu and returns the User it describes in tenant, with a
// new id and its password hashed, without storing it.
func (d *Directory) BuildUser(tenant Tenant, nu NewUser) (User, error) {
	username := NormalizeUsername(nu.Username)
	if err := ValidateUsername(username); err != nil {
		return User{}, err
	}
	email := strings.TrimSpace(nu.Email)
	if err := validateEmail(email); err != nil {
		return User{}, err
	}
	phone, jobTitle, office := strings.TrimSpace(nu.Phone), strings.TrimSpace(nu.JobTitle), strings.TrimSpace(nu.OfficeLocation)
	if err := validateProfile(phone, jobTitle, office); err != nil {
		return User{}, err
	}
	if !nu.TenantRole.Valid() {
		return User{}, fieldErr("role", "must be admin or user")
	}
	if err := validateNames(nu.GlobalRoles, nu.ServiceRoles, nu.Groups); err != nil {
		return User{}, err
	}
	if nu.Owner != "" {
		if err := ValidateUsername(NormalizeUsername(nu.Owner)); err != nil {
			return User{}, fieldErr("owner", "must be the username of a user of the same tenant")
		}
		if NormalizeUsername(nu.Owner) == username {
			return User{}, fieldErr("owner", "a user cannot own itself")
		}
	}
	hash, strength, err := d.initialPassword(nu.Password, nu.PasswordHash,
		passwordInputs(tenant, username, email, nu.GivenName, nu.FamilyName, nu.DisplayName))
	if err != nil {
		return User{}, err
	}
	now := d.now().UTC()
	return User{
		ID: NewID(), TenantID: tenant.ID, Username: username, Email: email, EmailVerified: nu.EmailVerified,
		GivenName: nu.GivenName, FamilyName: nu.FamilyName, DisplayName: nu.DisplayName,
		PreferredLanguage: nu.PreferredLanguage, Phone: phone, JobTitle: jobTitle, OfficeLocation: office,
		TenantRole: nu.TenantRole, GlobalRoles: sortedNames(nu.GlobalRoles),
		ServiceRoles: nu.ServiceRoles.Normalize(), Groups: sortedNames(nu.Groups), PasswordHash: hash,
		PasswordStrength: strength, MustChangePassword: nu.MustChangePassword && hash != "",
		Disabled: nu.Disabled, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// initialPassword returns the hash to store for a new user given a
// password or a hash (never both), and the password's strength estimate
// (password.StrengthUnknown for a hash, or for no password). The policy is
// not applied here: a user created by an administrator passes it first
// (CreateUserFor); the operator's directory file only needs 8 characters.
func (d *Directory) initialPassword(pw, hash string, inputs []string) (string, password.Strength, error) {
	switch {
	case pw != "" && hash != "":
		return "", password.StrengthUnknown, fieldErr("password", "give either password or password_hash, not both")
	case hash != "":
		if !password.Valid(hash) {
			return "", password.StrengthUnknown, fieldErr("password_hash", "must be an argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)")
		}
		return hash, password.StrengthUnknown, nil
	case pw != "":
		if utf8.RuneCountInString(pw) < 8 {
			return "", password.StrengthUnknown, fieldErr("password", "must be at least 8 characters")
		}
		h, err := password.Hash(pw, d.params)
		return h, password.Estimate(pw, inputs...), err
	}
	return "", password.StrengthUnknown, nil
}

// passwordInputs are what a person's password must not be close to: its
// tenant's slug and name, its username, email address (and the part
// before the @) and names.
func passwordInputs(t Tenant, username, email string, names ...string) []string {
	in := []string{username}
	for _, v := range []string{t.Slug, t.Name} {
		if v != "" {
			in = append(in, v)
		}
	}
	if email != "" {
		local, _, _ := strings.Cut(email, "@")
		in = append(in, email, local)
	}
	for _, n := range names {
		if n != "" {
			in = append(in, n)
		}
	}
	return in
}

// policyErr turns a refusal of the password policy into a *FieldError on
// password, in the policy's words; any other error passes as it is.
func policyErr(err error) error {
	var weak *password.WeakError
	if errors.As(err, &weak) {
		return fieldErr("password", "%s", weak.Reason)
	}
	return err
}

// SetPassword gives the user with id the new password pw, chosen by the
// person (the login's "choose a new password", the account page): the
// policy applies, the strength is stored, and a pending "must change"
// is done. A deleted user is ErrNotFound.
func (d *Directory) SetPassword(ctx context.Context, id, pw string) (User, error) {
	var out User
	err := d.store.InTx(ctx, func(s Store) error {
		u, err := s.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if u.Deleted() {
			return fmt.Errorf("user %s is deleted: %w", id, ErrNotFound)
		}
		t, err := s.TenantByID(ctx, u.TenantID)
		if err != nil {
			return err
		}
		before := u
		if err := d.choosePassword(&u, t, pw); err != nil {
			return err
		}
		u.UpdatedAt = d.now().UTC()
		out = u
		return storeUser(ctx, s, before, u, u.UpdatedAt)
	})
	return out, err
}

// choosePassword gives u, of tenant t, the password pw that its person
// chose: the policy applies (a *FieldError on password says why not),
// the current password is refused, the strength is kept, and a pending
// "must change" is done. u is not stored.
func (d *Directory) choosePassword(u *User, t Tenant, pw string) error {
	strength, err := d.policy.Check(pw, passwordInputs(t, u.Username, u.Email, u.GivenName, u.FamilyName, u.DisplayName)...)
	if err != nil {
		return policyErr(err)
	}
	if ok, err := password.Verify(u.PasswordHash, pw); err == nil && ok {
		return fieldErr("password", "is your current password: choose a new one")
	}
	hash, err := password.Hash(pw, d.params)
	if err != nil {
		return err
	}
	u.PasswordHash, u.PasswordStrength, u.MustChangePassword = hash, strength, false
	return nil
}

// CreateClient registers a client. For a confidential client it generates a
// secret (256 random bits) unless one is given, stores only its keyed hash,
// and returns the secret: this is the only time anyone sees it. A
// private_key_jwt client has no secret: its public keys authenticate it.
func (d *Directory) CreateClient(ctx context.Context, c Client, secret string) (Client, string, error) {
	c, secret, err := d.BuildClient(c, secret)
	if err != nil {
		return Client{}, "", err
	}
	if err := d.checkClientRefs(ctx, d.store, &c); err != nil {
		return Client{}, "", err
	}
	if err := d.store.CreateClient(ctx, c); err != nil {
		return Client{}, "", err
	}
	return c, secret, nil
}

// BuildClient validates c and fills in its secret hash and timestamps without
// storing it; see CreateClient.
func (d *Directory) BuildClient(c Client, secret string) (Client, string, error) {
	if err := ValidateClient(&c); err != nil {
		return Client{}, "", err
	}
	c.SecretHash = nil
	if c.AuthMethod == AuthPrivateKeyJWT {
		// Its keys authenticate it; a secret would be a second way in.
		if secret != "" {
			return Client{}, "", fieldErr("secret", "a private_key_jwt client has no secret: it signs assertions with its private key")
		}
	} else if c.Type == ClientConfidential {
		if secret == "" {
			secret = GenerateSecret()
		} else if len(secret) < 32 {
			return Client{}, "", fieldErr("secret", "must be at least 32 characters; better, let Gatehouse generate it")
		}
		c.SecretHash = d.secrets.Hash(secret)
	} else if secret != "" {
		return Client{}, "", fieldErr("secret", "a public client has no secret")
	}
	now := d.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	return c, secret, nil
}
