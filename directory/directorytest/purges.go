package directorytest

import (
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// testPurges: PurgeUser removes the user for good with its links (its own
// to other tenants) and its support consents; the users it owned, in its
// tenant or another, lose their owner; nothing else changes. A missing
// user is ErrNotFound, and inside a transaction that fails a purge is
// undone. Its TOTP credential is the MFA store's; the backends' own tests
// check that it goes too.
func testPurges(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	ctx := t.Context()
	sys, acme := seed(t, s)

	jill := deleted(newUser("u-jill", acme.ID, "jill", "jill@example.com"), at(20))
	jack := newUser("u-jack", acme.ID, "jack", "jack@example.com")
	jack.OwnerID = jill.ID
	sam := newUser("u-sam", sys.ID, "sam", "sam@example.com")
	sam.OwnerID = jill.ID // across tenants: not what the Directory makes, but a store must cope
	ann := newUser("u-ann", acme.ID, "ann", "ann@example.com")
	ann.OwnerID = jack.ID
	for _, u := range []directory.User{jill, jack, sam, ann} {
		mustDo(t, s.CreateUser(ctx, u))
	}
	mustDo(t, s.RecordLogin(ctx, jill.ID, at(15), "192.0.2.7"))
	for _, l := range []directory.Link{newLink(jill.ID, sys.ID), newLink(sam.ID, acme.ID), newLink(jack.ID, sys.ID)} {
		mustDo(t, s.CreateLink(ctx, l))
	}
	consents := [][2]string{{acme.ID, jill.ID}, {acme.ID, ""}, {acme.ID, jack.ID}, {sys.ID, sam.ID}}
	for i, k := range consents {
		mustDo(t, s.PutSupportConsent(ctx, newConsent(k[0], k[1], sam.ID, i)))
	}
	state := func() tenantState { t.Helper(); return readTenantState(t, s, consents) }
	unchanged := func(what string, before tenantState) {
		t.Helper()
		if after := state(); !reflect.DeepEqual(before, after) {
			t.Fatalf("%s changed the store:\nbefore %+v\nafter  %+v", what, before, after)
		}
	}

	before := state()
	wantErr(t, s.PurgeUser(ctx, "u-nope"), directory.ErrNotFound)
	wantErr(t, s.PurgeUser(ctx, "U-JILL"), directory.ErrNotFound)
	unchanged("purging a missing user", before)

	err := s.InTx(ctx, func(tx directory.Store) error {
		mustDo(t, tx.PurgeUser(ctx, jill.ID))
		if _, err := tx.UserByID(ctx, jill.ID); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("a transaction must see its own purges: %v", err)
		}
		wantErr(t, tx.PurgeUser(ctx, jill.ID), directory.ErrNotFound)
		return directory.ErrConflict
	})
	wantErr(t, err, directory.ErrConflict)
	unchanged("a rolled-back purge", before)

	mustDo(t, s.PurgeUser(ctx, jill.ID))
	_, err = s.UserByID(ctx, jill.ID)
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.UserByUsername(ctx, acme.ID, jill.Username)
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.LinkOf(ctx, jill.ID, sys.ID)
	wantErr(t, err, directory.ErrNotFound)
	ls, err := s.LinksOfUser(ctx, jill.ID)
	mustDo(t, err)
	wantEqual(t, "links of the purged user", ls, nil)
	wantNoConsent(t, s, acme.ID, jill.ID)
	wantErr(t, s.PurgeUser(ctx, jill.ID), directory.ErrNotFound)

	// Everything else is as it was, but for the owner of the users jill
	// owned.
	jack.OwnerID, sam.OwnerID = "", ""
	after := state()
	want := before
	want.Users = map[string][]any{
		acme.ID: normalizeAll([]directory.User{ann, jack}),
		sys.ID:  normalizeAll([]directory.User{sam}),
	}
	want.Links = map[string][]any{
		acme.ID: normalizeAll([]directory.Link{newLink(sam.ID, acme.ID)}),
		sys.ID:  normalizeAll([]directory.Link{newLink(jack.ID, sys.ID)}),
	}
	want.Consents = maps.Clone(before.Consents)
	delete(want.Consents, [2]string{acme.ID, jill.ID})
	wantEqual(t, "the store after the purge", after, want)

	// The username and the email are free again.
	mustDo(t, s.CreateUser(ctx, newUser("u-jill-2", acme.ID, "jill", "jill@example.com")))
}
