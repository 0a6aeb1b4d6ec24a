package provider

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/internal/formcsrf"
	"github.com/gatehouse-id/gatehouse/session"
)

// The person's side of the device grant. The /device page (package
// devicepage) asks the provider what a typed user code stands for
// (DeviceRequest), and on the person's confirmation starts a login for it
// (StartDeviceLogin) or denies it (DenyDevice). The login is the ordinary
// one, on an authorization request bound to the device grant
// (authRequest.DeviceKey): tenant, password, TOTP, support logins, and the
// consent page for a third-party application. It ends, as every login, at
// the callback, where finishDevice approves (or, after a consent denied,
// denies) the grant for the session that completed the request, audits
// the answer, and sends the browser to the /device page's result instead
// of a redirect URI.

// Audit actions of the device grant.
const (
	actionDeviceApproved = "device.approved"
	actionDeviceDenied   = "device.denied"
)

// DeviceResult is what the /device page's result shows (DeviceResultURL).
type DeviceResult string

const (
	// DeviceApproved: the device will get its tokens.
	DeviceApproved DeviceResult = "approved"
	// DeviceDenied: the device gets access_denied.
	DeviceDenied DeviceResult = "denied"
	// DeviceFailed: the code expired, was answered elsewhere, or the
	// login did not finish in this browser; the device gets nothing.
	DeviceFailed DeviceResult = "failed"
	// DeviceUnavailable: the answer could not be recorded (a store or
	// the audit log did not answer); nothing changed, and going back to
	// try again may work.
	DeviceUnavailable DeviceResult = "unavailable"
)

// DeviceRequest is what the /device page shows of a user code's grant.
type DeviceRequest struct {
	ClientID   string
	ClientName string
	Scopes     []string
	// UserCode is the code, as XXXX-XXXX.
	UserCode string
}

// DeviceRequest returns the grant waiting for the person's answer under
// userCode (as typed: case, dashes and spaces do not matter), or
// ErrDeviceCodeNotFound.
func (p *Provider) DeviceRequest(ctx context.Context, userCode string) (DeviceRequest, error) {
	_, g, err := p.store.devices.byUserCode(ctx, NormalizeUserCode(userCode))
	if err != nil {
		return DeviceRequest{}, err
	}
	name := g.ClientID
	c, err := p.store.dir.Store().ClientByID(ctx, g.ClientID)
	switch {
	case err == nil:
		name = c.Name
	case errors.Is(err, directory.ErrNotFound):
		return DeviceRequest{}, ErrDeviceCodeNotFound // the client is gone
	default:
		return DeviceRequest{}, fmt.Errorf("load client %q: %w", g.ClientID, err)
	}
	return DeviceRequest{ClientID: g.ClientID, ClientName: name, Scopes: g.Scopes, UserCode: FormatUserCode(g.UserCode)}, nil
}

// StartDeviceLogin creates the authorization request a person's login for
// the grant under userCode runs on, and returns its login page
// (issuer-relative). The login always asks for the person's credentials:
// an SSO session is not reused to approve a device, which gets tokens
// that outlive any browser session.
//
// browser is the CSRF cookie (formcsrf.CookieName) of the browser in which
// the person confirmed the code on the /device page: only that browser's
// login approves the device (finishDevice). Otherwise whoever holds a
// device code could confirm it in their own browser and send the login
// page's link to someone else, whose sign-in would hand the device their
// tokens without their ever seeing the code or the warning (RFC 8628
// §5.4).
func (p *Provider) StartDeviceLogin(ctx context.Context, userCode, browser string) (string, error) {
	if browser == "" {
		return "", errors.New("start device login: no browser to bind it to")
	}
	key, g, err := p.store.devices.byUserCode(ctx, NormalizeUserCode(userCode))
	if err != nil {
		return "", err
	}
	a := deviceLoginFor(key, g, p.cfg.Now())
	a.DeviceBrowser = browserKey(browser)
	if err := p.store.requests.save(ctx, a); err != nil {
		return "", err
	}
	return p.cfg.LoginPath + "?authRequestID=" + url.QueryEscape(a.ID), nil
}

// browserKey is what a device's login request keeps of the browser's CSRF
// cookie: its SHA-256, so that the store never holds the cookie.
func browserKey(cookie string) string {
	h := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(h[:])
}

