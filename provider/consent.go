package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/session"
)

// Consent to third-party clients (directory.Client.ThirdParty).
//
// A request from a third-party client is not completed by a login, nor by
// single sign-on, while the person has not allowed every scope it asks
// for (directory.ClientConsent, per user and client), or while it asked
// with prompt=consent. It waits instead, bound to the session that would
// complete it (authRequest.ConsentSessionID), for the login's consent
// page: Allow stores the consent and completes the request (AnswerConsent);
// Deny marks it denied, and the callback answers the client access_denied
// (callback). No code exists before Allow. The platform's own clients
// never wait.

// ErrConsentRequired is CompleteLogin's answer when the request now waits
// for the person's consent (see above); the session is bound to it.
var ErrConsentRequired = errors.New("the application needs the person's consent")

// errNotAwaitingConsent: the request does not wait for this session's
// consent (another browser's, already answered, or none needed).
var errNotAwaitingConsent = fmt.Errorf("%w: not waiting for this person's consent", errRequestNotFound)

// Consent is what the consent page shows of a request that waits.
type Consent struct {
	ClientID   string
	ClientName string
	// Scopes are what the client asks for and the person has not yet
	// allowed, in the request's order.
	Scopes []string
	// Again: the person allowed the client before; it asks for more.
	Again bool
}

// consentFor says what the person userID must still allow for request a:
// nothing for the platform's own clients, nothing when a consent covers
// every scope a asks for (unless a asked with prompt=consent). The
// Consent names the client either way.
func (s *storage) consentFor(ctx context.Context, a *authRequest, userID string) (Consent, bool, error) {
	c, err := s.dir.Store().ClientByID(ctx, a.ClientID)
	if err != nil {
		return Consent{}, false, fmt.Errorf("load client %q: %w", a.ClientID, err)
	}
	out := Consent{ClientID: c.ID, ClientName: c.Name}
	if !c.ThirdParty {
		return out, false, nil
	}
	given, err := s.dir.Store().ClientConsentOf(ctx, userID, c.ID)
	if err != nil && !errors.Is(err, directory.ErrNotFound) {
		return Consent{}, false, fmt.Errorf("load consent: %w", err)
	}
	found := err == nil
	missing := given.Missing(a.Scopes)
	if slices.Contains(a.Prompt, oidc.PromptConsent) {
		missing = directory.ClientConsent{}.Missing(a.Scopes)
	}
	out.Scopes, out.Again = missing, found
	return out, len(missing) > 0, nil
}

// awaitConsent binds request a to sess, whose person must consent first.
func (a *authRequest) awaitConsent(sess session.Session) {
	a.Completed, a.Denied, a.ConsentSessionID = false, false, sess.ID
}

// waitingFor returns request id if it waits for the consent of sess.
func (s *storage) waitingFor(ctx context.Context, id string, sess session.Session) (*authRequest, error) {
	a, err := s.requests.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Completed || a.Denied || a.ConsentSessionID == "" || a.ConsentSessionID != sess.ID {
		return nil, errNotAwaitingConsent
	}
	return a, nil
}

// ConsentRequest returns what request id asks of the person in sess, if
// it waits for that person's consent; otherwise an error wrapping
// ErrRequestNotFound.
func (p *Provider) ConsentRequest(ctx context.Context, id string, sess session.Session) (Consent, error) {
	a, err := p.store.waitingFor(ctx, id, sess)
	if err != nil {
		return Consent{}, err
	}
	// Allowed meanwhile (in another tab), Scopes is empty: the page asks
	// only to go on.
	c, _, err := p.store.consentFor(ctx, a, sess.UserID)
	return c, err
}

// AnswerConsent records the answer of the person in sess to request id,
// which must wait for it (else an error wrapping ErrRequestNotFound).
// Allow remembers every scope of the request, with those allowed before,
// and completes it; deny leaves no consent and makes the callback answer
// access_denied.
func (p *Provider) AnswerConsent(ctx context.Context, id string, sess session.Session, allow bool) error {
	a, err := p.store.waitingFor(ctx, id, sess)
	if err != nil {
		return err
	}
	if !allow {
		a.Denied = true
		return p.store.requests.save(ctx, a)
	}
	st := p.store.dir.Store()
	given, err := st.ClientConsentOf(ctx, sess.UserID, a.ClientID)
	if err != nil && !errors.Is(err, directory.ErrNotFound) {
		return fmt.Errorf("load consent: %w", err)
	}
	scopes := append(slices.Clone(given.Scopes), given.Missing(a.Scopes)...)
	if err := st.PutClientConsent(ctx, directory.ClientConsent{UserID: sess.UserID, ClientID: a.ClientID,
		Scopes: scopes, GrantedAt: p.cfg.Now().UTC()}); err != nil {
		return fmt.Errorf("store consent: %w", err)
	}
	a.complete(sess)
	return p.store.requests.save(ctx, a)
}

// callback serves /authorize/callback: the library's, except that a
// request the person denied, in this browser, ends with access_denied at
// the client's redirect URI (RFC 6749 §4.1.2.1), and is forgotten.
func (p *Provider) callback(authorizer op.Authorizer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		a, err := p.store.requests.get(ctx, r.URL.Query().Get("id"))
		if err == nil && a.DeviceKey != "" {
			p.finishDevice(w, r, a) // a device's login: no redirect URI (device_login.go)
			return
		}
		if err == nil && a.Denied {
			sess, err := p.store.sessions.Lookup(ctx, session.TokenFromContext(ctx))
			if err == nil && sess.ID == a.ConsentSessionID {
				if err := p.store.requests.delete(ctx, a.ID); err != nil {
					p.store.log.WarnContext(ctx, "delete denied authorization request", "err", err)
				}
				op.AuthRequestError(w, r, a, oidc.ErrAccessDenied().WithDescription("the person did not allow the application"), authorizer)
				return
			}
		}
		op.AuthorizeCallback(w, r, authorizer)
	}
}
