package directorytest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// seedSupport stores seed's tenants and two users of acme, jill and ann,
// for consents to refer to.
func seedSupport(t *testing.T, s directory.Store) (sys, acme directory.Tenant, jill, ann directory.User) {
	t.Helper()
	sys, acme = seed(t, s)
	jill = newUser("u-jill", acme.ID, "jill", "")
	ann = newUser("u-ann", acme.ID, "ann", "")
	mustDo(t, s.CreateUser(t.Context(), jill))
	mustDo(t, s.CreateUser(t.Context(), ann))
	return sys, acme, jill, ann
}

// newConsent returns a consent of tenantID and userID ("" for the whole
// tenant) given by grantedBy at minute m, open for a day.
func newConsent(tenantID, userID, grantedBy string, m int) directory.SupportConsent {
	return directory.SupportConsent{TenantID: tenantID, UserID: userID, GrantedBy: grantedBy,
		GrantedAt: at(m), ExpiresAt: at(m + 24*60)}
}

// wantConsent fails unless the consent of tenantID and userID reads back
// as want.
func wantConsent(t *testing.T, s directory.Store, tenantID, userID string, want directory.SupportConsent) {
	t.Helper()
	got, err := s.SupportConsentOf(t.Context(), tenantID, userID)
	mustDo(t, err)
	wantEqual(t, fmt.Sprintf("SupportConsentOf(%s, %q)", tenantID, userID), got, want)
}

// wantNoConsent fails unless tenantID and userID have no consent.
func wantNoConsent(t *testing.T, s directory.Store, tenantID, userID string) {
	t.Helper()
	got, err := s.SupportConsentOf(t.Context(), tenantID, userID)
	if !errors.Is(err, directory.ErrNotFound) {
		t.Fatalf("SupportConsentOf(%s, %q) = %+v, %v; want ErrNotFound", tenantID, userID, got, err)
	}
}

