package directory_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
)

const day = 24 * time.Hour

// lifecycleWorld is worldTree on a clock the test moves (now), with
// contoso's administrator carol, dave (users:change, not an
// administrator), and bob and erin, ordinary users; acme's administrator
// alan, who sets contoso's settings. Callers are keyed "tenant/username".
func lifecycleWorld(t *testing.T) (*directory.Directory, *time.Time, map[string]directory.User, map[string]directory.Caller) {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d := newDirectoryAt(t, func() time.Time { return now })
	createTenants(t, d, titled, worldTree)
	if _, _, err := d.PutGlobalRole(t.Context(), d.Store(), "contoso",
		directory.GlobalRole{Name: "user-managers", Permissions: perms("users:read", "users:change", "users:create")}); err != nil {
		t.Fatal(err)
	}
	spec := []directory.NewUser{
		{TenantSlug: "contoso", Username: "carol", TenantRole: "admin"},
		{TenantSlug: "contoso", Username: "dave", GlobalRoles: []string{"user-managers"}},
		{TenantSlug: "contoso", Username: "bob"},
		{TenantSlug: "contoso", Username: "erin"},
		{TenantSlug: "acme", Username: "alan", TenantRole: "admin"},
	}
	callers := createCallers(t, d, spec)
	users := map[string]directory.User{}
	for key, c := range callers {
		u, err := d.Store().UserByID(t.Context(), c.UserID)
		if err != nil {
			t.Fatal(err)
		}
		users[key] = u
	}
	return d, &now, users, callers
}

// TestDeletedUserOverTime follows seed 000's promise with a moving clock:
// a deleted user cannot sign in at once, is restorable on day 9 and purged
// on day 11.
func TestDeletedUserOverTime(t *testing.T) {
	d, now, u, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	bob, erin := u["contoso/bob"], u["contoso/erin"]
	start := *now

	for _, who := range []directory.User{bob, erin} {
		before, after, err := d.DeleteUserFor(ctx, carol, who.ID)
		if err != nil || before.Deleted() || !after.DeletedAt.Equal(start) {
			t.Fatalf("delete %s: before %v, after %v, %v", who.Username, before.DeletedAt, after.DeletedAt, err)
		}
	}
	if got := d.PurgeAt(mustUser(t, d, bob.ID)); !got.Equal(start.Add(directory.DefaultUserRetention)) {
		t.Errorf("purge at %v, want %v", got, start.Add(directory.DefaultUserRetention))
	}

	// Deleted: no login (the answer of a wrong password), no session, no
	// change but restore and purge, the username still taken.
	if _, _, err := d.Authenticate(ctx, "contoso", "bob", "correct-horse-battery"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("login of a deleted user: %v, want ErrInvalidCredentials", err)
	}
	if _, err := d.ActiveUser(ctx, bob.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("ActiveUser of a deleted user: %v, want ErrNotFound", err)
	}
	if _, _, err := d.PrincipalOf(ctx, bob.ID, ""); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("PrincipalOf a deleted user: %v, want ErrNotFound", err)
	}
	enabled := false
	if _, _, err := d.UpdateUserFor(ctx, carol, bob.ID, directory.UserUpdate{Enabled: &enabled}); !errors.Is(err, directory.ErrUserDeleted) {
		t.Errorf("change a deleted user: %v, want ErrUserDeleted", err)
	}
	if _, _, err := d.DeleteUserFor(ctx, carol, bob.ID); !errors.Is(err, directory.ErrUserDeleted) {
		t.Errorf("delete a deleted user again: %v, want ErrUserDeleted", err)
	}
	_, err := d.CreateUserFor(ctx, carol, directory.NewUser{TenantSlug: "contoso", Username: "bob", TenantRole: "user"})
	var fe *directory.FieldError
	if !errors.Is(err, directory.ErrConflict) || !errors.As(err, &fe) || fe.Field != "username" || !strings.Contains(fe.Reason, "deleted") {
		t.Errorf("create a deleted user's username: %v, want a conflict on username that says why", err)
	}

	// Lists leave deleted users out unless asked.
	for filter, want := range map[directory.DeletedFilter][]string{
		directory.DeletedExclude: {"carol", "dave"},
		directory.DeletedInclude: {"bob", "carol", "dave", "erin"},
		directory.DeletedOnly:    {"bob", "erin"},
	} {
		got, _, err := d.UsersFor(ctx, carol, "contoso", directory.UserFilter{Deleted: filter})
		if err != nil || strings.Join(usernames(got), ",") != strings.Join(want, ",") {
			t.Errorf("list with deleted=%q: %v, %v; want %v", filter, usernames(got), err, want)
		}
	}
	if _, _, err := d.UsersFor(ctx, carol, "contoso", directory.UserFilter{Deleted: "yes"}); !isFieldErr(err, "deleted") {
		t.Errorf("deleted=yes: %v, want a field error on deleted", err)
	}

	// Day 9: nothing is due; bob is restored as he was.
	*now = start.Add(9 * day)
	if n := purge(t, d); len(n) != 0 {
		t.Fatalf("day 9 purged %v, want nobody", n)
	}
	before, after, err := d.RestoreUserFor(ctx, carol, bob.ID)
	if err != nil || !before.Deleted() || after.Deleted() {
		t.Fatalf("restore on day 9: %v -> %v, %v", before.DeletedAt, after.DeletedAt, err)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "bob", "correct-horse-battery"); err != nil {
		t.Errorf("login after restore: %v", err)
	}
	if _, _, err := d.RestoreUserFor(ctx, carol, bob.ID); !errors.Is(err, directory.ErrUserNotDeleted) {
		t.Errorf("restore a user that is not deleted: %v, want ErrUserNotDeleted", err)
	}

	// Day 11: erin, deleted on day 0, is gone for good; bob, restored, stays.
	*now = start.Add(11 * day)
	if got := purge(t, d); strings.Join(got, ",") != "erin" {
		t.Fatalf("day 11 purged %v, want erin", got)
	}
	if _, err := d.Store().UserByID(ctx, erin.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("erin after the purge: %v, want ErrNotFound", err)
	}
	if _, _, err := d.RestoreUserFor(ctx, carol, erin.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("restore a purged user: %v, want ErrNotFound", err)
	}
	if _, err := d.Store().UserByID(ctx, bob.ID); err != nil {
		t.Errorf("bob after the purge: %v", err)
	}
	if got := purge(t, d); len(got) != 0 {
		t.Errorf("a second run purged %v, want nobody", got)
	}
}

