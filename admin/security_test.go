package admin

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
)

// TestSupportTokensDoNotAdminister: a token from a support session acts
// as the person in the portals, never in the administration API: what
// support changed there would be the person's, and could outlive the
// support session.
func TestSupportTokensDoNotAdminister(t *testing.T) {
	w := newAPIWorld(t)
	w.users["support"] = "act:" + w.users["acme/ada"]
	if st, body := w.do(t, "support", "GET", "/tenants", ""); st != http.StatusForbidden || body["type"] != problemBase+"support-session" {
		t.Errorf("a support token at the API: %d %v", st, body)
	}
	if st, _ := w.do(t, "acme/ada", "GET", "/tenants", ""); st != http.StatusOK {
		t.Errorf("ada herself: %d", st)
	}
}

// TestTokensOfOtherClients: a token counts only while the client it was
// issued to exists and may carry the API's scope, and only for a caller
// within that client's reach.
func TestTokensOfOtherClients(t *testing.T) {
	st, d := newTree(t)
	w := newWorld(d)
	w.addUsers(t, directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin})
	ctx := t.Context()
	// A machine client of contoso with the scope (as the operator could
	// register it) holding nothing.
	if _, _, err := d.CreateClient(ctx, directory.Client{ID: "bot", Name: "Bot", TenantID: mustTenant(t, d, "contoso").ID,
		Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretBasic,
		GrantTypes: []string{directory.GrantClientCredentials}, Scopes: []string{directory.ScopeAdmin}}, ""); err != nil {
		t.Fatal(err)
	}
	w.users["bot"] = "client:bot"
	w.users["ghost"] = "client:ghost"
	w.serve(t, st, Config{})
	if status, _ := w.do(t, "bot", "GET", "/tenants/contoso/users", ""); status != http.StatusForbidden {
		t.Errorf("a machine client without roles: %d, want 403", status)
	}
	if status, _ := w.do(t, "ghost", "GET", "/tenants", ""); status != http.StatusUnauthorized {
		t.Errorf("a token of a client that does not exist: %d, want 401", status)
	}
	// A person's token issued to a customer's client does not carry a
	// provider's administrator.
	c, err := st.ClientByID(ctx, "portal")
	if err != nil {
		t.Fatal(err)
	}
	c.TenantID = mustTenant(t, d, "contoso").ID
	if err := st.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if status, _ := w.do(t, "acme/ada", "GET", "/tenants", ""); status != http.StatusUnauthorized {
		t.Errorf("acme's admin through contoso's client: %d, want 401", status)
	}
}

func mustTenant(t *testing.T, d *directory.Directory, slug string) directory.Tenant {
	t.Helper()
	tn, err := d.TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// TestScopeNamesAgree: the directory names the API's scope without
// importing claims; the two must be one.
func TestScopeNamesAgree(t *testing.T) {
	if directory.ScopeAdmin != claims.ScopeAdmin {
		t.Errorf("directory.ScopeAdmin %q, claims.ScopeAdmin %q", directory.ScopeAdmin, claims.ScopeAdmin)
	}
}

// TestClipKeepsEventsStorable: whatever a caller sends, what the audit
// log is given is valid UTF-8, without NUL bytes, within its limit.
func TestClipKeepsEventsStorable(t *testing.T) {
	for _, v := range []string{strings.Repeat("é", 300), "a\x00b", "\xff\xfe", strings.Repeat("x", 1000)} {
		c := clip(v)
		if len(c) > audit.MaxValueLen || !utf8.ValidString(c) || strings.ContainsRune(c, 0) {
			t.Errorf("clip(%.20q) = %.20q (%d bytes)", v, c, len(c))
		}
	}
}
