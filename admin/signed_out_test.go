package admin

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestSignedOut: disabling, deleting and purging a person tell
// Config.SignedOut, once each change has committed; other changes, and
// refused ones, do not; a failing SignedOut does not fail the change.
func TestSignedOut(t *testing.T) {
	st, d := newTree(t)
	w := newWorld(d)
	w.addUsers(t,
		directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser},
		directory.NewUser{TenantSlug: "acme", Username: "otto", TenantRole: directory.TenantRoleUser},
	)
	var (
		mu    sync.Mutex
		ended []string
		fail  bool
	)
	w.serve(t, st, Config{SignedOut: func(_ context.Context, id string) error {
		mu.Lock()
		defer mu.Unlock()
		ended = append(ended, id)
		if fail {
			return errors.New("outbox unavailable")
		}
		return nil
	}})
	took := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(ended)
		ended = nil
		return out
	}
	rita, otto := w.users["acme/rita"], w.users["acme/otto"]
	w.step(t, apiStep{name: "rename", who: "acme/ada", method: "PATCH", path: "/users/" + rita,
		body: `{"display_name":"Rita R"}`, status: http.StatusOK})
	if got := took(); len(got) != 0 {
		t.Errorf("a rename signed out %v", got)
	}
	w.step(t, apiStep{name: "disable", who: "acme/ada", method: "PATCH", path: "/users/" + rita,
		body: `{"enabled":false}`, status: http.StatusOK})
	if got := took(); !slices.Equal(got, []string{rita}) {
		t.Errorf("disable signed out %v", got)
	}
	w.stepAudited(t, apiStep{name: "disable again", who: "acme/ada", method: "PATCH", path: "/users/" + rita,
		body: `{"enabled":false}`, status: http.StatusOK}, false)
	if got := took(); len(got) != 0 {
		t.Errorf("a second disable signed out %v", got)
	}
	fail = true
	w.step(t, apiStep{name: "delete", who: "acme/ada", method: "DELETE", path: "/users/" + otto, status: http.StatusNoContent})
	if got := took(); !slices.Equal(got, []string{otto}) {
		t.Errorf("delete signed out %v", got)
	}
	fail = false
	w.step(t, apiStep{name: "purge", who: "acme/ada", method: "DELETE", path: "/users/" + rita + "?purge=true",
		status: http.StatusNoContent})
	if got := took(); !slices.Equal(got, []string{rita}) {
		t.Errorf("purge signed out %v", got)
	}
}
