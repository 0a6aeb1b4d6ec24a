package login

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPagesFollowUILocales: the login form speaks the first language of
// the authorization request's ui_locales that the pages have, over the
// browser's; the switch keeps the request in its links.
func TestPagesFollowUILocales(t *testing.T) {
	h := newHarness(t, options{})
	h.requests.add(Request{ID: "req-nl", ClientID: "things", ClientName: "Things Manager", UILocales: []string{"fr", "nl-BE"}})
	get := func(id, acceptLanguage string) string {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, h.srv.URL+"/login?authRequestID="+url.QueryEscape(id), nil)
		if err != nil {
			t.Fatal(err)
		}
		if acceptLanguage != "" {
			req.Header.Set("Accept-Language", acceptLanguage)
		}
		resp, body := h.do(req)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /login: %d", resp.StatusCode)
		}
		return body
	}
	for _, tc := range []struct {
		name, id, accept, lang, text string
	}{
		{"no hint: English", "req-1", "", "en", "<h1>Sign in to Gatehouse</h1>"},
		{"Accept-Language", "req-1", "de-AT,de;q=0.9", "de", "<h1>Bei Gatehouse anmelden</h1>"},
		{"ui_locales beat Accept-Language", "req-nl", "de", "nl", "<h1>Inloggen bij Gatehouse</h1>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := get(tc.id, tc.accept)
			if !strings.Contains(body, `<html lang="`+tc.lang+`">`) || !strings.Contains(body, tc.text) {
				t.Errorf("want the page in %s: %.1500s", tc.lang, body)
			}
			if want := `href="/login?authRequestID=` + tc.id + `&amp;lang=de" hreflang="de" lang="de"`; !strings.Contains(body, want) {
				t.Errorf("switch lacks %s", want)
			}
		})
	}
}

// TestPagesFollowPreferredLanguage: once the password has said who signs
// in, the next pages speak the person's preferred language, unless the
// application asked for another.
func TestPagesFollowPreferredLanguage(t *testing.T) {
	h := newHarness(t, options{})
	h.mustChange(h.jill.ID)
	u := h.stored(h.jill.ID)
	u.PreferredLanguage = "de-CH"
	if err := h.store.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	resp, body := h.login("acme", "jill", goodPassword)
	h.wantAskedForNewPassword(resp, body)
	resp, body = h.get(newPasswordURL)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="de">`) ||
		!strings.Contains(body, "<h1>Wählen Sie ein neues Passwort</h1>") {
		t.Errorf("new-password page not in jill's language: %d %.1500s", resp.StatusCode, body)
	}

	h.requests.add(Request{ID: "req-1", ClientID: "things", ClientName: "Things Manager", UILocales: []string{"nl"}})
	if _, body := h.get(newPasswordURL); !strings.Contains(body, `<html lang="nl">`) {
		t.Errorf("ui_locales do not beat the preferred language: %.500s", body)
	}
}
