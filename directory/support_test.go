package directory_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// supportNow is the clock of the support tests: consents open and expire
// relative to it.
var supportNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// supportWorld is the tree
//
//	sys (system): sam (support), jill (no support: shares a name with acme's)
//	├── acme (provider): jill (support:admin), jack (support:read+change),
//	│   │                rita (support:read only), ray (support:change only),
//	│   │                nick (no support), dora (support:admin, disabled)
//	│   └── contoso (customer): abe (user), ann (admin, disabled), beth (admin),
//	│       │                   carl (admin through administrators), john (user),
//	│       │                   dan (user, disabled), pam (user, pending)
//	│       └── contoso-north (subcustomer): nora (user), olga (admin, pending)
//	└── globex (provider): gina (support:admin)
//	    └── initech (customer): ian (user)
//
// Users are keyed "tenant/username" in the map it returns.
func supportWorld(t *testing.T) (*directory.Directory, map[string]directory.User) {
	t.Helper()
	d := newDirectory(t)
	ctx, s := t.Context(), d.Store()
	createTenants(t, d, titled, append(slices.Clone(worldTree),
		tenantSpec{"initech", directory.LevelCustomer, "globex"},
		tenantSpec{"contoso-north", directory.LevelSubcustomer, "contoso"}))
	for _, r := range []struct {
		tenant string
		role   directory.GlobalRole
	}{
		{"sys", directory.GlobalRole{Name: "support", Permissions: perms("support:read", "support:change")}},
		{"acme", directory.GlobalRole{Name: "support-engineers", Permissions: perms("support:admin", "users:read")}},
		{"acme", directory.GlobalRole{Name: "support-pair", Permissions: perms("support:read", "support:change")}},
		{"acme", directory.GlobalRole{Name: "support-readers", Permissions: perms("support:read")}},
		{"acme", directory.GlobalRole{Name: "support-changers", Permissions: perms("support:change")}},
		{"globex", directory.GlobalRole{Name: "support-engineers", Permissions: perms("support:admin")}},
	} {
		if _, _, err := d.PutGlobalRole(ctx, s, r.tenant, r.role); err != nil {
			t.Fatalf("role %s/%s: %v", r.tenant, r.role.Name, err)
		}
	}
	const pw = "correct-horse-battery"
	return d, createUsers(t, d, []directory.NewUser{
		{TenantSlug: "sys", Username: "sam", GlobalRoles: []string{"support"}, Password: pw},
		{TenantSlug: "sys", Username: "jill", Password: pw},
		{TenantSlug: "acme", Username: "jill", GlobalRoles: []string{"support-engineers"}, Password: pw},
		{TenantSlug: "acme", Username: "jack", GlobalRoles: []string{"support-pair"}, Password: pw},
		{TenantSlug: "acme", Username: "rita", GlobalRoles: []string{"support-readers"}, Password: pw},
		{TenantSlug: "acme", Username: "ray", GlobalRoles: []string{"support-changers"}, Password: pw},
		{TenantSlug: "acme", Username: "nick", Password: pw},
		{TenantSlug: "acme", Username: "dora", GlobalRoles: []string{"support-engineers"}, Password: pw, Disabled: true},
		{TenantSlug: "globex", Username: "gina", GlobalRoles: []string{"support-engineers"}, Password: pw},
		{TenantSlug: "contoso", Username: "abe", Password: pw},
		{TenantSlug: "contoso", Username: "ann", TenantRole: directory.TenantRoleAdmin, Password: pw, Disabled: true},
		{TenantSlug: "contoso", Username: "beth", TenantRole: directory.TenantRoleAdmin, Password: pw},
		{TenantSlug: "contoso", Username: "carl", Groups: []string{directory.GroupAdministrators}, Password: pw},
		{TenantSlug: "contoso", Username: "john", Password: pw},
		{TenantSlug: "contoso", Username: "dan", Password: pw, Disabled: true},
		{TenantSlug: "contoso", Username: "pam"},
		{TenantSlug: "contoso-north", Username: "nora", Password: pw},
		{TenantSlug: "contoso-north", Username: "olga", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "initech", Username: "ian", Password: pw},
	})
}

// tenantID returns the id of the tenant slug.
func tenantID(t *testing.T, d *directory.Directory, slug string) string {
	t.Helper()
	tn, err := d.Store().TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatalf("tenant %s: %v", slug, err)
	}
	return tn.ID
}

// setSupport replaces the support policy of tenant slug, keeping its other
// settings.
func setSupport(t *testing.T, d *directory.Directory, slug string, p directory.SupportPolicy) {
	t.Helper()
	ctx, s := t.Context(), d.Store()
	tn, err := s.TenantBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	st := tn.Settings
	st.Support = p
	if _, err := d.PutTenantSettings(ctx, s, slug, st); err != nil {
		t.Fatalf("support policy of %s: %v", slug, err)
	}
}