func testSupportConsents(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		_, acme, jill, ann := seedSupport(t, s)
		own := newConsent(acme.ID, jill.ID, jill.ID, 1)
		tenant := newConsent(acme.ID, "", ann.ID, 2)
		tenant.ExpiresAt = at(2 + 48*60)
		mustDo(t, s.PutSupportConsent(t.Context(), own))
		mustDo(t, s.PutSupportConsent(t.Context(), tenant))
		wantConsent(t, s, acme.ID, jill.ID, own)
		wantConsent(t, s, acme.ID, "", tenant)
	})

	t.Run("TimesComeBackInUTC", func(t *testing.T) {
		s := newStore(t)
		_, acme, jill, _ := seedSupport(t, s)
		in := newConsent(acme.ID, jill.ID, jill.ID, 1)
		cet := time.FixedZone("CET", 3600)
		in.GrantedAt, in.ExpiresAt = in.GrantedAt.In(cet), in.ExpiresAt.In(cet)
		mustDo(t, s.PutSupportConsent(t.Context(), in))
		wantConsent(t, s, acme.ID, jill.ID, newConsent(acme.ID, jill.ID, jill.ID, 1))
	})

	// A user's consent, another user's and the tenant's are three keys:
	// none stands in for another.
	t.Run("SeparateKeys", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			userID string // the one consent stored
		}{
			{"user consent", "u-jill"},
			{"tenant consent", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				sys, acme, jill, ann := seedSupport(t, s)
				want := newConsent(acme.ID, tc.userID, ann.ID, 1)
				mustDo(t, s.PutSupportConsent(t.Context(), want))
				wantConsent(t, s, acme.ID, tc.userID, want)
				for _, userID := range []string{"", jill.ID, ann.ID} {
					if userID != tc.userID {
						wantNoConsent(t, s, acme.ID, userID)
						wantErr(t, s.DeleteSupportConsent(t.Context(), acme.ID, userID), directory.ErrNotFound)
					}
				}
				wantNoConsent(t, s, sys.ID, tc.userID)
				wantErr(t, s.DeleteSupportConsent(t.Context(), sys.ID, tc.userID), directory.ErrNotFound)
				wantConsent(t, s, acme.ID, tc.userID, want) // no delete above removed it
			})
		}
	})

	// Putting a consent again replaces it: one consent per key, every
	// field but the key from the second put.
	t.Run("Replace", func(t *testing.T) {
		for _, userID := range []string{"u-jill", ""} {
			t.Run(fmt.Sprintf("user %q", userID), func(t *testing.T) {
				s := newStore(t)
				_, acme, jill, ann := seedSupport(t, s)
				other := newConsent(acme.ID, jill.ID, jill.ID, 1)
				if userID == jill.ID {
					other = newConsent(acme.ID, "", ann.ID, 1)
				}
				mustDo(t, s.PutSupportConsent(t.Context(), other))
				mustDo(t, s.PutSupportConsent(t.Context(), newConsent(acme.ID, userID, jill.ID, 2)))
				second := directory.SupportConsent{TenantID: acme.ID, UserID: userID, GrantedBy: ann.ID,
					GrantedAt: at(30), ExpiresAt: at(90)}
				mustDo(t, s.PutSupportConsent(t.Context(), second))
				wantConsent(t, s, acme.ID, userID, second)
				wantConsent(t, s, acme.ID, other.UserID, other)

				// Once deleted, there is no first consent left behind.
				mustDo(t, s.DeleteSupportConsent(t.Context(), acme.ID, userID))
				wantNoConsent(t, s, acme.ID, userID)
				wantConsent(t, s, acme.ID, other.UserID, other)
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		sys, acme, jill, _ := seedSupport(t, s)
		mustDo(t, s.PutSupportConsent(t.Context(), newConsent(acme.ID, jill.ID, jill.ID, 1)))
		for _, tc := range []struct {
			name             string
			tenantID, userID string
		}{
			{"no tenant consent", acme.ID, ""},
			{"no consent of the user", acme.ID, "u-ann"},
			{"unknown user", acme.ID, "u-nope"},
			{"unknown tenant", "t-nope", jill.ID},
			{"unknown tenant, tenant consent", "t-nope", ""},
			{"another tenant", sys.ID, jill.ID},
			{"tenant and user swapped", jill.ID, acme.ID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantNoConsent(t, s, tc.tenantID, tc.userID)
				wantErr(t, s.DeleteSupportConsent(t.Context(), tc.tenantID, tc.userID), directory.ErrNotFound)
			})
		}
		wantConsent(t, s, acme.ID, jill.ID, newConsent(acme.ID, jill.ID, jill.ID, 1))
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		_, acme, jill, ann := seedSupport(t, s)
		own := newConsent(acme.ID, jill.ID, jill.ID, 1)
		tenant := newConsent(acme.ID, "", ann.ID, 2)
		mustDo(t, s.PutSupportConsent(t.Context(), own))
		mustDo(t, s.PutSupportConsent(t.Context(), tenant))

		mustDo(t, s.DeleteSupportConsent(t.Context(), acme.ID, jill.ID))
		wantNoConsent(t, s, acme.ID, jill.ID)
		wantConsent(t, s, acme.ID, "", tenant)
		wantErr(t, s.DeleteSupportConsent(t.Context(), acme.ID, jill.ID), directory.ErrNotFound)

		mustDo(t, s.DeleteSupportConsent(t.Context(), acme.ID, ""))
		wantNoConsent(t, s, acme.ID, "")
		wantErr(t, s.DeleteSupportConsent(t.Context(), acme.ID, ""), directory.ErrNotFound)

		// A key deleted can be given again.
		mustDo(t, s.PutSupportConsent(t.Context(), own))
		wantConsent(t, s, acme.ID, jill.ID, own)
	})

	t.Run("MissingReferences", func(t *testing.T) {
		for _, tc := range []struct {
			name             string
			tenantID, userID string
			missing          string
		}{
			{"unknown tenant", "t-nope", "", "t-nope"},
			{"unknown tenant, known user", "t-nope", "u-jill", "t-nope"},
			{"unknown user", "t-acme", "u-nope", "u-nope"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				seedSupport(t, s)
				err := s.PutSupportConsent(t.Context(), newConsent(tc.tenantID, tc.userID, "u-ann", 1))
				wantMissing(t, err, tc.missing)
				wantNoConsent(t, s, tc.tenantID, tc.userID)
			})
		}
	})

	// The store keeps and returns an expired consent: only the caller,
	// comparing ExpiresAt with its clock, decides it is closed.
	t.Run("Expired", func(t *testing.T) {
		s := newStore(t)
		_, acme, jill, ann := seedSupport(t, s)
		long := directory.SupportConsent{TenantID: acme.ID, UserID: jill.ID, GrantedBy: jill.ID,
			GrantedAt: at(-3 * 365 * 24 * 60), ExpiresAt: at(-3*365*24*60 + 60)}
		zero := directory.SupportConsent{TenantID: acme.ID, GrantedBy: ann.ID, GrantedAt: at(1), ExpiresAt: at(1)}
		mustDo(t, s.PutSupportConsent(t.Context(), long))
		mustDo(t, s.PutSupportConsent(t.Context(), zero))
		wantConsent(t, s, acme.ID, jill.ID, long)
		wantConsent(t, s, acme.ID, "", zero)
	})

	t.Run("InTx", func(t *testing.T) {
		s := newStore(t)
		_, acme, jill, ann := seedSupport(t, s)
		own := newConsent(acme.ID, jill.ID, jill.ID, 1)
		errAbort := errors.New("abort")
		err := s.InTx(t.Context(), func(tx directory.Store) error {
			mustDo(t, tx.PutSupportConsent(t.Context(), own))
			wantConsent(t, tx, acme.ID, jill.ID, own)
			return errAbort
		})
		wantErr(t, err, errAbort)
		wantNoConsent(t, s, acme.ID, jill.ID)

		tenant := newConsent(acme.ID, "", ann.ID, 2)
		mustDo(t, s.InTx(t.Context(), func(tx directory.Store) error {
			mustDo(t, tx.PutSupportConsent(t.Context(), own))
			mustDo(t, tx.PutSupportConsent(t.Context(), tenant))
			mustDo(t, tx.DeleteSupportConsent(t.Context(), acme.ID, jill.ID))
			wantNoConsent(t, tx, acme.ID, jill.ID)
			return nil
		}))
		wantNoConsent(t, s, acme.ID, jill.ID)
		wantConsent(t, s, acme.ID, "", tenant)
	})

	t.Run("TenantSettings", func(t *testing.T) { testSupportSettings(t, newStore) })
}

