package demo

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/claims/claimstest"
)

// TestBackchannelLogout: a logout token for the web portal ends the web
// portal's sessions of its sid, and no other; one for another portal, or
// a forged one, ends nothing and gets 400.
func TestBackchannelLogout(t *testing.T) {
	iss := claimstest.NewIssuer(t)
	p, srv := newTestPortal(t, iss.URL)
	p.log = slog.New(slog.NewTextHandler(t.Output(), nil))
	webSID1 := p.local.start("web", "sid-1", "u-carol", "carol")
	webSID2 := p.local.start("web", "sid-2", "u-carol", "carol")
	spaSID1 := p.local.start("spa", "sid-1", "u-carol", "carol")
	page := func(portal, id string) string {
		_, body := get(t, http.DefaultClient, srv.URL+"/demo/"+portal+"/session", &http.Cookie{Name: sessionCookie(portal), Value: id})
		return body
	}
	post := func(portal, token string) int {
		resp, err := http.PostForm(srv.URL+"/demo/"+portal+"/backchannel-logout", url.Values{"logout_token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	token := func(aud, sid string) string {
		now := time.Now()
		return iss.LogoutToken(t, claims.LogoutToken{Subject: "u-carol", SessionID: sid, Audience: []string{aud},
			JWTID: "j-" + aud + sid, IssuedAt: now.Unix(), Expiry: now.Add(2 * time.Minute).Unix()})
	}
	if got := post("web", token(SPAClientID, "sid-1")); got != http.StatusBadRequest {
		t.Errorf("the spa portal's token at the web portal: %d", got)
	}
	if got := post("web", "forged"); got != http.StatusBadRequest {
		t.Errorf("a forged token: %d", got)
	}
	if s := page("web", webSID1); !strings.Contains(s, "Signed in as carol") {
		t.Fatalf("refused tokens ended a session: %.300s", s)
	}
	if got := post("web", token(WebClientID, "sid-1")); got != http.StatusOK {
		t.Fatalf("the web portal's token: %d", got)
	}
	if s := page("web", webSID1); !strings.Contains(s, "Signed out: Gatehouse told this portal") {
		t.Errorf("sid-1 at the web portal: %.300s", s)
	}
	for name, s := range map[string]string{"sid-2 at web": page("web", webSID2), "sid-1 at spa": page("spa", spaSID1)} {
		if !strings.Contains(s, "Signed in as carol") {
			t.Errorf("%s was ended: %.300s", name, s)
		}
	}
	if s := page("spa", webSID2); !strings.Contains(s, "You are not signed in") {
		t.Errorf("another portal's cookie: %.300s", s)
	}
}