// wantSupport checks the outcome of an authorization: the target it lets
// support act as, or the refusal.
func wantSupport(t *testing.T, got directory.Support, err error, target string, refusal directory.SupportRefusal) {
	t.Helper()
	if refusal != "" {
		if !errors.Is(err, directory.ErrSupportRefused) || directory.RefusalOf(err) != refusal {
			t.Fatalf("err = %v (refusal %q), want refusal %q", err, directory.RefusalOf(err), refusal)
		}
		if got.Target.ID != "" || got.Actor.ID != "" {
			t.Errorf("a refusal came with an access: %+v", got)
		}
		return
	}
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if tenant, name, _ := strings.Cut(target, "/"); got.Target.Username != name || got.Tenant.Slug != tenant || got.Target.TenantID != got.Tenant.ID {
		t.Errorf("acts as %s/%s, want %s", got.Tenant.Slug, got.Target.Username, target)
	}
}

func TestAuthorizeSupportByPermission(t *testing.T) {
	d, u := supportWorld(t)
	ctx := t.Context()
	tests := []struct {
		name    string
		actor   string // tenant/username; "" for an unknown id
		tenant  string
		target  string
		refusal directory.SupportRefusal
	}{
		{"a provider user with support:admin acts as a customer user", "acme/jill", "contoso", "john", ""},
		{"support:read and support:change together suffice", "acme/jack", "contoso", "john", ""},
		{"the target username is normalized", "acme/jill", "contoso", " John ", ""},
		{"a provider's support reaches a subcustomer", "acme/jill", "contoso-north", "nora", ""},
		{"a system support user acts as a customer user", "sys/sam", "contoso", "john", ""},
		{"a system support user acts as a subcustomer user", "sys/sam", "contoso-north", "nora", ""},
		{"a system support user acts in a provider", "sys/sam", "acme", "nick", ""},
		{"an administrator is a user like any other", "acme/jill", "contoso", "beth", ""},

		{"no support permission", "acme/nick", "contoso", "john", directory.RefusedNoPermission},
		{"support:read without support:change", "acme/rita", "contoso", "john", directory.RefusedNoPermission},
		{"support:change without support:read", "acme/ray", "contoso", "john", directory.RefusedNoPermission},
		{"a customer administrator holds no support permission", "contoso/beth", "contoso-north", "nora", directory.RefusedNoPermission},
		{"a system user without the permission", "sys/jill", "contoso", "john", directory.RefusedNoPermission},

		{"not in the actor's own tenant", "acme/jill", "acme", "nick", directory.RefusedNotBelow},
		{"not in a parent (the system tenant)", "acme/jill", "sys", "sam", directory.RefusedNotBelow},
		{"not in the system tenant, even for a system support user", "sys/sam", "sys", "jill", directory.RefusedNotBelow},
		{"not in a sibling provider", "acme/jill", "globex", "gina", directory.RefusedNotBelow},
		{"not in a sibling provider's customer", "acme/jill", "initech", "ian", directory.RefusedNotBelow},
		{"the sibling's support not in ours", "globex/gina", "contoso", "john", directory.RefusedNotBelow},

		{"an unknown target", "acme/jill", "contoso", "nobody", directory.RefusedUnknownUser},
		{"a user of another tenant is unknown here", "acme/jill", "contoso", "nora", directory.RefusedUnknownUser},
		{"a disabled target", "acme/jill", "contoso", "dan", directory.RefusedUserDisabled},
		{"a pending target (no password yet)", "acme/jill", "contoso", "pam", directory.RefusedUserPending},
		{"a disabled actor", "acme/dora", "contoso", "john", directory.RefusedActorInactive},
		{"an unknown actor", "", "contoso", "john", directory.RefusedActorInactive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actorID := "no-such-user"
			if tt.actor != "" {
				actorID = u[tt.actor].ID
			}
			got, err := d.AuthorizeSupport(ctx, actorID, tenantID(t, d, tt.tenant), tt.target, supportNow)
			wantSupport(t, got, err, tt.tenant+"/"+directory.NormalizeUsername(tt.target), tt.refusal)
			if err != nil {
				return
			}
			_, actorName, _ := strings.Cut(tt.actor, "/")
			if got.Actor.ID != u[tt.actor].ID || got.ActorTenant.ID != u[tt.actor].TenantID {
				t.Errorf("actor %s in %s, want %s", got.Actor.Username, got.ActorTenant.Slug, tt.actor)
			}
			if want := actorName + "$" + got.Target.Username; got.Name() != want {
				t.Errorf("Name() = %q, want %q", got.Name(), want)
			}
			if got.ByConsent {
				t.Error("ByConsent under the permission policy")
			}
			if got.Policy != (directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, ConsentWindow: directory.DefaultConsentWindow}) {
				t.Errorf("policy %+v, want the default", got.Policy)
			}
		})
	}
	t.Run("an unknown tenant is not below", func(t *testing.T) {
		got, err := d.AuthorizeSupport(ctx, u["acme/jill"].ID, "no-such-tenant", "john", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNotBelow)
	})
}

