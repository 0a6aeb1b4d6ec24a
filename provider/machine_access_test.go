package provider

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestMachineAccessFollowsTheDirectory: a machine's claims are remembered
// between tokens, and a change to its roles, or to what a role grants,
// shows in the very next token.
func TestMachineAccessFollowsTheDirectory(t *testing.T) {
	e := newEnv(t)
	withMachineClients(t, e)
	ctx := t.Context()
	// As a server runs it: the cache (and the memo on it) serves only
	// while changes made elsewhere are watched.
	go e.dir.WatchChanges(ctx)
	for !e.dir.Cached() {
		time.Sleep(10 * time.Millisecond)
	}
	perm := func(s string) directory.Permission {
		p, err := directory.ParsePermission(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	putRole := func(name string, perms ...string) {
		r := directory.GlobalRole{Name: name}
		for _, p := range perms {
			r.Permissions = append(r.Permissions, perm(p))
		}
		if _, _, err := e.dir.PutGlobalRole(ctx, e.dir.Store(), "acme", r); err != nil {
			t.Fatal(err)
		}
	}
	setRoles := func(roles ...string) {
		c, err := e.dir.Store().ClientByID(ctx, "meter")
		if err != nil {
			t.Fatal(err)
		}
		c.GlobalRoles = roles
		if _, _, _, err := e.dir.PutClient(ctx, e.dir.Store(), c, machineSecret); err != nil {
			t.Fatal(err)
		}
	}
	claimsOf := func() (roles, perms []string) {
		t.Helper()
		status, body := e.post(pathToken, "meter", machineSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"roles permissions"}})
		if status != http.StatusOK {
			t.Fatalf("token: %d %v", status, body)
		}
		at, err := e.p.VerifyAccessToken(ctx, body["access_token"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return at.GlobalRoles, at.Permissions
	}

	putRole("fleet", "users:read")
	setRoles("fleet")
	for range 2 {
		if roles, perms := claimsOf(); !slices.Equal(roles, []string{"fleet"}) || !slices.Equal(perms, []string{"users:read"}) {
			t.Fatalf("roles %v, permissions %v", roles, perms)
		}
	}
	if _, ok := e.p.srv.machines.m["meter"]; !ok {
		t.Fatal("the machine's claims were not remembered")
	}

	putRole("fleet", "users:read", "users:create") // the Book changes
	if _, perms := claimsOf(); !slices.Equal(perms, []string{"users:create", "users:read"}) {
		t.Errorf("after the role changed: permissions %v", perms)
	}
	putRole("ops", "users:read")
	setRoles("fleet", "ops") // the client changes
	if roles, _ := claimsOf(); !slices.Equal(roles, []string{"fleet", "ops"}) {
		t.Errorf("after the client changed: roles %v", roles)
	}
	setRoles()
	if roles, perms := claimsOf(); len(roles) != 0 || len(perms) != 0 {
		t.Errorf("after the roles were taken away: roles %v, permissions %v", roles, perms)
	}
}
