package demo

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"sync"

	"github.com/gatehouse-id/gatehouse/claims"
)

// Each demo portal keeps a session of its own once a person has signed in
// (a cookie on /demo/<portal>/, a record in memory), as a real portal
// does, and ends it when Gatehouse says the person's Gatehouse session
// ended: OpenID Connect Back-Channel Logout 1.0. Gatehouse POSTs a logout
// token to /demo/<portal>/backchannel-logout (the client's
// backchannel_logout_uri in demo/directory.yaml); package claims verifies
// it (claims.Verifier.LogoutHandler) and the portal ends its sessions of
// that sid. /demo/<portal>/session shows whether the portal's session is
// still live.

// localSession is a demo portal's own session of a person.
type localSession struct {
	portal   string // URL name
	sid      string // Gatehouse's session, from the ID token
	sub      string
	username string
	ended    bool // by a logout token
}

// localSessions are the demo portals' sessions, by cookie value. Memory
// only: a restart signs everyone out of the demo portals, which is fine
// for a demo. Ended sessions are kept (marked) so that the session page
// can say why the person is signed out; the map is bounded.
type localSessions struct {
	mu   sync.Mutex
	byID map[string]*localSession
}

// maxLocalSessions bounds the demo portals' memory.
const maxLocalSessions = 10000

func (l *localSessions) start(portal, sid, sub, username string) string {
	id := rand.Text()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil || len(l.byID) >= maxLocalSessions {
		l.byID = map[string]*localSession{}
	}
	l.byID[id] = &localSession{portal: portal, sid: sid, sub: sub, username: username}
	return id
}

func (l *localSessions) get(portal, id string) (localSession, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.byID[id]
	if !ok || s.portal != portal {
		return localSession{}, false
	}
	return *s, true
}

// end ends portal's sessions of the Gatehouse session sid, or, for a
// token without sid, every session of sub (Back-Channel Logout 1.0 §2.7),
// and returns how many.
func (l *localSessions) end(portal, sid, sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.byID {
		if s.portal != portal || s.ended || (sid != "" && s.sid != sid) || (sid == "" && s.sub != sub) {
			continue
		}
		s.ended = true
		n++
	}
	return n
}

func sessionCookie(portal string) string { return "demo_" + portal + "_session" }

// startLocalSession starts a's own session after a login and sets its
// cookie.
func (p *Portal) startLocalSession(w http.ResponseWriter, a *app, sid, sub, username string) {
	id := p.local.start(a.name, sid, sub, username)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie(a.name), Value: id, Path: "/demo/" + a.name + "/",
		HttpOnly: true, Secure: !strings.HasPrefix(p.issuer, "http://"), SameSite: http.SameSiteLaxMode})
}

// sessionData is what the session page shows.
type sessionData struct {
	Portal, Other string
	Username, SID string
	Live, Ended   bool
}

// showSession says whether the portal's own session is live, or was ended
// by Gatehouse.
func (p *Portal) showSession(w http.ResponseWriter, r *http.Request) {
	a, ok := p.apps[r.PathValue("portal")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	data := sessionData{Portal: a.name, Other: a.other}
	if c, err := r.Cookie(sessionCookie(a.name)); err == nil {
		if s, ok := p.local.get(a.name, c.Value); ok {
			data.Username, data.SID, data.Live, data.Ended = s.username, s.sid, !s.ended, s.ended
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	p.render(w, r, http.StatusOK, "session.html", data)
}

// backchannelLogout is the portal's backchannel_logout_uri.
func (p *Portal) backchannelLogout(w http.ResponseWriter, r *http.Request) {
	a, ok := p.apps[r.PathValue("portal")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	a.logout.ServeHTTP(w, r)
}

// logoutHandler verifies logout tokens for a with package claims, as a Go
// portal would, and ends a's sessions they name.
func (p *Portal) logoutHandler(a *app) http.Handler {
	v, err := claims.NewVerifier(claims.Config{Issuer: p.issuer, Audiences: []string{a.clientID}, HTTPClient: p.client,
		Logger: p.log})
	if err != nil {
		// The issuer is the server's own, checked at its start.
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "the demo portal cannot verify logout tokens", http.StatusServiceUnavailable)
		})
	}
	return v.LogoutHandler(func(ctx context.Context, lt *claims.LogoutToken) error {
		n := p.local.end(a.name, lt.SessionID, lt.Subject)
		p.log.InfoContext(ctx, "demo portal: back-channel logout", "client_id", a.clientID, "sid", lt.SessionID, "ended", n)
		return nil
	})
}