// testSupportSettings: TenantSettings.Support reads back as written,
// through CreateTenant and UpdateTenant, the zero policy included.
func testSupportSettings(t *testing.T, newStore func(t *testing.T) directory.Store) {
	full := directory.SupportPolicy{Mode: directory.SupportByConsent, RequireReason: true, ConsentWindow: 48 * time.Hour}
	policies := []struct {
		name   string
		policy directory.SupportPolicy
	}{
		{"zero policy", directory.SupportPolicy{}},
		{"full policy", full},
		{"mode only", directory.SupportPolicy{Mode: directory.SupportByPermission}},
		{"reason only", directory.SupportPolicy{RequireReason: true}},
		{"window only", directory.SupportPolicy{ConsentWindow: directory.MaxConsentWindow}},
	}

	t.Run("Create", func(t *testing.T) {
		s := newStore(t)
		for i, tc := range policies {
			want := newTenant(fmt.Sprintf("t-%d", i), fmt.Sprintf("s%d", i), nil)
			want.Settings.Support = tc.policy
			mustDo(t, s.CreateTenant(t.Context(), want))
			got, err := s.TenantByID(t.Context(), want.ID)
			mustDo(t, err)
			wantEqual(t, "tenant with "+tc.name, got, want)
		}
	})

	// One tenant goes through every policy and back to the zero one, so
	// that each is written over another.
	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		want := newTenant("t-sys", "sys", nil)
		mustDo(t, s.CreateTenant(t.Context(), want))
		for i, tc := range append(policies[1:], policies[0]) {
			want.Settings.Support, want.UpdatedAt = tc.policy, at(20+i)
			mustDo(t, s.UpdateTenant(t.Context(), want))
			got, err := s.TenantByID(t.Context(), want.ID)
			mustDo(t, err)
			wantEqual(t, "tenant updated to "+tc.name, got, want)
		}
	})
}