func TestAuthorizeSupportAsAdministrator(t *testing.T) {
	d, u := supportWorld(t)
	ctx, s := t.Context(), d.Store()
	jill := u["acme/jill"].ID
	admin := func(t *testing.T, tenant string, now time.Time, want string, refusal directory.SupportRefusal) directory.Support {
		t.Helper()
		got, err := d.AuthorizeSupport(ctx, jill, tenantID(t, d, tenant), "", now)
		wantSupport(t, got, err, want, refusal)
		return got
	}
	// contoso's users by username: abe (user), ann (admin, disabled),
	// beth (admin), carl (admin through administrators), ...
	t.Run("the first active administrator by username", func(t *testing.T) {
		admin(t, "contoso", supportNow, "contoso/beth", "")
	})
	t.Run("an administrator through the administrators group counts", func(t *testing.T) {
		beth := u["contoso/beth"]
		beth.Disabled = true
		if err := s.UpdateUser(ctx, beth); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			beth.Disabled = false
			if err := s.UpdateUser(ctx, beth); err != nil {
				t.Fatal(err)
			}
		})
		admin(t, "contoso", supportNow, "contoso/carl", "")
	})
	t.Run("no active administrator (only a pending one)", func(t *testing.T) {
		admin(t, "contoso-north", supportNow, "", directory.RefusedNoAdministrator)
	})
	t.Run("the actor's rules come first", func(t *testing.T) {
		got, err := d.AuthorizeSupport(ctx, u["acme/nick"].ID, tenantID(t, d, "contoso"), "", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNoPermission)
		got, err = d.AuthorizeSupport(ctx, jill, tenantID(t, d, "initech"), "", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNotBelow)
	})

	setSupport(t, d, "contoso", directory.SupportPolicy{Mode: directory.SupportByConsent})
	t.Run("consent policy: no administrator consented", func(t *testing.T) {
		admin(t, "contoso", supportNow, "", directory.RefusedNoConsent)
	})
	t.Run("consent policy: the administrator that consented", func(t *testing.T) {
		by := directory.SupportCaller{UserID: u["contoso/carl"].ID}
		if _, err := d.EnableSupport(ctx, by, false, supportNow); err != nil {
			t.Fatal(err)
		}
		got := admin(t, "contoso", supportNow, "contoso/carl", "")
		if !got.ByConsent {
			t.Error("ByConsent false")
		}
		if _, err := d.DisableSupport(ctx, by, false, supportNow); err != nil {
			t.Fatal(err)
		}
		admin(t, "contoso", supportNow, "", directory.RefusedNoConsent)
	})
	t.Run("consent policy: a consent of a user who is no administrator", func(t *testing.T) {
		by := directory.SupportCaller{UserID: u["contoso/john"].ID}
		if _, err := d.EnableSupport(ctx, by, false, supportNow); err != nil {
			t.Fatal(err)
		}
		admin(t, "contoso", supportNow, "", directory.RefusedNoConsent)
	})
	t.Run("consent policy: the first administrator if the tenant consented", func(t *testing.T) {
		by := directory.SupportCaller{UserID: u["contoso/carl"].ID}
		if _, err := d.EnableSupport(ctx, by, true, supportNow); err != nil {
			t.Fatal(err)
		}
		admin(t, "contoso", supportNow, "contoso/beth", "")
	})
	t.Run("consent policy: still none in a tenant without an active administrator", func(t *testing.T) {
		if _, err := d.EnableSupport(ctx, directory.SupportCaller{UserID: u["contoso-north/nora"].ID}, false, supportNow); err != nil {
			t.Fatal(err)
		}
		admin(t, "contoso-north", supportNow, "", directory.RefusedNoAdministrator)
	})
}

