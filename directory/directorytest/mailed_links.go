package directorytest

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/onetime"
	"github.com/gatehouse-id/gatehouse/password"
)

// testMailedLinks: a mailed link (directory/links.go) works the same on every
// backend, where the one-time tokens live in the directory's own
// transactions: a resend kills the first invitation, and of people using
// one link at once exactly one sets the password, while the others are
// told it was used and change nothing; a password the policy refuses
// leaves the link usable (its transaction rolled back the redeem).
func testMailedLinks(t *testing.T, newStore func(t *testing.T) directory.Store) {
	const users = 6
	s := newStore(t)
	d := directory.New(s, directory.NewSecretHasher(bytes.Repeat([]byte{7}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	sys, err := d.CreateTenant(t.Context(), "sys", "System", directory.LevelSystem, "")
	mustDo(t, err)
	root, err := d.CreateUser(t.Context(), directory.NewUser{TenantSlug: sys.Slug, Username: "root",
		TenantRole: directory.TenantRoleAdmin})
	mustDo(t, err)
	admin, err := d.CallerForUser(t.Context(), root.ID, "", "")
	mustDo(t, err)
	pat, first, err := d.InviteUserFor(t.Context(), admin, directory.NewUser{TenantSlug: sys.Slug, Username: "pat",
		Email: "pat@example.com", TenantRole: directory.TenantRoleUser}, "")
	mustDo(t, err)
	l, err := d.InviteFor(t.Context(), admin, pat.ID, "")
	mustDo(t, err)
	if _, err := d.OpenLink(t.Context(), onetime.PurposeInvitation, first.Secret); !errors.Is(err, onetime.ErrUsed) {
		t.Errorf("the first invitation after a resend: %v, want ErrUsed", err)
	}
	if _, _, err := d.UseLink(t.Context(), onetime.PurposeInvitation, l.Secret, "password1"); err == nil {
		t.Fatal("a common password was accepted")
	}
	if _, err := d.OpenLink(t.Context(), onetime.PurposeInvitation, l.Secret); err != nil {
		t.Fatalf("the link after a refused password: %v", err)
	}

	var (
		wg   sync.WaitGroup
		errs = make([]error, users)
		pws  = []string{"amber falcon river 1", "basalt heron meadow 2", "cobalt lynx harbour 3",
			"dune otter canyon 4", "ember wren glacier 5", "fjord moose prairie 6"}
		start = make(chan struct{})
	)
	for i := range users {
		wg.Go(func() {
			<-start
			_, _, errs[i] = d.UseLink(t.Context(), onetime.PurposeInvitation, l.Secret, pws[i])
		})
	}
	close(start)
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("two uses of one link succeeded: %d and %d", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, onetime.ErrUsed):
			t.Errorf("a losing use: %v, want ErrUsed", err)
		}
	}
	if won < 0 {
		t.Fatal("no use of the link succeeded")
	}
	got, err := s.UserByID(t.Context(), pat.ID)
	mustDo(t, err)
	if ok, err := password.Verify(got.PasswordHash, pws[won]); err != nil || !ok || !got.EmailVerified {
		t.Errorf("the stored password is not the winner's (%v), or the address is not verified (%v)", err, got.EmailVerified)
	}
}