// DenyDevice answers the grant under userCode with access_denied: the
// person said, on the /device page, that it was not their request.
// Nobody is signed in yet, so it is logged, not audited (as a login
// attempt at an unknown tenant is).
func (p *Provider) DenyDevice(ctx context.Context, userCode string) error {
	key, g, err := p.store.devices.byUserCode(ctx, NormalizeUserCode(userCode))
	if err != nil {
		return err
	}
	if _, err := p.store.devices.decide(ctx, key, nil, nil); err != nil {
		return err
	}
	p.store.log.InfoContext(ctx, "device authorization denied before sign-in", "client_id", g.ClientID)
	return nil
}

// DeviceResultURL is the /device page's result (issuer-relative).
func (p *Provider) DeviceResultURL(r DeviceResult) string {
	return p.cfg.DevicePath + "/done?result=" + string(r)
}

// finishDevice ends a device's login at the callback: in the browser that
// confirmed the code (StartDeviceLogin), for the session that completed
// request a, it approves the device grant; for the session that denied it
// consent, it denies it. Anyone else (another browser that learnt the
// request id or was sent the login's link, a login that has not finished)
// changes nothing.
func (p *Provider) finishDevice(w http.ResponseWriter, r *http.Request, a *authRequest) {
	ctx := r.Context()
	result := DeviceFailed
	defer func() { http.Redirect(w, r, p.DeviceResultURL(result), http.StatusSeeOther) }()
	if browser, ok := formcsrf.FromRequest(r); !ok || a.DeviceBrowser == "" ||
		subtle.ConstantTimeCompare([]byte(browserKey(browser)), []byte(a.DeviceBrowser)) != 1 {
		p.store.log.WarnContext(ctx, "device login callback from a browser that did not confirm the code", "client_id", a.ClientID)
		return
	}
	sess, err := p.store.sessions.Lookup(ctx, session.TokenFromContext(ctx))
	if err != nil || !sessionOwns(a, sess) {
		p.store.log.WarnContext(ctx, "device login callback from a browser that did not finish it", "client_id", a.ClientID)
		return
	}
	approve := a.Completed
	action := actionDeviceDenied
	var fill func(*deviceGrant)
	if approve {
		action, fill = actionDeviceApproved, func(g *deviceGrant) { g.approvedBy(a) }
	}
	// The answer is audited before it is stored: one that cannot be
	// audited is not given.
	g, err := p.store.devices.decide(ctx, a.DeviceKey, fill, func(*deviceGrant) error {
		return p.auditDevice(ctx, action, a, sess)
	})
	if errors.Is(err, ErrDeviceCodeNotFound) {
		p.store.log.WarnContext(ctx, "answer device grant", "err", err, "client_id", a.ClientID)
		return
	}
	if err != nil {
		p.store.log.ErrorContext(ctx, "answer device grant", "err", err, "client_id", a.ClientID)
		result = DeviceUnavailable
		return
	}
	if err := p.store.requests.delete(ctx, a.ID); err != nil {
		p.store.log.WarnContext(ctx, "delete device login request", "err", err)
	}
	p.store.log.InfoContext(ctx, action, "client_id", g.ClientID, "user_id", sess.UserID, "sid", sess.ID)
	result = DeviceDenied
	if approve {
		result = DeviceApproved
	}
}

// auditDevice records the person's answer to a device, in the tenant the
// session acts in, as a login is: the person (or the support user acting
// as them) is the actor.
func (p *Provider) auditDevice(ctx context.Context, action string, a *authRequest, sess session.Session) error {
	d := map[string]string{"client_id": a.ClientID, "scopes": strings.Join(a.Scopes, " "), "session_id": sess.ID,
		"amr": strings.Join(sess.AMR, " "), "address": clientAddress(ctx)}
	e := audit.Event{Action: action, TenantID: sess.TenantID, Actor: sess.UserID, Target: sess.UserID, Details: d}
	if u, err := p.store.dir.Store().UserByID(ctx, sess.UserID); err == nil {
		e.ActorName, e.TargetName = u.Username, u.Username
	}
	if sess.Support != nil {
		e.Actor, e.ActorName, d["reason"] = sess.Support.ActorID, "", sess.Support.Reason
	}
	return p.store.audit(ctx, e)
}