// TestDeleteRules: nobody deletes or purges themselves, a user manager
// cannot delete the administrator it could not have made, and "delete now"
// purges a user that was never deleted.
func TestDeleteRules(t *testing.T) {
	d, _, u, c := lifecycleWorld(t)
	ctx := t.Context()
	if _, _, err := d.DeleteUserFor(ctx, c["contoso/carol"], u["contoso/carol"].ID); !isFieldErr(err, "id") {
		t.Errorf("delete oneself: %v, want a field error", err)
	}
	if _, err := d.PurgeUserFor(ctx, c["contoso/carol"], u["contoso/carol"].ID); !isFieldErr(err, "id") {
		t.Errorf("purge oneself: %v, want a field error", err)
	}
	if _, _, err := d.DeleteUserFor(ctx, c["contoso/dave"], u["contoso/carol"].ID); !errors.Is(err, directory.ErrForbidden) {
		t.Errorf("a user manager deletes the administrator: %v, want ErrForbidden", err)
	}
	if _, _, err := d.DeleteUserFor(ctx, c["contoso/bob"], u["contoso/erin"].ID); !errors.Is(err, directory.ErrForbidden) {
		t.Errorf("a plain user deletes another: %v, want ErrForbidden", err)
	}
	if mustUser(t, d, u["contoso/carol"].ID).Deleted() || mustUser(t, d, u["contoso/erin"].ID).Deleted() {
		t.Fatal("a refused delete deleted")
	}
	gone, err := d.PurgeUserFor(ctx, c["contoso/dave"], u["contoso/bob"].ID)
	if err != nil || gone.ID != u["contoso/bob"].ID {
		t.Fatalf("delete now: %+v, %v", gone, err)
	}
	if _, err := d.Store().UserByID(ctx, u["contoso/bob"].ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("bob after delete now: %v, want ErrNotFound", err)
	}
}

