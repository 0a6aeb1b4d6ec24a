package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// Every login is audited in the tenant it acts in: login.succeeded once
// the session exists (and before the browser has it: a login that cannot
// be audited does not happen), login.failed for a wrong password or a
// disabled account at a tenant that exists. A failure names its user only
// if that user exists, so that a password typed into the username field
// never reaches the log; it is written whether or not the user exists, so
// that the work done tells nobody which accounts exist. Attempts refused
// by the throttle, and at tenants that do not exist, are only logged.
// Support logins have their own events (support.go). A new password chosen
// at login (new_password.go) is user.password_changed, in the person's
// home tenant, by the person; never the password itself.

// auditLogin records a successful login.
func (h *Handler) auditLogin(ctx context.Context, r *http.Request, req Request, u directory.User, t directory.Tenant,
	sess session.Session, amr []string) error {
	err := h.audit(ctx, audit.Event{Action: "login.succeeded", TenantID: t.ID, Actor: u.ID, ActorName: u.Username,
		Target: u.ID, TargetName: u.Username, Details: map[string]string{"client_id": req.ClientID,
			"address": throttle.ClientAddress(r), "session_id": sess.ID, "amr": strings.Join(amr, " ")}})
	if err != nil {
		return fmt.Errorf("audit login: %w", err)
	}
	return nil
}

// auditLoginFailure records a refused password at tenantSlug.
func (h *Handler) auditLoginFailure(ctx context.Context, r *http.Request, req Request, tenantSlug, username string, cause error) error {
	t, err := h.tenants.TenantBySlug(ctx, tenantSlug)
	if errors.Is(err, directory.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	reason := "invalid_credentials"
	if errors.Is(cause, directory.ErrUserDisabled) {
		reason = "user_disabled"
	}
	e := audit.Event{Action: "login.failed", TenantID: t.ID, Actor: "anonymous",
		Details: map[string]string{"reason": reason, "client_id": req.ClientID, "address": throttle.ClientAddress(r)}}
	if directory.ValidateUsername(username) == nil {
		if u, err := h.support.UserIn(ctx, t.ID, username); err == nil {
			e.Target, e.TargetName = u.ID, u.Username
		} else if !errors.Is(err, directory.ErrNotFound) {
			return err
		}
	}
	if err := h.audit(ctx, e); err != nil {
		return fmt.Errorf("audit failed login: %w", err)
	}
	return nil
}

// auditPasswordChanged records the new password u chose at login because
// it had to (MustChangePassword).
func (h *Handler) auditPasswordChanged(ctx context.Context, r *http.Request, req Request, u directory.User) error {
	err := h.audit(ctx, audit.Event{Action: actionPasswordChanged, TenantID: u.TenantID, Actor: u.ID, ActorName: u.Username,
		Target: u.ID, TargetName: u.Username, Details: map[string]string{"reason": "required_at_login",
			"client_id": req.ClientID, "address": throttle.ClientAddress(r)}})
	if err != nil {
		return fmt.Errorf("audit password change: %w", err)
	}
	return nil
}