func TestSupportConsent(t *testing.T) {
	d, u := supportWorld(t)
	ctx := t.Context()
	contoso := tenantID(t, d, "contoso")
	authorize := func(t *testing.T, actor, target string, now time.Time, refusal directory.SupportRefusal) {
		t.Helper()
		got, err := d.AuthorizeSupport(ctx, u[actor].ID, contoso, target, now)
		wantSupport(t, got, err, "contoso/"+target, refusal)
		if err == nil && !got.ByConsent {
			t.Error("let in without ByConsent under the consent policy")
		}
	}
	caller := func(user string) directory.SupportCaller { return directory.SupportCaller{UserID: u[user].ID} }
	enable := func(t *testing.T, user string, forTenant bool, now time.Time) directory.SupportConsent {
		t.Helper()
		c, err := d.EnableSupport(ctx, caller(user), forTenant, now)
		if err != nil {
			t.Fatalf("%s enables support (for the tenant: %t): %v", user, forTenant, err)
		}
		return c
	}
	disable := func(t *testing.T, user string, forTenant bool, wasOpen bool) {
		t.Helper()
		open, err := d.DisableSupport(ctx, caller(user), forTenant, supportNow)
		if err != nil || open != wasOpen {
			t.Fatalf("%s disables support (for the tenant: %t) = %t, %v; want %t", user, forTenant, open, err, wasOpen)
		}
	}

	setSupport(t, d, "contoso", directory.SupportPolicy{Mode: directory.SupportByConsent})

	t.Run("permission alone is refused", func(t *testing.T) {
		authorize(t, "acme/jill", "john", supportNow, directory.RefusedNoConsent)
	})
	t.Run("the user's own consent lets support in, for that user only", func(t *testing.T) {
		c := enable(t, "contoso/john", false, supportNow)
		want := directory.SupportConsent{TenantID: contoso, UserID: u["contoso/john"].ID, GrantedBy: u["contoso/john"].ID,
			GrantedAt: supportNow, ExpiresAt: supportNow.Add(directory.DefaultConsentWindow)}
		if c != want {
			t.Errorf("consent %+v, want %+v", c, want)
		}
		authorize(t, "acme/jill", "john", supportNow, "")
		authorize(t, "sys/sam", "john", supportNow, "")
		authorize(t, "acme/jill", "abe", supportNow, directory.RefusedNoConsent)
		own, tenant, pol, err := d.SupportConsents(ctx, u["contoso/john"].ID)
		if err != nil {
			t.Fatal(err)
		}
		if own.ExpiresAt.IsZero() || !own.ExpiresAt.Equal(want.ExpiresAt) || own.UserID != want.UserID ||
			!tenant.ExpiresAt.IsZero() || pol.Mode != directory.SupportByConsent {
			t.Errorf("SupportConsents = %+v, %+v, %+v", own, tenant, pol)
		}
	})
	t.Run("the consent expires with its window", func(t *testing.T) {
		end := supportNow.Add(directory.DefaultConsentWindow)
		authorize(t, "acme/jill", "john", end.Add(-time.Second), "")
		authorize(t, "acme/jill", "john", end, directory.RefusedNoConsent)
		authorize(t, "acme/jill", "john", end.Add(time.Hour), directory.RefusedNoConsent)
	})
	t.Run("consent does not replace the permission", func(t *testing.T) {
		got, err := d.AuthorizeSupport(ctx, u["acme/nick"].ID, contoso, "john", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNoPermission)
		got, err = d.AuthorizeSupport(ctx, u["acme/rita"].ID, contoso, "john", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNoPermission)
		got, err = d.AuthorizeSupport(ctx, u["globex/gina"].ID, contoso, "john", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNotBelow)
	})
	t.Run("nor lets support act as a disabled user", func(t *testing.T) {
		// dan cannot consent (he is disabled); a tenant consent covers him,
		// but he stays disabled.
		enable(t, "contoso/beth", true, supportNow)
		defer disable(t, "contoso/beth", true, true)
		authorize(t, "acme/jill", "dan", supportNow, directory.RefusedUserDisabled)
		authorize(t, "acme/jill", "pam", supportNow, directory.RefusedUserPending)
	})
	t.Run("after disabling, refused", func(t *testing.T) {
		disable(t, "contoso/john", false, true)
		authorize(t, "acme/jill", "john", supportNow, directory.RefusedNoConsent)
		disable(t, "contoso/john", false, false) // nothing open any more
	})
	t.Run("a support session cannot consent", func(t *testing.T) {
		by := directory.SupportCaller{UserID: u["contoso/john"].ID, ActorID: u["acme/jill"].ID}
		if _, err := d.EnableSupport(ctx, by, false, supportNow); !errors.Is(err, directory.ErrSupportSession) {
			t.Errorf("enable in a support session: %v, want ErrSupportSession", err)
		}
		if _, err := d.DisableSupport(ctx, by, false, supportNow); !errors.Is(err, directory.ErrSupportSession) {
			t.Errorf("disable in a support session: %v, want ErrSupportSession", err)
		}
		by.UserID = u["contoso/beth"].ID
		if _, err := d.EnableSupport(ctx, by, true, supportNow); !errors.Is(err, directory.ErrSupportSession) {
			t.Errorf("an administrator's tenant consent in a support session: %v, want ErrSupportSession", err)
		}
		authorize(t, "acme/jill", "john", supportNow, directory.RefusedNoConsent)
	})
	t.Run("only an administrator consents for the tenant", func(t *testing.T) {
		if _, err := d.EnableSupport(ctx, caller("contoso/john"), true, supportNow); !errors.Is(err, directory.ErrForbidden) {
			t.Errorf("a user's tenant consent: %v, want ErrForbidden", err)
		}
		if _, err := d.DisableSupport(ctx, caller("contoso/john"), true, supportNow); !errors.Is(err, directory.ErrForbidden) {
			t.Errorf("a user closing the tenant consent: %v, want ErrForbidden", err)
		}
		authorize(t, "acme/jill", "abe", supportNow, directory.RefusedNoConsent)
	})
	t.Run("a disabled user cannot consent", func(t *testing.T) {
		if _, err := d.EnableSupport(ctx, caller("contoso/dan"), false, supportNow); !errors.Is(err, directory.ErrUserDisabled) {
			t.Errorf("dan enables support: %v, want ErrUserDisabled", err)
		}
	})
	t.Run("an administrator's tenant consent covers every user", func(t *testing.T) {
		c := enable(t, "contoso/carl", true, supportNow) // an administrator through the group
		if c.UserID != "" || c.GrantedBy != u["contoso/carl"].ID || c.TenantID != contoso {
			t.Errorf("tenant consent %+v", c)
		}
		for _, target := range []string{"john", "abe", "beth", "carl"} {
			authorize(t, "acme/jill", target, supportNow, "")
		}
		_, tenant, _, err := d.SupportConsents(ctx, u["contoso/john"].ID)
		if err != nil || tenant.UserID != "" || !tenant.ExpiresAt.Equal(c.ExpiresAt) {
			t.Errorf("john sees the tenant consent %+v, %v", tenant, err)
		}
		// Not the tenants below: contoso-north has its own users' consents.
		got, err := d.AuthorizeSupport(ctx, u["acme/jill"].ID, tenantID(t, d, "contoso-north"), "nora", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNoConsent)
		disable(t, "contoso/beth", true, true) // any administrator closes it
		authorize(t, "acme/jill", "john", supportNow, directory.RefusedNoConsent)
	})
	t.Run("a new consent replaces the open one", func(t *testing.T) {
		enable(t, "contoso/john", false, supportNow)
		later := supportNow.Add(20 * time.Hour)
		enable(t, "contoso/john", false, later)
		authorize(t, "acme/jill", "john", supportNow.Add(30*time.Hour), "")
		authorize(t, "acme/jill", "john", later.Add(directory.DefaultConsentWindow), directory.RefusedNoConsent)
		disable(t, "contoso/john", false, true)
	})
	t.Run("the window is the tenant's", func(t *testing.T) {
		setSupport(t, d, "contoso", directory.SupportPolicy{Mode: directory.SupportByConsent, ConsentWindow: 2 * time.Hour})
		c := enable(t, "contoso/john", false, supportNow)
		if !c.ExpiresAt.Equal(supportNow.Add(2 * time.Hour)) {
			t.Errorf("expires at %v, want two hours on", c.ExpiresAt)
		}
		authorize(t, "acme/jill", "john", supportNow.Add(2*time.Hour), directory.RefusedNoConsent)
		disable(t, "contoso/john", false, true)
	})
	t.Run("an inherited consent policy", func(t *testing.T) {
		setSupport(t, d, "contoso", directory.SupportPolicy{})
		setSupport(t, d, "acme", directory.SupportPolicy{Mode: directory.SupportByConsent})
		north := tenantID(t, d, "contoso-north")
		got, err := d.AuthorizeSupport(ctx, u["acme/jill"].ID, north, "nora", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNoConsent)
		enable(t, "contoso-north/nora", false, supportNow)
		got, err = d.AuthorizeSupport(ctx, u["acme/jill"].ID, north, "nora", supportNow)
		wantSupport(t, got, err, "contoso-north/nora", "")
		// The policy binds the system tenant's support users too: the
		// target's tenant decides, not the actor's.
		got, err = d.AuthorizeSupport(ctx, u["sys/sam"].ID, tenantID(t, d, "contoso"), "john", supportNow)
		wantSupport(t, got, err, "", directory.RefusedNoConsent)
		// The policy of a sibling branch does not apply.
		got, err = d.AuthorizeSupport(ctx, u["sys/sam"].ID, tenantID(t, d, "initech"), "ian", supportNow)
		wantSupport(t, got, err, "initech/ian", "")
	})
}