// TestQuota: past contoso's quota a create, and a restore, are refused
// naming the tenant and the limit; deleted users do not count; the
// tenant's own administrators cannot raise it.
func TestQuota(t *testing.T) {
	d, _, u, c := lifecycleWorld(t)
	ctx, carol, alan := t.Context(), c["contoso/carol"], c["acme/alan"]
	setQuota := func(by directory.Caller, n int) error {
		tn, err := d.Store().TenantBySlug(ctx, "contoso")
		if err != nil {
			t.Fatal(err)
		}
		s := tn.Settings
		s.MaxUsers = n
		_, err = d.UpdateTenantFor(ctx, by, "contoso", tn.Name, s)
		return err
	}
	if err := setQuota(carol, 100); !errors.Is(err, directory.ErrForbidden) {
		t.Errorf("contoso's administrator sets its own quota: %v, want ErrForbidden", err)
	}
	if err := setQuota(alan, -1); !isFieldErr(err, "max_users") {
		t.Errorf("a negative quota: %v, want a field error on max_users", err)
	}
	if err := setQuota(alan, 5); err != nil { // carol, dave, bob, erin: one more
		t.Fatal(err)
	}
	create := func(name string) error {
		_, err := d.CreateUserFor(ctx, carol, directory.NewUser{TenantSlug: "contoso", Username: name, TenantRole: "user"})
		return err
	}
	if err := create("fred"); err != nil {
		t.Fatalf("the fifth user: %v", err)
	}
	err := create("gina")
	var qe *directory.QuotaError
	if !errors.As(err, &qe) || qe.Tenant != "contoso" || qe.Limit != 5 || !errors.Is(err, directory.ErrConflict) {
		t.Fatalf("the sixth user: %v, want a QuotaError for contoso, 5", err)
	}
	if _, err := d.Store().UserByUsername(ctx, mustTenant(t, d, "contoso").ID, "gina"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a refused create stored the user: %v", err)
	}
	// A deleted user makes room; restoring it then is past the quota.
	if _, _, err := d.DeleteUserFor(ctx, carol, u["contoso/bob"].ID); err != nil {
		t.Fatal(err)
	}
	if err := create("gina"); err != nil {
		t.Fatalf("create once bob is deleted: %v", err)
	}
	if _, _, err := d.RestoreUserFor(ctx, carol, u["contoso/bob"].ID); !errors.As(err, &qe) {
		t.Errorf("restore past the quota: %v, want a QuotaError", err)
	}
	if !mustUser(t, d, u["contoso/bob"].ID).Deleted() {
		t.Error("a refused restore restored")
	}
	// Lowering the quota removes nobody.
	if err := setQuota(alan, 1); err != nil {
		t.Fatal(err)
	}
	if got, _, err := d.UsersFor(ctx, carol, "contoso", directory.UserFilter{}); err != nil || len(got) != 5 {
		t.Errorf("users after lowering the quota: %d, %v; want 5", len(got), err)
	}
}

// TestPasswordPolicyFor: a password an administrator gives a new user
// meets the policy; its strength is stored, and "must change" with it.
func TestPasswordPolicyFor(t *testing.T) {
	d, _, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	for _, tt := range []struct{ username, pw string }{
		{"hank", "short"},
		{"hank", "password1"},
		{"hank", "hank.contoso2024"},
	} {
		_, err := d.CreateUserFor(ctx, carol, directory.NewUser{TenantSlug: "contoso", Username: tt.username,
			Email: "hank@contoso.example", TenantRole: "user", Password: tt.pw})
		if !isFieldErr(err, "password") {
			t.Errorf("password %q: %v, want a field error on password", tt.pw, err)
		}
	}
	u, err := d.CreateUserFor(ctx, carol, directory.NewUser{TenantSlug: "contoso", Username: "hank", TenantRole: "user",
		Password: "violet tractor harbour 81", MustChangePassword: true})
	if err != nil {
		t.Fatal(err)
	}
	stored := mustUser(t, d, u.ID)
	if stored.PasswordStrength < password.Fair || !stored.MustChangePassword {
		t.Errorf("stored strength %v, must change %v; want at least fair, true", stored.PasswordStrength, stored.MustChangePassword)
	}
	// The operator's users (the directory file) keep an estimate too.
	if s := mustUser(t, d, c["contoso/bob"].UserID).PasswordStrength; s == password.StrengthUnknown {
		t.Errorf("an imported password's strength is %v, want an estimate", s)
	}
}

// TestSetPassword: the person's new password meets the policy, is not the
// old one, and clears "must change".
func TestSetPassword(t *testing.T) {
	d, _, u, _ := lifecycleWorld(t)
	ctx, bob := t.Context(), u["contoso/bob"]
	must := true
	if _, _, err := d.UpdateUserFor(ctx, callersOf(t, d, map[string]directory.User{"c": u["contoso/carol"]})["c"], bob.ID,
		directory.UserUpdate{MustChangePassword: &must}); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"qwerty123", "correct-horse-battery", "bob"} {
		if _, err := d.SetPassword(ctx, bob.ID, pw); !isFieldErr(err, "password") {
			t.Errorf("SetPassword(%q): %v, want a field error on password", pw, err)
		}
	}
	if !mustUser(t, d, bob.ID).MustChangePassword {
		t.Fatal("a refused password cleared must-change")
	}
	got, err := d.SetPassword(ctx, bob.ID, "lantern orbit pebble 7")
	if err != nil || got.MustChangePassword || got.PasswordStrength < password.Fair {
		t.Fatalf("SetPassword: %+v, %v", got, err)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "bob", "lantern orbit pebble 7"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "bob", "correct-horse-battery"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("login with the old password: %v, want ErrInvalidCredentials", err)
	}
}

