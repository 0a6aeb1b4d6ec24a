package directory_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/onetime"
	"github.com/gatehouse-id/gatehouse/password"
)

// The mailed links (links.go) on lifecycleWorld's clock: invitations for
// pending users, reset links for users with a password.

const (
	invite = onetime.PurposeInvitation
	reset  = onetime.PurposePasswordReset
	// goodPassword and betterPassword are passwords the policy allows for
	// anyone in lifecycleWorld.
	goodPassword   = "violet tractor harbour 81"
	betterPassword = "lantern orbit pebble 7"
)

// pendingUsers creates, for the caller by, users of contoso without a
// password and with an address each (username@contoso.example), and
// returns them by username.
func pendingUsers(t *testing.T, d *directory.Directory, by directory.Caller, names ...string) map[string]directory.User {
	t.Helper()
	out := map[string]directory.User{}
	for _, name := range names {
		u, err := d.CreateUserFor(t.Context(), by, directory.NewUser{TenantSlug: "contoso", Username: name,
			Email: name + "@contoso.example", TenantRole: directory.TenantRoleUser})
		if err != nil {
			t.Fatalf("pending user %s: %v", name, err)
		}
		out[name] = u
	}
	return out
}

// giveEmail gives the user u, for the caller by, the address
// username@contoso.example.
func giveEmail(t *testing.T, d *directory.Directory, by directory.Caller, u directory.User) {
	t.Helper()
	email := u.Username + "@contoso.example"
	if _, _, err := d.UpdateUserFor(t.Context(), by, u.ID, directory.UserUpdate{Email: &email}); err != nil {
		t.Fatalf("email of %s: %v", u.Username, err)
	}
}

// setEnabled enables or disables the user with id, for the caller by.
func setEnabled(t *testing.T, d *directory.Directory, by directory.Caller, id string, enabled bool) {
	t.Helper()
	if _, _, err := d.UpdateUserFor(t.Context(), by, id, directory.UserUpdate{Enabled: &enabled}); err != nil {
		t.Fatal(err)
	}
}

// dropLinks deletes every stored link, used or not, by running
// DeleteExpiredLinks on a clock far past any link's end, and returns how
// many there were: how a test counts the links it left behind. It puts
// the clock back.
func dropLinks(t *testing.T, d *directory.Directory, now *time.Time) int {
	t.Helper()
	saved := *now
	defer func() { *now = saved }()
	*now = now.Add(10 * 365 * day)
	n, err := d.DeleteExpiredLinks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInvitationOverTime follows seed 003's fourteen days with a moving
// clock: an invitation made on day 0 opens and is used on day 13, and
// leaves its user with a verified address and a password of known
// strength; another made on day 0 is expired on day 14 and after, for
// opening and for use, and using it changes nothing.
func TestInvitationOverTime(t *testing.T) {
	d, now, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	start := *now
	p := pendingUsers(t, d, carol, "pat", "quinn")
	pat, err := d.InviteFor(ctx, carol, p["pat"].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	quinn, err := d.InviteFor(ctx, carol, p["quinn"].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(directory.DefaultInvitationLifetime); !pat.ExpiresAt.Equal(want) || pat.Secret == "" ||
		pat.Purpose != invite || pat.Revoked != 0 || pat.User.ID != p["pat"].ID || pat.Tenant.Slug != "contoso" {
		t.Fatalf("invitation %+v, want one for pat of contoso until %v", pat, want)
	}

	*now = start.Add(13 * day)
	opened, err := d.OpenLink(ctx, invite, pat.Secret)
	if err != nil || opened.User.ID != p["pat"].ID || opened.Tenant.Slug != "contoso" || opened.Secret != "" {
		t.Fatalf("open on day 13: %+v, %v", opened, err)
	}
	got, used, err := d.UseLink(ctx, invite, pat.Secret, goodPassword)
	if err != nil || got.ID != p["pat"].ID || used.Secret != "" {
		t.Fatalf("use on day 13: %+v, %+v, %v", got, used, err)
	}
	stored := mustUser(t, d, p["pat"].ID)
	if stored.PasswordHash == "" || !stored.EmailVerified || stored.MustChangePassword ||
		stored.PasswordStrength < password.Fair || !stored.UpdatedAt.Equal(*now) {
		t.Errorf("pat after the invitation: %+v", stored)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "pat", goodPassword); err != nil {
		t.Errorf("login with the password the invitation set: %v", err)
	}

	before := mustUser(t, d, p["quinn"].ID)
	for _, n := range []time.Duration{14, 15} { // valid while now < ExpiresAt
		*now = start.Add(n * day)
		if _, err := d.OpenLink(ctx, invite, quinn.Secret); !errors.Is(err, onetime.ErrExpired) {
			t.Errorf("open on day %d: %v, want ErrExpired", n, err)
		}
		if _, _, err := d.UseLink(ctx, invite, quinn.Secret, goodPassword); !errors.Is(err, onetime.ErrExpired) {
			t.Errorf("use on day %d: %v, want ErrExpired", n, err)
		}
	}
	if after := mustUser(t, d, p["quinn"].ID); after.PasswordHash != "" || after.EmailVerified ||
		!after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("an expired invitation changed its user: %+v", after)
	}
}

// TestInvitationResend: sending an invitation again kills the first link,
// says so (Revoked), and the new link works.
func TestInvitationResend(t *testing.T) {
	d, _, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	pat := pendingUsers(t, d, carol, "pat")["pat"]
	first, err := d.InviteFor(ctx, carol, pat.ID, "")
	if err != nil || first.Revoked != 0 {
		t.Fatalf("first invitation: revoked %d, %v", first.Revoked, err)
	}
	second, err := d.InviteFor(ctx, carol, pat.ID, "")
	if err != nil || second.Revoked != 1 || second.Secret == first.Secret {
		t.Fatalf("second invitation: revoked %d, %v; want 1 and a new secret", second.Revoked, err)
	}
	if _, err := d.OpenLink(ctx, invite, first.Secret); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("open the first link: %v, want ErrUsed", err)
	}
	if _, _, err := d.UseLink(ctx, invite, first.Secret, goodPassword); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("use the first link: %v, want ErrUsed", err)
	}
	if _, _, err := d.UseLink(ctx, invite, second.Secret, goodPassword); err != nil {
		t.Errorf("use the second link: %v", err)
	}
}