func TestRecheckSupport(t *testing.T) {
	d, u := supportWorld(t)
	ctx, s := t.Context(), d.Store()
	recheck := func(t *testing.T, actor, target string, now time.Time, refusal directory.SupportRefusal) {
		t.Helper()
		targetID := "no-such-user"
		if target != "" {
			targetID = u[target].ID
		}
		got, err := d.RecheckSupport(ctx, u[actor].ID, targetID, now)
		wantSupport(t, got, err, target, refusal)
		if err == nil && got.Actor.ID != u[actor].ID {
			t.Errorf("actor %s, want %s", got.Actor.Username, actor)
		}
	}
	t.Run("the same answers by ids", func(t *testing.T) {
		for _, tt := range []struct {
			actor, target string
			refusal       directory.SupportRefusal
		}{
			{"acme/jill", "contoso/john", ""},
			{"sys/sam", "contoso-north/nora", ""},
			{"acme/nick", "contoso/john", directory.RefusedNoPermission},
			{"acme/rita", "contoso/john", directory.RefusedNoPermission},
			{"acme/jill", "acme/nick", directory.RefusedNotBelow},
			{"acme/jill", "sys/sam", directory.RefusedNotBelow},
			{"acme/jill", "initech/ian", directory.RefusedNotBelow},
			{"acme/jill", "", directory.RefusedUnknownUser},
			{"acme/jill", "contoso/dan", directory.RefusedUserDisabled},
			{"acme/jill", "contoso/pam", directory.RefusedUserPending},
			{"acme/dora", "contoso/john", directory.RefusedActorInactive},
		} {
			t.Run(tt.actor+"$"+tt.target, func(t *testing.T) {
				recheck(t, tt.actor, tt.target, supportNow, tt.refusal)
			})
		}
	})
	t.Run("a revoked consent ends the access", func(t *testing.T) {
		setSupport(t, d, "contoso", directory.SupportPolicy{Mode: directory.SupportByConsent})
		john := directory.SupportCaller{UserID: u["contoso/john"].ID}
		recheck(t, "acme/jill", "contoso/john", supportNow, directory.RefusedNoConsent)
		if _, err := d.EnableSupport(ctx, john, false, supportNow); err != nil {
			t.Fatal(err)
		}
		recheck(t, "acme/jill", "contoso/john", supportNow.Add(time.Hour), "")
		recheck(t, "acme/jill", "contoso/john", supportNow.Add(directory.DefaultConsentWindow), directory.RefusedNoConsent)
		if _, err := d.DisableSupport(ctx, john, false, supportNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		recheck(t, "acme/jill", "contoso/john", supportNow.Add(time.Hour), directory.RefusedNoConsent)
	})
	t.Run("a lost permission or a disabled actor ends the access", func(t *testing.T) {
		setSupport(t, d, "contoso", directory.SupportPolicy{})
		recheck(t, "acme/jack", "contoso/john", supportNow, "")
		if _, _, err := d.PutGlobalRole(ctx, s, "acme", directory.GlobalRole{Name: "support-pair", Permissions: perms("support:read")}); err != nil {
			t.Fatal(err)
		}
		recheck(t, "acme/jack", "contoso/john", supportNow, directory.RefusedNoPermission)
		jill := u["acme/jill"]
		jill.Disabled = true
		if err := s.UpdateUser(ctx, jill); err != nil {
			t.Fatal(err)
		}
		recheck(t, "acme/jill", "contoso/john", supportNow, directory.RefusedActorInactive)
	})
	t.Run("a disabled target ends the access", func(t *testing.T) {
		recheck(t, "sys/sam", "contoso/john", supportNow, "")
		john := u["contoso/john"]
		john.Disabled = true
		if err := s.UpdateUser(ctx, john); err != nil {
			t.Fatal(err)
		}
		recheck(t, "sys/sam", "contoso/john", supportNow, directory.RefusedUserDisabled)
	})
}

func TestEffectiveSupport(t *testing.T) {
	d, _ := supportWorld(t)
	ctx, s := t.Context(), d.Store()
	def := directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, ConsentWindow: directory.DefaultConsentWindow}
	tree := []string{"sys", "acme", "contoso", "contoso-north"}
	tests := []struct {
		name string
		set  map[string]directory.SupportPolicy // the others inherit
		at   string
		want directory.EffectiveSupportPolicy
	}{
		{"nothing set anywhere: the defaults", nil, "contoso-north", def},
		{"the system tenant's own defaults", nil, "sys", def},
		{"consent is inherited", map[string]directory.SupportPolicy{"acme": {Mode: directory.SupportByConsent}},
			"contoso-north", directory.EffectiveSupportPolicy{Mode: directory.SupportByConsent, ConsentWindow: directory.DefaultConsentWindow}},
		{"a child cannot loosen its parent's consent", map[string]directory.SupportPolicy{
			"acme": {Mode: directory.SupportByConsent}, "contoso": {Mode: directory.SupportByPermission}, "contoso-north": {Mode: directory.SupportByPermission}},
			"contoso-north", directory.EffectiveSupportPolicy{Mode: directory.SupportByConsent, ConsentWindow: directory.DefaultConsentWindow}},
		{"a child tightens", map[string]directory.SupportPolicy{"sys": {Mode: directory.SupportByPermission}, "contoso": {Mode: directory.SupportByConsent}},
			"contoso", directory.EffectiveSupportPolicy{Mode: directory.SupportByConsent, ConsentWindow: directory.DefaultConsentWindow}},
		{"a child's consent does not bind its parent", map[string]directory.SupportPolicy{"contoso": {Mode: directory.SupportByConsent}},
			"acme", def},
		{"a reason required above is required below", map[string]directory.SupportPolicy{
			"sys": {RequireReason: true}, "contoso": {RequireReason: false}},
			"contoso-north", directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, RequireReason: true, ConsentWindow: directory.DefaultConsentWindow}},
		{"a reason required by the tenant itself", map[string]directory.SupportPolicy{"contoso-north": {RequireReason: true}},
			"contoso-north", directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, RequireReason: true, ConsentWindow: directory.DefaultConsentWindow}},
		{"the nearest window wins, shorter", map[string]directory.SupportPolicy{
			"acme": {ConsentWindow: 48 * time.Hour}, "contoso": {ConsentWindow: 2 * time.Hour}},
			"contoso-north", directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, ConsentWindow: 2 * time.Hour}},
		{"the nearest window wins, longer", map[string]directory.SupportPolicy{
			"sys": {ConsentWindow: time.Hour}, "contoso-north": {ConsentWindow: 72 * time.Hour}},
			"contoso-north", directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, ConsentWindow: 72 * time.Hour}},
		{"an inherited window", map[string]directory.SupportPolicy{"acme": {ConsentWindow: 48 * time.Hour}},
			"contoso-north", directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, ConsentWindow: 48 * time.Hour}},
		{"all three at once", map[string]directory.SupportPolicy{
			"sys":     {Mode: directory.SupportByConsent, ConsentWindow: 30 * 24 * time.Hour},
			"acme":    {RequireReason: true},
			"contoso": {Mode: directory.SupportByPermission, ConsentWindow: 8 * time.Hour}},
			"contoso-north", directory.EffectiveSupportPolicy{Mode: directory.SupportByConsent, RequireReason: true, ConsentWindow: 8 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, slug := range tree {
				setSupport(t, d, slug, tt.set[slug])
			}
			tn, err := s.TenantBySlug(ctx, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if tn.Settings.Support != tt.set[tt.at] {
				t.Errorf("stored %+v, want %+v", tn.Settings.Support, tt.set[tt.at])
			}
			got, err := d.EffectiveSupport(ctx, tn)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("effective %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("PutTenantSettings checks the policy", func(t *testing.T) {
		for _, slug := range tree {
			setSupport(t, d, slug, directory.SupportPolicy{})
		}
		for _, tt := range []struct {
			name  string
			p     directory.SupportPolicy
			field string // "" if accepted
		}{
			{"an unknown mode", directory.SupportPolicy{Mode: "sometimes"}, "support.mode"},
			{"a mode in capitals", directory.SupportPolicy{Mode: "Consent"}, "support.mode"},
			{"a window under an hour", directory.SupportPolicy{ConsentWindow: 59 * time.Minute}, "support.consent_window"},
			{"a window over 30 days", directory.SupportPolicy{ConsentWindow: 30*24*time.Hour + time.Second}, "support.consent_window"},
			{"a negative window", directory.SupportPolicy{ConsentWindow: -time.Hour}, "support.consent_window"},
			{"one hour", directory.SupportPolicy{ConsentWindow: directory.MinConsentWindow}, ""},
			{"30 days", directory.SupportPolicy{Mode: directory.SupportByConsent, ConsentWindow: directory.MaxConsentWindow}, ""},
			{"everything set", directory.SupportPolicy{Mode: directory.SupportByPermission, RequireReason: true, ConsentWindow: 24 * time.Hour}, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				before, _ := s.TenantBySlug(ctx, "contoso")
				st := before.Settings
				st.Support = tt.p
				ch, err := d.PutTenantSettings(ctx, s, "contoso", st)
				after, _ := s.TenantBySlug(ctx, "contoso")
				if tt.field == "" {
					if err != nil || ch != directory.Updated || after.Settings.Support != tt.p {
						t.Errorf("= %v, %v; stored %+v", ch, err, after.Settings.Support)
					}
					setSupport(t, d, "contoso", directory.SupportPolicy{})
					return
				}
				if fieldOf(err) != tt.field {
					t.Errorf("err = %v, want a field error on %s", err, tt.field)
				}
				if after.Settings.Support != before.Settings.Support || !after.UpdatedAt.Equal(before.UpdatedAt) {
					t.Errorf("a refused policy changed the tenant: %+v", after.Settings.Support)
				}
			})
		}
		tn, _ := s.TenantBySlug(ctx, "contoso")
		if ch, err := d.PutTenantSettings(ctx, s, "contoso", tn.Settings); err != nil || ch != directory.Unchanged {
			t.Errorf("the same settings again = %v, %v; want unchanged", ch, err)
		}
	})
}