func purge(t *testing.T, d *directory.Directory) []string {
	t.Helper()
	var names []string
	if _, err := d.PurgeDeleted(t.Context(), 0, func(_ directory.Store, u directory.User) error {
		names = append(names, u.Username)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return names
}

func mustUser(t *testing.T, d *directory.Directory, id string) directory.User {
	t.Helper()
	u, err := d.Store().UserByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustTenant(t *testing.T, d *directory.Directory, slug string) directory.Tenant {
	t.Helper()
	tn, err := d.Store().TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func usernames(us []directory.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Username
	}
	return out
}

func isFieldErr(err error, field string) bool {
	var fe *directory.FieldError
	return errors.As(err, &fe) && fe.Field == field
}

// TestDisablingRevokes: disabling a user ends what it signed in to before;
// enabling it again revives none of it, while a new sign-in works.
func TestDisablingRevokes(t *testing.T) {
	d, now, u, c := lifecycleWorld(t)
	ctx, bob := t.Context(), u["contoso/bob"]
	signedIn := *now
	*now = now.Add(time.Hour)
	for _, enabled := range []bool{false, true} {
		if _, _, err := d.UpdateUserFor(ctx, c["contoso/carol"], bob.ID, directory.UserUpdate{Enabled: &enabled}); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(time.Minute)
	}
	if _, _, err := d.PrincipalSince(ctx, bob.ID, "", signedIn); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a session from before the disabling, once enabled again: %v, want ErrNotFound", err)
	}
	if _, _, err := d.PrincipalSince(ctx, bob.ID, "", *now); err != nil {
		t.Errorf("a session signed in after: %v", err)
	}
	if _, _, err := d.PrincipalSince(ctx, u["contoso/erin"].ID, "", signedIn); err != nil {
		t.Errorf("another user's session: %v", err)
	}
}

// TestUpdateOwnProfile: a person changes its names, phone, job, office and
// language, each checked; nothing else, and nothing for a deleted user.
func TestUpdateOwnProfile(t *testing.T) {
	d, _, u, c := lifecycleWorld(t)
	ctx, bob := t.Context(), u["contoso/bob"]
	before, after, err := d.UpdateOwnProfile(ctx, bob.ID, directory.OwnProfile{DisplayName: " Bob B. ", GivenName: "Bob",
		FamilyName: "Bauer", Phone: "+49 30 1234", JobTitle: "Technician", OfficeLocation: "Berlin", PreferredLanguage: "de-CH"})
	if err != nil || before.DisplayName != "" || after.DisplayName != "Bob B." || after.PreferredLanguage != "de-CH" {
		t.Fatalf("update: %+v -> %+v, %v", before, after, err)
	}
	stored := mustUser(t, d, bob.ID)
	if stored.FamilyName != "Bauer" || stored.Username != "bob" || stored.Email != bob.Email || stored.TenantRole != bob.TenantRole {
		t.Errorf("stored %+v", stored)
	}
	for field, p := range map[string]directory.OwnProfile{
		"phone":              {Phone: "call me"},
		"preferred_language": {PreferredLanguage: "not a language!"},
		"display_name":       {DisplayName: "two\nlines"},
		"job_title":          {JobTitle: strings.Repeat("x", 101)},
	} {
		if _, _, err := d.UpdateOwnProfile(ctx, bob.ID, p); !isFieldErr(err, field) {
			t.Errorf("%s: %v, want a field error on %s", field, err, field)
		}
	}
	if got := mustUser(t, d, bob.ID); got.DisplayName != "Bob B." {
		t.Errorf("a refused update changed the profile: %+v", got)
	}
	if _, _, err := d.DeleteUserFor(ctx, c["contoso/carol"], bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.UpdateOwnProfile(ctx, bob.ID, directory.OwnProfile{DisplayName: "x"}); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a deleted user's profile: %v, want ErrNotFound", err)
	}
}