// TestLinkSingleUse: a used link is used up, for opening and for use; of
// two people using one link at once, exactly one sets the password.
func TestLinkSingleUse(t *testing.T) {
	d, _, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	pat := pendingUsers(t, d, carol, "pat")["pat"]
	l, err := d.InviteFor(ctx, carol, pat.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.UseLink(ctx, invite, l.Secret, goodPassword); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.UseLink(ctx, invite, l.Secret, betterPassword); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("use again: %v, want ErrUsed", err)
	}
	if _, err := d.OpenLink(ctx, invite, l.Secret); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("open once used: %v, want ErrUsed", err)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "pat", goodPassword); err != nil {
		t.Errorf("the second use changed the password: %v", err)
	}

	names := []string{"r0", "r1", "r2", "r3", "r4"}
	for name, u := range pendingUsers(t, d, carol, names...) {
		l, err := d.InviteFor(ctx, carol, u.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		pws := []string{goodPassword, betterPassword}
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		for i := range errs {
			wg.Go(func() { _, _, errs[i] = d.UseLink(ctx, invite, l.Secret, pws[i]) })
		}
		wg.Wait()
		won := -1
		switch {
		case errs[0] == nil && errors.Is(errs[1], onetime.ErrUsed):
			won = 0
		case errs[1] == nil && errors.Is(errs[0], onetime.ErrUsed):
			won = 1
		default:
			t.Fatalf("%s: two uses at once: %v; %v; want one success and one ErrUsed", name, errs[0], errs[1])
		}
		if _, _, err := d.Authenticate(ctx, "contoso", name, pws[won]); err != nil {
			t.Errorf("%s: login with the winner's password: %v", name, err)
		}
	}
}

// TestLinkRefusedPassword: a password the policy refuses is a field error
// on password, and leaves the link as it was: the person tries again.
func TestLinkRefusedPassword(t *testing.T) {
	d, _, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	u := pendingUsers(t, d, carol, "pelletier")["pelletier"]
	l, err := d.InviteFor(ctx, carol, u.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"password1", "pelletier", "pelletier.contoso", "short", ""} {
		if _, _, err := d.UseLink(ctx, invite, l.Secret, pw); !isFieldErr(err, "password") {
			t.Errorf("password %q: %v, want a field error on password", pw, err)
		}
	}
	if stored := mustUser(t, d, u.ID); stored.PasswordHash != "" || stored.EmailVerified {
		t.Fatalf("a refused password changed the user: %+v", stored)
	}
	if _, err := d.OpenLink(ctx, invite, l.Secret); err != nil {
		t.Fatalf("open after refused passwords: %v", err)
	}
	if _, _, err := d.UseLink(ctx, invite, l.Secret, goodPassword); err != nil {
		t.Errorf("a good password after refused ones: %v", err)
	}
}