func TestSupportCheckReason(t *testing.T) {
	required := directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, RequireReason: true, ConsentWindow: directory.DefaultConsentWindow}
	optional := required
	optional.RequireReason = false
	long := strings.Repeat("x", directory.MaxSupportReason)
	tests := []struct {
		name    string
		pol     directory.EffectiveSupportPolicy
		reason  string
		want    string
		refusal directory.SupportRefusal
		field   string
	}{
		{"required and given", required, "TICKET-1234", "TICKET-1234", "", ""},
		{"required and empty", required, "", "", directory.RefusedReasonRequired, ""},
		{"required and blank", required, "  \t ", "", directory.RefusedReasonRequired, ""},
		{"trimmed", required, "  TICKET-1234 printer offline \n", "TICKET-1234 printer offline", "", ""},
		{"unicode is fine", optional, "Störung #42 – Zähler", "Störung #42 – Zähler", "", ""},
		{"at the limit", optional, long, long, "", ""},
		{"too long", optional, long + "y", "", "", "reason"},
		{"counted in characters, not bytes", optional, strings.Repeat("é", directory.MaxSupportReason), strings.Repeat("é", directory.MaxSupportReason), "", ""},
		{"two lines", required, "TICKET-1\nTICKET-2", "", "", "reason"},
		{"a carriage return", optional, "TICKET-1\rrm -rf", "", "", "reason"},
		{"a tab inside", optional, "TICKET-1\tx", "", "", "reason"},
		{"an escape sequence", optional, "TICKET-1 \x1b[31mred", "", "", "reason"},
		{"invalid UTF-8", optional, "TICKET-\xff", "", "", "reason"},
		{"optional and empty", optional, "", "", "", ""},
		{"optional and blank", optional, "   ", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := directory.Support{Policy: tt.pol}.CheckReason(tt.reason)
			switch {
			case tt.refusal != "":
				if !errors.Is(err, directory.ErrSupportRefused) || directory.RefusalOf(err) != tt.refusal {
					t.Errorf("err = %v, want refusal %s", err, tt.refusal)
				}
			case tt.field != "":
				if fieldOf(err) != tt.field || directory.RefusalOf(err) != "" {
					t.Errorf("err = %v, want a field error on %s", err, tt.field)
				}
			case err != nil:
				t.Errorf("refused: %v", err)
			}
			if got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSupportActorIn(t *testing.T) {
	d, u := supportWorld(t)
	ctx, s := t.Context(), d.Store()
	tests := []struct {
		name     string
		tenant   string
		username string
		want     string // tenant/username; "" for ErrNotFound
	}{
		{"a provider's user for its customer", "contoso", "jill", "acme/jill"},
		{"the nearest ancestor wins over the system tenant", "contoso-north", "jill", "acme/jill"},
		{"the system tenant's user", "contoso-north", "sam", "sys/sam"},
		{"the username is normalized", "contoso", " Sam ", "sys/sam"},
		{"a provider's support user logging in at the provider finds the system's", "acme", "jill", "sys/jill"},
		{"whatever its permissions", "contoso", "nick", "acme/nick"},
		{"never the tenant itself", "contoso", "john", ""},
		{"never a tenant below", "contoso", "nora", ""},
		{"never a sibling provider", "contoso", "gina", ""},
		{"the system tenant has no ancestor", "sys", "sam", ""},
		{"nobody by that name", "contoso", "nobody", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn, err := s.TenantBySlug(ctx, tt.tenant)
			if err != nil {
				t.Fatal(err)
			}
			got, home, err := d.SupportActorIn(ctx, tn, tt.username)
			if tt.want == "" {
				if !errors.Is(err, directory.ErrNotFound) {
					t.Errorf("= %s in %s, %v; want ErrNotFound", got.Username, home.Slug, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u[tt.want].ID || home.ID != got.TenantID {
				t.Errorf("= %s in %s, want %s", got.Username, home.Slug, tt.want)
			}
		})
	}
}

func TestSplitSupportLogin(t *testing.T) {
	tests := []struct {
		in            string
		actor, target string
		ok            bool
	}{
		{"jill$john", "jill", "john", true},
		{"Jill$", "jill", "", true},
		{" JILL $ John ", "jill", "john", true},
		{"jill$john@contoso.example", "jill", "john@contoso.example", true},
		{"$john", "", "john", true},
		{"john", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			actor, target, ok := directory.SplitSupportLogin(tt.in)
			if actor != tt.actor || target != tt.target || ok != tt.ok {
				t.Errorf("= %q, %q, %t; want %q, %q, %t", actor, target, ok, tt.actor, tt.target, tt.ok)
			}
		})
	}
}

// TestSupportLoginPassword covers AuthenticateSupport (support_auth.go):
// the password is the support user's, found above the tenant logged in to,
// and every failure before the password is proven reads the same.
func TestSupportLoginPassword(t *testing.T) {
	d, u := supportWorld(t)
	ctx := t.Context()
	const pw = "correct-horse-battery"
	// pat holds support but has no password (invited, say).
	if _, err := d.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: "pat", TenantRole: directory.TenantRoleUser,
		GlobalRoles: []string{"support-engineers"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tenant, actor, password string
		want                          string // tenant/username of the actor
		err                           error
	}{
		{"the support user's own password", "contoso", "jill", pw, "acme/jill", nil},
		{"the nearest tenant above", "contoso-north", "Jill", pw, "acme/jill", nil},
		{"the system tenant's support user", "initech", "sam", pw, "sys/sam", nil},
		{"the password tells nothing about permissions", "contoso", "nick", pw, "acme/nick", nil},
		{"a wrong password", "contoso", "jill", "wrong-password", "", directory.ErrInvalidCredentials},
		{"an unknown tenant", "nowhere", "jill", pw, "", directory.ErrInvalidCredentials},
		{"an unknown support user", "contoso", "nobody", pw, "", directory.ErrInvalidCredentials},
		{"never a user of the tenant itself", "contoso", "john", pw, "", directory.ErrInvalidCredentials},
		{"never a user of a sibling", "contoso", "gina", pw, "", directory.ErrInvalidCredentials},
		{"never a user of a customer above", "contoso-north", "pam", "", "", directory.ErrInvalidCredentials},
		{"a support user without a password", "contoso", "pat", pw, "", directory.ErrInvalidCredentials},
		{"a support user without a password, given none", "contoso", "pat", "", "", directory.ErrInvalidCredentials},
		{"a disabled support user, with the right password", "contoso", "dora", pw, "", directory.ErrUserDisabled},
		{"a disabled support user, with a wrong one", "contoso", "dora", "wrong-password", "", directory.ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, tn, err := d.AuthenticateSupport(ctx, tt.tenant, tt.actor, tt.password)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || got.ID != "" {
					t.Errorf("= %s, %v; want %v", got.Username, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u[tt.want].ID || tn.Slug != tt.tenant {
				t.Errorf("= %s of %s at %s, want %s at %s", got.Username, got.TenantID, tn.Slug, tt.want, tt.tenant)
			}
		})
	}
}
