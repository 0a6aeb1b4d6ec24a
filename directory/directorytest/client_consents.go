package directorytest

import (
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// wantNoClientConsent fails unless userID has no consent to clientID.
func wantNoClientConsent(t *testing.T, s directory.Store, userID, clientID string) {
	t.Helper()
	got, err := s.ClientConsentOf(t.Context(), userID, clientID)
	if !errors.Is(err, directory.ErrNotFound) {
		t.Fatalf("ClientConsentOf(%s, %s) = %+v, %v; want ErrNotFound", userID, clientID, got, err)
	}
}

// wantClientConsent fails unless the consent of want's user and client
// reads back as want.
func wantClientConsent(t *testing.T, s directory.Store, want directory.ClientConsent) {
	t.Helper()
	got, err := s.ClientConsentOf(t.Context(), want.UserID, want.ClientID)
	mustDo(t, err)
	wantEqual(t, "ClientConsentOf("+want.UserID+", "+want.ClientID+")", got, want)
}

// testClientConsents: a person's consent to a third-party client is one
// per user and client, replaced by the next, and goes when the user is
// purged or the client deleted; the user and the client must exist.
func testClientConsents(t *testing.T, newStore func(t *testing.T) directory.Store) {
	// seedClients stores seedSupport's users and two clients, one of
	// acme's and one of the platform's.
	seedClients := func(t *testing.T, s directory.Store) (jill, ann directory.User) {
		t.Helper()
		_, acme, jill, ann := seedSupport(t, s)
		mustDo(t, s.CreateClient(t.Context(), newClient("app", acme.ID)))
		mustDo(t, s.CreateClient(t.Context(), newClient("other", "")))
		return jill, ann
	}
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		jill, ann := seedClients(t, s)
		wantNoClientConsent(t, s, jill.ID, "app")
		c := directory.ClientConsent{UserID: jill.ID, ClientID: "app", Scopes: []string{"openid", "profile", "roles"}, GrantedAt: at(1)}
		none := directory.ClientConsent{UserID: ann.ID, ClientID: "app", GrantedAt: at(2)}
		mustDo(t, s.PutClientConsent(t.Context(), c))
		mustDo(t, s.PutClientConsent(t.Context(), none))
		wantClientConsent(t, s, c)
		wantClientConsent(t, s, none)
		wantNoClientConsent(t, s, jill.ID, "other")

		// The next consent replaces the first, scopes and time.
		more := directory.ClientConsent{UserID: jill.ID, ClientID: "app", Scopes: []string{"openid", "email"}, GrantedAt: at(3)}
		mustDo(t, s.PutClientConsent(t.Context(), more))
		wantClientConsent(t, s, more)
		wantClientConsent(t, s, none)
	})
	t.Run("MissingReferences", func(t *testing.T) {
		s := newStore(t)
		jill, _ := seedClients(t, s)
		wantMissing(t, s.PutClientConsent(t.Context(), directory.ClientConsent{UserID: "u-nobody", ClientID: "app", GrantedAt: at(1)}), "u-nobody")
		wantMissing(t, s.PutClientConsent(t.Context(), directory.ClientConsent{UserID: jill.ID, ClientID: "gone", GrantedAt: at(1)}), "gone")
		wantNoClientConsent(t, s, "u-nobody", "app")
		wantNoClientConsent(t, s, jill.ID, "gone")
	})
	t.Run("Removals", func(t *testing.T) {
		s := newStore(t)
		jill, ann := seedClients(t, s)
		ctx := t.Context()
		for _, c := range []directory.ClientConsent{
			{UserID: jill.ID, ClientID: "app", Scopes: []string{"openid"}, GrantedAt: at(1)},
			{UserID: jill.ID, ClientID: "other", Scopes: []string{"openid"}, GrantedAt: at(1)},
			{UserID: ann.ID, ClientID: "app", Scopes: []string{"openid"}, GrantedAt: at(1)},
			{UserID: ann.ID, ClientID: "other", Scopes: []string{"openid"}, GrantedAt: at(1)},
		} {
			mustDo(t, s.PutClientConsent(ctx, c))
		}
		mustDo(t, s.DeleteClient(ctx, "app"))
		wantNoClientConsent(t, s, jill.ID, "app")
		wantNoClientConsent(t, s, ann.ID, "app")
		if _, err := s.ClientConsentOf(ctx, jill.ID, "other"); err != nil {
			t.Fatalf("a client's deletion removed another's consent: %v", err)
		}

		mustDo(t, s.DeleteClientConsentsOf(ctx, jill.ID))
		wantNoClientConsent(t, s, jill.ID, "other")
		mustDo(t, s.DeleteClientConsentsOf(ctx, jill.ID)) // none left: not an error
		if _, err := s.ClientConsentOf(ctx, ann.ID, "other"); err != nil {
			t.Fatalf("one user's removal removed another's consent: %v", err)
		}

		mustDo(t, s.PurgeUser(ctx, ann.ID))
		wantNoClientConsent(t, s, ann.ID, "other")
	})
	t.Run("InTx", func(t *testing.T) {
		s := newStore(t)
		jill, _ := seedClients(t, s)
		err := s.InTx(t.Context(), func(tx directory.Store) error {
			mustDo(t, tx.PutClientConsent(t.Context(), directory.ClientConsent{UserID: jill.ID, ClientID: "app", GrantedAt: at(1)}))
			return directory.ErrConflict
		})
		wantErr(t, err, directory.ErrConflict)
		wantNoClientConsent(t, s, jill.ID, "app")
	})
}