// TestLinkPurposes: an invitation link does not reset a password, nor a
// reset link invite; a secret that is no link's is not found either.
func TestLinkPurposes(t *testing.T) {
	d, _, u, c := lifecycleWorld(t)
	ctx, carol, bob := t.Context(), c["contoso/carol"], u["contoso/bob"]
	pat := pendingUsers(t, d, carol, "pat")["pat"]
	giveEmail(t, d, carol, bob)
	inv, err := d.InviteFor(ctx, carol, pat.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	rst, err := d.ResetLinkFor(ctx, carol, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	junk, _ := onetime.New()
	for _, tt := range []struct {
		name    string
		purpose onetime.Purpose
		secret  string
	}{
		{"invitation as reset", reset, inv.Secret},
		{"reset as invitation", invite, rst.Secret},
		{"unknown secret", invite, junk},
		{"malformed secret", reset, rst.Secret + "x"},
	} {
		if _, err := d.OpenLink(ctx, tt.purpose, tt.secret); !errors.Is(err, onetime.ErrNotFound) {
			t.Errorf("open %s: %v, want onetime.ErrNotFound", tt.name, err)
		}
		if _, _, err := d.UseLink(ctx, tt.purpose, tt.secret, goodPassword); !errors.Is(err, onetime.ErrNotFound) {
			t.Errorf("use %s: %v, want onetime.ErrNotFound", tt.name, err)
		}
	}
	if _, _, err := d.UseLink(ctx, invite, inv.Secret, goodPassword); err != nil {
		t.Errorf("the invitation after a try as a reset: %v", err)
	}
	if _, _, err := d.UseLink(ctx, reset, rst.Secret, goodPassword); err != nil {
		t.Errorf("the reset link after a try as an invitation: %v", err)
	}
}

// TestInviteForRefuses: an invitation goes only to an active pending user
// with an address that the caller manages, to a client that exists; a
// refused one stores no link.
func TestInviteForRefuses(t *testing.T) {
	d, now, u, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	p := pendingUsers(t, d, carol, "pat", "quinn")
	setEnabled(t, d, carol, p["quinn"].ID, false)
	bare, err := d.CreateUserFor(ctx, carol, directory.NewUser{TenantSlug: "contoso", Username: "bare",
		TenantRole: directory.TenantRoleUser})
	if err != nil {
		t.Fatal(err)
	}
	outside := createUsers(t, d, []directory.NewUser{
		{TenantSlug: "acme", Username: "olga", Email: "olga@acme.example"},
		{TenantSlug: "globex", Username: "gus", Email: "gus@globex.example"},
	})
	for _, tt := range []struct {
		name     string
		by       directory.Caller
		id       string
		clientID string
		ok       func(error) bool
	}{
		{"a user with a password", carol, u["contoso/bob"].ID, "", is(directory.ErrConflict)},
		{"a disabled user", carol, p["quinn"].ID, "", is(directory.ErrConflict)},
		{"a user without email", carol, bare.ID, "", field("email")},
		{"an unknown client", carol, p["pat"].ID, "no-such-client", field("client_id")},
		{"a user of the parent tenant", carol, outside["acme/olga"].ID, "", is(directory.ErrNotFound)},
		{"a user of another tenant", carol, outside["globex/gus"].ID, "", is(directory.ErrNotFound)},
		{"an unknown user", carol, "no-such-user", "", is(directory.ErrNotFound)},
		{"by a plain user", c["contoso/bob"], p["pat"].ID, "", is(directory.ErrForbidden)},
	} {
		if l, err := d.InviteFor(ctx, tt.by, tt.id, tt.clientID); !tt.ok(err) || l.Secret != "" {
			t.Errorf("%s: %+v, %v", tt.name, l, err)
		}
	}
	if n := dropLinks(t, d, now); n != 0 {
		t.Errorf("refused invitations stored %d links", n)
	}
}

// is and field make error checks for tables: errors.Is target, and a
// *FieldError on name.
func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }
func field(name string) func(error) bool {
	return func(err error) bool { return isFieldErr(err, name) }
}

// TestInviteUserFor: the new pending user and its link come together or
// not at all: a password given, an unknown client or the tenant's quota
// refuse both.
func TestInviteUserFor(t *testing.T) {
	d, now, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	contoso := mustTenant(t, d, "contoso")
	nu := func(name string) directory.NewUser {
		return directory.NewUser{TenantSlug: "contoso", Username: name, Email: name + "@contoso.example",
			TenantRole: directory.TenantRoleUser}
	}
	u, l, err := d.InviteUserFor(ctx, carol, nu("pat"), "")
	if err != nil || u.ID == "" || u.PasswordHash != "" || l.User.ID != u.ID {
		t.Fatalf("invite a new user: %+v, %+v, %v", u, l, err)
	}
	if _, _, err := d.UseLink(ctx, invite, l.Secret, goodPassword); err != nil {
		t.Fatalf("use the new user's invitation: %v", err)
	}

	withPassword, withHash := nu("hank"), nu("hank")
	withPassword.Password = goodPassword
	withHash.PasswordHash = mustUser(t, d, u.ID).PasswordHash
	if _, _, err := d.InviteUserFor(ctx, carol, withPassword, ""); !isFieldErr(err, "password") {
		t.Errorf("with a password: %v, want a field error on password", err)
	}
	if _, _, err := d.InviteUserFor(ctx, carol, withHash, ""); !isFieldErr(err, "password") {
		t.Errorf("with a password hash: %v, want a field error on password", err)
	}
	if _, _, err := d.InviteUserFor(ctx, carol, nu("hank"), "no-such-client"); !isFieldErr(err, "client_id") {
		t.Errorf("to an unknown client: %v, want a field error on client_id", err)
	}
	// carol, dave, bob, erin and pat: the quota is full.
	s := contoso.Settings
	s.MaxUsers = 5
	if _, err := d.UpdateTenantFor(ctx, c["acme/alan"], "contoso", contoso.Name, s); err != nil {
		t.Fatal(err)
	}
	var qe *directory.QuotaError
	if _, _, err := d.InviteUserFor(ctx, carol, nu("hank"), ""); !errors.As(err, &qe) {
		t.Errorf("past the quota: %v, want a QuotaError", err)
	}
	if _, err := d.Store().UserByUsername(ctx, contoso.ID, "hank"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("refused invitations left hank behind: %v", err)
	}
	if n := dropLinks(t, d, now); n != 1 {
		t.Errorf("%d links stored, want pat's alone", n)
	}
}

// TestResetLinkFor: an administrator's reset link is for an active user
// with a password and an address, and works for an hour.
func TestResetLinkFor(t *testing.T) {
	d, now, u, c := lifecycleWorld(t)
	ctx, carol, bob, erin := t.Context(), c["contoso/carol"], u["contoso/bob"], u["contoso/erin"]
	pat := pendingUsers(t, d, carol, "pat")["pat"]
	giveEmail(t, d, carol, bob)
	giveEmail(t, d, carol, u["contoso/dave"])
	setEnabled(t, d, carol, u["contoso/dave"].ID, false)
	for _, tt := range []struct {
		name string
		id   string
		ok   func(error) bool
	}{
		{"a pending user", pat.ID, is(directory.ErrConflict)},
		{"a disabled user", u["contoso/dave"].ID, is(directory.ErrConflict)},
		{"a user without email", erin.ID, field("email")},
		{"an unknown user", "no-such-user", is(directory.ErrNotFound)},
	} {
		if l, err := d.ResetLinkFor(ctx, carol, tt.id); !tt.ok(err) || l.Secret != "" {
			t.Errorf("%s: %+v, %v", tt.name, l, err)
		}
	}
	l, err := d.ResetLinkFor(ctx, carol, bob.ID)
	if err != nil || l.Purpose != reset || l.User.ID != bob.ID || !l.ExpiresAt.Equal(now.Add(directory.DefaultResetLifetime)) {
		t.Fatalf("reset link for bob: %+v, %v", l, err)
	}
	*now = now.Add(directory.DefaultResetLifetime)
	if _, err := d.OpenLink(ctx, reset, l.Secret); !errors.Is(err, onetime.ErrExpired) {
		t.Errorf("open after an hour: %v, want ErrExpired", err)
	}
	if n := dropLinks(t, d, now); n != 1 {
		t.Errorf("%d links stored, want bob's alone", n)
	}
}

// TestRequestReset: "forgot my password" mails a link only to an active
// user with a password and an address, and answers ErrNotFound for
// everyone else, storing nothing; a new request leaves the older link.
func TestRequestReset(t *testing.T) {
	d, now, u, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	pendingUsers(t, d, carol, "pat")
	for _, who := range []string{"bob", "dave", "erin"} {
		giveEmail(t, d, carol, u["contoso/"+who])
	}
	setEnabled(t, d, carol, u["contoso/dave"].ID, false)
	if _, _, err := d.DeleteUserFor(ctx, carol, u["contoso/erin"].ID); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, tenant, username string }{
		{"unknown tenant", "nowhere", "bob"},
		{"malformed tenant", "no where!", "bob"},
		{"unknown user", "contoso", "nobody"},
		{"user of another tenant", "acme", "bob"},
		{"deleted user", "contoso", "erin"},
		{"disabled user", "contoso", "dave"},
		{"user without email", "contoso", "carol"},
		{"pending user", "contoso", "pat"},
		{"malformed username", "contoso", "bob smith!"},
		{"empty username", "contoso", ""},
	} {
		if l, err := d.RequestReset(ctx, tt.tenant, tt.username); !errors.Is(err, directory.ErrNotFound) || l.Secret != "" {
			t.Errorf("%s: %+v, %v; want ErrNotFound", tt.name, l, err)
		}
	}
	if n := dropLinks(t, d, now); n != 0 {
		t.Fatalf("refused requests stored %d links", n)
	}

	first, err := d.RequestReset(ctx, " Contoso ", "BOB")
	if err != nil || first.Purpose != reset || first.User.ID != u["contoso/bob"].ID || first.Tenant.Slug != "contoso" ||
		first.User.Email != "bob@contoso.example" || first.Secret == "" || first.Revoked != 0 {
		t.Fatalf("request for bob: %+v, %v", first, err)
	}
	// Anyone may ask: a new request leaves the older link alive, and using
	// either kills the other.
	second, err := d.RequestReset(ctx, "contoso", "bob")
	if err != nil || second.Revoked != 0 {
		t.Fatalf("second request: revoked %d, %v; want 0", second.Revoked, err)
	}
	if _, err := d.OpenLink(ctx, reset, first.Secret); err != nil {
		t.Errorf("the older link: %v, want it alive", err)
	}
	if _, _, err := d.UseLink(ctx, reset, second.Secret, betterPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenLink(ctx, reset, first.Secret); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("the older link once the newer was used: %v, want ErrUsed", err)
	}
}

