package directory_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func TestClientConsentMissing(t *testing.T) {
	c := directory.ClientConsent{Scopes: []string{"openid", "profile"}}
	for _, tc := range []struct {
		name  string
		asked []string
		want  []string
	}{
		{"nothing asked", nil, nil},
		{"all given", []string{"profile", "openid"}, nil},
		{"one more", []string{"openid", "email", "profile"}, []string{"email"}},
		{"repeated", []string{"email", "roles", "email"}, []string{"email", "roles"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Missing(tc.asked); !slices.Equal(got, tc.want) {
				t.Errorf("Missing(%v) = %v, want %v", tc.asked, got, tc.want)
			}
		})
	}
}

// TestDeleteUserRemovesClientConsents: an administrator's delete takes the
// user's consents to third-party clients with it, and only its own, so
// that a restored user is asked again.
func TestDeleteUserRemovesClientConsents(t *testing.T) {
	d, _, u, c := lifecycleWorld(t)
	ctx, s := t.Context(), d.Store()
	bob, erin := u["contoso/bob"], u["contoso/erin"]
	if err := s.CreateClient(ctx, directory.Client{ID: "integrator", Name: "Integrator", Type: directory.ClientPublic,
		AuthMethod: directory.AuthNone, RedirectURIs: []string{"https://app.example/cb"},
		GrantTypes: []string{directory.GrantAuthorizationCode}, ThirdParty: true}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []directory.User{bob, erin} {
		if err := s.PutClientConsent(ctx, directory.ClientConsent{UserID: who.ID, ClientID: "integrator",
			Scopes: []string{"openid"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := d.DeleteUserFor(ctx, c["contoso/carol"], bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClientConsentOf(ctx, bob.ID, "integrator"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("consent of a deleted user: %v, want ErrNotFound", err)
	}
	if _, err := s.ClientConsentOf(ctx, erin.ID, "integrator"); err != nil {
		t.Errorf("another user's consent went too: %v", err)
	}
}