// TestResetLinkUse: using a reset link ends the sessions from before it,
// clears "must change", refuses the current password, and kills the
// user's other reset links.
func TestResetLinkUse(t *testing.T) {
	d, now, u, c := lifecycleWorld(t)
	ctx, carol, bob := t.Context(), c["contoso/carol"], u["contoso/bob"]
	giveEmail(t, d, carol, bob)
	if _, err := d.SetPassword(ctx, bob.ID, betterPassword); err != nil {
		t.Fatal(err)
	}
	must := true
	if _, _, err := d.UpdateUserFor(ctx, carol, bob.ID, directory.UserUpdate{MustChangePassword: &must}); err != nil {
		t.Fatal(err)
	}
	signedIn := *now
	*now = now.Add(time.Minute)
	l, err := d.ResetLinkFor(ctx, carol, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Another live reset link of bob's, as two nodes racing could leave:
	// the directory itself never keeps two.
	other, hash := onetime.New()
	if err := d.Store().CreateToken(ctx, onetime.Token{Hash: hash, Purpose: reset, UserID: bob.ID, TenantID: bob.TenantID,
		CreatedAt: *now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	_, _, err = d.UseLink(ctx, reset, l.Secret, betterPassword)
	var fe *directory.FieldError
	if !errors.As(err, &fe) || fe.Field != "password" || !strings.Contains(fe.Reason, "current") {
		t.Errorf("the current password as the new one: %v, want a field error that says so", err)
	}
	if _, err := d.OpenLink(ctx, reset, l.Secret); err != nil {
		t.Fatalf("the link after a refused password: %v", err)
	}

	*now = now.Add(time.Minute)
	got, _, err := d.UseLink(ctx, reset, l.Secret, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	stored := mustUser(t, d, bob.ID)
	for _, x := range []directory.User{got, stored} {
		if !x.RevokedBefore.Equal(*now) || x.MustChangePassword || !x.EmailVerified {
			t.Errorf("bob after the reset: revoked before %v, must change %v, verified %v; want %v, false, true",
				x.RevokedBefore, x.MustChangePassword, x.EmailVerified, *now)
		}
	}
	if _, _, err := d.PrincipalSince(ctx, bob.ID, "", signedIn); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a session from before the reset: %v, want ErrNotFound", err)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "bob", goodPassword); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "bob", betterPassword); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("login with the old password: %v, want ErrInvalidCredentials", err)
	}
	if _, err := d.OpenLink(ctx, reset, other); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("bob's other reset link: %v, want ErrUsed", err)
	}
}

// TestLinkUserChanged: a link does not outlive a change it must not: the
// user deleted, disabled or given a password some other way kills its live
// links (enabling or restoring it brings none back), and a purged user's
// link names nobody.
func TestLinkUserChanged(t *testing.T) {
	d, now, u, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	p := pendingUsers(t, d, carol, "pat", "quinn", "rita")
	giveEmail(t, d, carol, u["contoso/bob"])
	links := map[string]directory.MailLink{}
	for name, pu := range p {
		l, err := d.InviteFor(ctx, carol, pu.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		links[name] = l
	}
	bobs, err := d.ResetLinkFor(ctx, carol, u["contoso/bob"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.DeleteUserFor(ctx, carol, p["pat"].ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.RestoreUserFor(ctx, carol, p["pat"].ID); err != nil {
		t.Fatal(err)
	}
	setEnabled(t, d, carol, p["quinn"].ID, false)
	setEnabled(t, d, carol, p["quinn"].ID, true)
	if _, err := d.SetPassword(ctx, p["rita"].ID, betterPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := d.PurgeUserFor(ctx, carol, u["contoso/bob"].ID); err != nil {
		t.Fatal(err)
	}
	links["bob"] = bobs

	for _, tt := range []struct {
		name string
		want error
	}{
		{"pat", onetime.ErrUsed},     // deleted, then restored
		{"quinn", onetime.ErrUsed},   // disabled, then enabled
		{"rita", onetime.ErrUsed},    // set a password otherwise
		{"bob", onetime.ErrNotFound}, // purged
	} {
		l := links[tt.name]
		if _, err := d.OpenLink(ctx, l.Purpose, l.Secret); !errors.Is(err, tt.want) {
			t.Errorf("open %s's link: %v, want %v", tt.name, err, tt.want)
		}
		if _, _, err := d.UseLink(ctx, l.Purpose, l.Secret, goodPassword); !errors.Is(err, tt.want) {
			t.Errorf("use %s's link: %v, want %v", tt.name, err, tt.want)
		}
	}
	// The purged user's link was left unused; nobody can use it.
	if _, err := d.Store().PeekToken(ctx, onetime.Hash(bobs.Secret), bobs.Purpose, *now); err != nil {
		t.Errorf("bob's link after a refused use: %v, want it unused", err)
	}
	if got := mustUser(t, d, p["quinn"].ID); got.PasswordHash != "" || got.EmailVerified {
		t.Errorf("a once disabled user's link set its password: %+v", got)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "rita", betterPassword); err != nil {
		t.Errorf("rita's own password after her invitation was refused: %v", err)
	}
	// A password changed otherwise ends reset links too.
	dave := u["contoso/dave"]
	giveEmail(t, d, carol, dave)
	l, err := d.ResetLinkFor(ctx, carol, dave.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetPassword(ctx, dave.ID, betterPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenLink(ctx, l.Purpose, l.Secret); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("a reset link after the password changed: %v, want ErrUsed", err)
	}
}

// TestDeleteExpiredLinks: the purge removes links that expired more than
// LinkKeep ago, used or not, and keeps the younger ones, so that their
// page can still say "expired".
func TestDeleteExpiredLinks(t *testing.T) {
	d, now, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	start := *now
	p := pendingUsers(t, d, carol, "pat", "quinn", "rita")
	old, err := d.InviteFor(ctx, carol, p["pat"].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	used, err := d.InviteFor(ctx, carol, p["quinn"].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.UseLink(ctx, invite, used.Secret, goodPassword); err != nil {
		t.Fatal(err)
	}
	*now = start.Add(20 * day)
	young, err := d.InviteFor(ctx, carol, p["rita"].ID, "")
	if err != nil {
		t.Fatal(err)
	}

	// At the end of old's (and used's) LinkKeep, nothing is due; a second
	// later both are.
	*now = old.ExpiresAt.Add(directory.LinkKeep)
	if n, err := d.DeleteExpiredLinks(ctx); n != 0 || err != nil {
		t.Fatalf("at the end of LinkKeep: deleted %d, %v; want 0", n, err)
	}
	*now = now.Add(time.Second)
	if n, err := d.DeleteExpiredLinks(ctx); n != 2 || err != nil {
		t.Fatalf("past LinkKeep: deleted %d, %v; want the old and the used link", n, err)
	}
	for _, tt := range []struct {
		name   string
		secret string
		want   error
	}{
		{"old", old.Secret, onetime.ErrNotFound},
		{"used", used.Secret, onetime.ErrNotFound},
		{"young", young.Secret, onetime.ErrExpired},
	} {
		if _, err := d.OpenLink(ctx, invite, tt.secret); !errors.Is(err, tt.want) {
			t.Errorf("%s link after the purge: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestLinksEndWithTheAddress: changing a user's email address kills the
// links mailed to the old one, so that whoever reads the old mailbox can
// neither set the password nor verify the new address.
func TestLinksEndWithTheAddress(t *testing.T) {
	d, _, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	pat := pendingUsers(t, d, carol, "pat")["pat"]
	l, err := d.InviteFor(ctx, carol, pat.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	moved := "pat.new@contoso.example"
	if _, _, err := d.UpdateUserFor(ctx, carol, pat.ID, directory.UserUpdate{Email: &moved}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.UseLink(ctx, l.Purpose, l.Secret, goodPassword); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("the link to the old address: %v, want ErrUsed", err)
	}
	if got := mustUser(t, d, pat.ID); got.PasswordHash != "" || got.EmailVerified {
		t.Errorf("the old link set a password or verified the new address: %+v", got)
	}
	// Other changes leave the link alone.
	l, err = d.InviteFor(ctx, carol, pat.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	name := "Pat"
	if _, _, err := d.UpdateUserFor(ctx, carol, pat.ID, directory.UserUpdate{GivenName: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenLink(ctx, l.Purpose, l.Secret); err != nil {
		t.Errorf("the link after a change of name: %v", err)
	}
	// The operator's directory file changing the address ends it too.
	if _, _, err := d.PutUser(ctx, d.Store(), directory.NewUser{TenantSlug: "contoso", Username: "pat",
		Email: "pat.file@contoso.example", TenantRole: directory.TenantRoleUser}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenLink(ctx, l.Purpose, l.Secret); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("the link after the directory file changed the address: %v, want ErrUsed", err)
	}
}

// TestInvitationPortalReach: an invitation continues to a portal of the
// whole platform or of the person's tenant or one above it; another
// tenant's portal is refused as if it did not exist.
func TestInvitationPortalReach(t *testing.T) {
	d, _, _, c := lifecycleWorld(t)
	ctx, carol := t.Context(), c["contoso/carol"]
	for _, p := range []struct{ id, tenant string }{{"platform", ""}, {"acme-portal", "acme"}, {"contoso-portal", "contoso"},
		{"globex-portal", "globex"}} {
		cl := directory.Client{ID: p.id, Name: p.id, Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			RedirectURIs: []string{"https://" + p.id + ".example/cb"}, GrantTypes: []string{directory.GrantAuthorizationCode}}
		if p.tenant != "" {
			cl.TenantID = mustTenant(t, d, p.tenant).ID
		}
		if _, _, err := d.CreateClient(ctx, cl, ""); err != nil {
			t.Fatal(err)
		}
	}
	pat := pendingUsers(t, d, carol, "pat")["pat"]
	for _, id := range []string{"platform", "acme-portal", "contoso-portal"} {
		if l, err := d.InviteFor(ctx, carol, pat.ID, id); err != nil || l.ClientID != id {
			t.Errorf("invite to %s: %v", id, err)
		}
	}
	if _, err := d.InviteFor(ctx, carol, pat.ID, "globex-portal"); !isFieldErr(err, "client_id") {
		t.Errorf("invite to another tenant's portal: %v, want a field error on client_id", err)
	}
}
