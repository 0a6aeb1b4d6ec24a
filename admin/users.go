package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
)

// userView is a user as the API shows it.
type userView struct {
	ID       string `json:"id"`
	Tenant   string `json:"tenant"` // the home tenant's id
	Username string `json:"username"`
	profileView
	assignmentView
	Owner   string `json:"owner,omitempty"` // the owner's id
	Enabled bool   `json:"enabled"`
	// Pending is true for a user who has not set a password yet.
	Pending bool `json:"pending"`
	// PasswordStrength is the estimate made when the password was set
	// (very weak, weak, fair, strong, very strong), or unknown (imported
	// as a hash, or set before estimates existed).
	PasswordStrength string `json:"password_strength"`
	// MustChangePassword: the next login asks for a new password first.
	MustChangePassword bool `json:"must_change_password"`
	// DeletedAt is set for a deleted user, which is purged for good at
	// PurgeAt unless restored first.
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	PurgeAt   time.Time `json:"purge_at,omitzero"`
	MFA       mfaView   `json:"mfa"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// The login statistics (directory.User): the times are left out
	// before the first login.
	LoginCount       int       `json:"login_count"`
	LastLoginAt      time.Time `json:"last_login_at,omitzero"`
	LastLoginAddress string    `json:"last_login_address,omitempty"`
	LastSeenAt       time.Time `json:"last_seen_at,omitzero"`
}

// profileView is a user's profile: shown, and sent to create a user.
type profileView struct {
	Email             string `json:"email,omitempty"`
	EmailVerified     bool   `json:"email_verified"`
	GivenName         string `json:"given_name,omitempty"`
	FamilyName        string `json:"family_name,omitempty"`
	DisplayName       string `json:"display_name,omitempty"`
	PreferredLanguage string `json:"preferred_language,omitempty"`
	Phone             string `json:"phone,omitempty"`
	JobTitle          string `json:"job_title,omitempty"`
	OfficeLocation    string `json:"office_location,omitempty"`
}

// assignmentView is what a user holds in its tenant: shown, sent to create
// a user, and the body of PUT /users/{id}/roles.
type assignmentView struct {
	TenantRole   string              `json:"tenant_role"`
	GlobalRoles  []string            `json:"global_roles"`
	ServiceRoles map[string][]string `json:"service_roles"`
	Groups       []string            `json:"groups"`
}

func (a assignmentView) assignment() directory.Assignment {
	return directory.Assignment{TenantRole: directory.TenantRole(a.TenantRole), GlobalRoles: a.GlobalRoles,
		ServiceRoles: directory.ServiceRoles(a.ServiceRoles), Groups: a.Groups}
}

// mfaView is a user's second factor as the API shows it.
type mfaView struct {
	// Enrolled is true when the user has TOTP.
	Enrolled bool `json:"enrolled"`
	// Required is true when signing in to its home tenant needs TOTP
	// (directory.DecideMFAOf, without the client asking for it).
	Required bool `json:"required"`
}

// TOTPCredentials tells who has enrolled TOTP; mfa.Store (the durable
// store) implements it. A list filtered on TOTP asks the directory's store
// instead (directory.UserFilter.MFA), which keeps the credentials as well.
type TOTPCredentials interface {
	// TOTPCredential returns the user's credential, or an error wrapping
	// mfa.ErrNotFound.
	TOTPCredential(ctx context.Context, userID string) (mfa.Credential, error)
}

// enrolledAmong returns the ids of those of users who have TOTP, asking
// for each one's credential: users are a page (at most
// directory.MaxUserPage), and each question is a lookup by primary key.
func (h *Handler) enrolledAmong(ctx context.Context, users []directory.User) (map[string]bool, error) {
	out := make(map[string]bool, len(users))
	for _, u := range users {
		_, err := h.credentials.TOTPCredential(ctx, u.ID)
		if err != nil && !errors.Is(err, mfa.ErrNotFound) {
			return nil, err
		}
		out[u.ID] = err == nil
	}
	return out, nil
}

// viewUsers shows users with their second factor.
func (h *Handler) viewUsers(ctx context.Context, users []directory.User) ([]userView, error) {
	enrolled, err := h.enrolledAmong(ctx, users)
	if err != nil {
		return nil, err
	}
	decs, err := h.dir.HomeMFAOf(ctx, users)
	if err != nil {
		return nil, err
	}
	out := make([]userView, len(users))
	for i, u := range users {
		out[i] = viewUser(u)
		out[i].PurgeAt = h.dir.PurgeAt(u)
		out[i].MFA = mfaView{Enrolled: enrolled[u.ID], Required: decs[i].Required}
	}
	return out, nil
}

// writeUser answers status with u.
func (h *Handler) writeUser(w http.ResponseWriter, r *http.Request, status int, u directory.User) error {
	v, err := h.viewUserOf(r.Context(), u)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

// viewUserOf shows one user with its second factor.
func (h *Handler) viewUserOf(ctx context.Context, u directory.User) (userView, error) {
	v, err := h.viewUsers(ctx, []directory.User{u})
	if err != nil {
		return userView{}, err
	}
	return v[0], nil
}

// viewUser is u without its second factor, which viewUsers adds.
func viewUser(u directory.User) userView {
	return userView{ID: u.ID, Tenant: u.TenantID, Username: u.Username,
		profileView: profileView{Email: u.Email, EmailVerified: u.EmailVerified, GivenName: u.GivenName, FamilyName: u.FamilyName,
			DisplayName: u.DisplayName, PreferredLanguage: u.PreferredLanguage, Phone: u.Phone, JobTitle: u.JobTitle,
			OfficeLocation: u.OfficeLocation},
		assignmentView: assignmentView{TenantRole: string(u.TenantRole), GlobalRoles: orEmpty(u.GlobalRoles),
			ServiceRoles: serviceRolesView(u.ServiceRoles), Groups: orEmpty(u.Groups)},
		Owner: u.OwnerID, Enabled: !u.Disabled, Pending: u.PasswordHash == "", PasswordStrength: u.PasswordStrength.String(),
		MustChangePassword: u.MustChangePassword, DeletedAt: u.DeletedAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		LoginCount: u.LoginCount, LastLoginAt: u.LastLoginAt, LastLoginAddress: u.LastLoginAddress, LastSeenAt: u.LastSeenAt}
}

// profileDetails are the audit details of a user's profile, and whether
// it is enabled.
func profileDetails(u directory.User) map[string]string {
	return map[string]string{
		"email": u.Email, "email_verified": boolString(u.EmailVerified), "given_name": u.GivenName,
		"family_name": u.FamilyName, "display_name": u.DisplayName, "preferred_language": u.PreferredLanguage,
		"phone": u.Phone, "job_title": u.JobTitle, "office_location": u.OfficeLocation, "enabled": boolString(!u.Disabled),
		"change_at_next_login": boolString(u.MustChangePassword),
	}
}

// assignmentDetails are the audit details of what a user holds.
func assignmentDetails(u directory.User) map[string]string {
	return map[string]string{
		"tenant_role": string(u.TenantRole), "global_roles": join(u.GlobalRoles), "groups": join(u.Groups),
		"service_roles": u.ServiceRoles.String(),
	}
}

// userField is the body's name for a field of the directory's: it calls
// the tenant role "role".
func userField(field string) string {
	if field == "role" {
		return "tenant_role"
	}
	return field
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	q := r.URL.Query()
	f := directory.UserFilter{Query: q.Get("q"), GlobalRole: q.Get("global_role"), Group: q.Get("group"),
		ServiceRole: q.Get("service_role"), MFA: directory.MFAFilter(q.Get("mfa")), Sort: directory.UserSort(q.Get("sort")),
		Deleted: directory.DeletedFilter(q.Get("deleted")), After: q.Get("cursor")}
	if v := q.Get("enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fieldProblem(http.StatusBadRequest, "enabled", "must be true or false")
		}
		f.Enabled = &b
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > directory.MaxUserPage {
			return fieldProblem(http.StatusBadRequest, "limit", "must be a number from 1 to "+strconv.Itoa(directory.MaxUserPage))
		}
		f.Limit = n
	}
	users, next, err := h.dir.UsersFor(r.Context(), c, r.PathValue("slug"), f)
	var fe *directory.FieldError
	if errors.As(err, &fe) {
		// Only the query names fields here: a filter, the sort, the cursor.
		return fieldProblem(http.StatusBadRequest, fe.Field, fe.Reason)
	}
	if err != nil {
		return err
	}
	out, err := h.viewUsers(r.Context(), users)
	if err != nil {
		return err
	}
	body := map[string]any{"users": out}
	if next != "" {
		body["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	u, err := h.dir.UserFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		Username string `json:"username"`
		profileView
		Password           string `json:"password"`
		MustChangePassword bool   `json:"must_change_password"`
		Enabled            *bool  `json:"enabled"`
		assignmentView
		// Invite creates the user pending and mails it an invitation
		// (createInvited), to continue to the portal ClientID if set.
		Invite   bool   `json:"invite"`
		ClientID string `json:"client_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.TenantRole == "" {
		in.TenantRole = string(directory.TenantRoleUser)
	}
	p, a := in.profileView, in.assignment()
	nu := directory.NewUser{TenantSlug: r.PathValue("slug"), Username: in.Username,
		Email: p.Email, EmailVerified: p.EmailVerified, GivenName: p.GivenName, FamilyName: p.FamilyName, DisplayName: p.DisplayName,
		PreferredLanguage: p.PreferredLanguage, Phone: p.Phone, JobTitle: p.JobTitle, OfficeLocation: p.OfficeLocation,
		TenantRole: a.TenantRole, GlobalRoles: a.GlobalRoles, ServiceRoles: a.ServiceRoles, Groups: a.Groups,
		Password: in.Password, MustChangePassword: in.MustChangePassword, Disabled: in.Enabled != nil && !*in.Enabled}
	if in.Invite {
		return h.createInvited(w, r, c, nu, in.ClientID)
	}
	if in.ClientID != "" {
		// Ignoring it would leave the caller believing a portal was set.
		return fieldProblem(http.StatusUnprocessableEntity, "client_id", `is the portal of an invitation: send it with "invite": true`)
	}
	u, err := h.dir.CreateUserFor(r.Context(), c, nu)
	if err != nil {
		return renamed(err, userField)
	}
	if err := h.recordCreated(r, c, u); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/users/"+u.ID)
	return h.writeUser(w, r, http.StatusCreated, u)
}

// recordCreated records the creation of u.
func (h *Handler) recordCreated(r *http.Request, c directory.Caller, u directory.User) error {
	return h.record(r, c, audit.Event{Action: "user.created", TenantID: u.TenantID, Target: u.ID, TargetName: u.Username,
		Details: assignmentDetails(u)})
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	// (Pointers: a field left out stays as it is.)
	var in struct {
		Email              *string `json:"email"`
		EmailVerified      *bool   `json:"email_verified"`
		GivenName          *string `json:"given_name"`
		FamilyName         *string `json:"family_name"`
		DisplayName        *string `json:"display_name"`
		PreferredLanguage  *string `json:"preferred_language"`
		Phone              *string `json:"phone"`
		JobTitle           *string `json:"job_title"`
		OfficeLocation     *string `json:"office_location"`
		Enabled            *bool   `json:"enabled"`
		MustChangePassword *bool   `json:"must_change_password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	before, after, err := h.dir.UpdateUserFor(r.Context(), c, r.PathValue("id"), directory.UserUpdate{
		Email: in.Email, EmailVerified: in.EmailVerified, GivenName: in.GivenName, FamilyName: in.FamilyName,
		DisplayName: in.DisplayName, PreferredLanguage: in.PreferredLanguage, Phone: in.Phone, JobTitle: in.JobTitle,
		OfficeLocation: in.OfficeLocation, Enabled: in.Enabled, MustChangePassword: in.MustChangePassword})
	if err != nil {
		return err
	}
	if after.RevokedBefore.After(before.RevokedBefore) { // disabled
		if err := h.endSessions(r, after.ID); err != nil {
			return err
		}
	}
	d := diff(profileDetails(before), profileDetails(after))
	action := "user.updated"
	if _, ok := d["enabled"]; ok && len(d) == 1 {
		action = map[bool]string{true: "user.enabled", false: "user.disabled"}[!after.Disabled]
	}
	if _, ok := d["change_at_next_login"]; ok && len(d) == 1 && after.MustChangePassword {
		action = "user.password_reset_required"
	}
	if err := h.recordChange(r, c, audit.Event{Action: action, TenantID: after.TenantID, Target: after.ID,
		TargetName: after.Username, Details: d}); err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, after)
}

func (h *Handler) setRoles(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in assignmentView
	if err := decode(w, r, &in); err != nil {
		return err
	}
	before, after, err := h.dir.SetRolesFor(r.Context(), c, r.PathValue("id"), in.assignment())
	if err != nil {
		return renamed(err, userField)
	}
	if err := h.recordChange(r, c, audit.Event{Action: "user.roles_changed", TenantID: after.TenantID, Target: after.ID,
		TargetName: after.Username, Details: diff(assignmentDetails(before), assignmentDetails(after))}); err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, after)
}

func (h *Handler) resetUserTOTP(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	u, err := h.dir.ManagedUserFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.resetTOTP(r.Context(), c, u); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) copyRoles(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		From string `json:"from"`
		Mode string `json:"mode"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.From == "" {
		return fieldProblem(http.StatusUnprocessableEntity, "from", "is required: the id of the user to copy roles from")
	}
	modes := map[string]directory.CopyMode{"merge": directory.CopyMerge, "replace": directory.CopyReplace}
	mode, ok := modes[in.Mode]
	if !ok {
		return fieldProblem(http.StatusUnprocessableEntity, "mode", "must be merge or replace")
	}
	cp, err := h.dir.CopyRolesFor(r.Context(), c, in.From, r.PathValue("id"), mode)
	if err != nil {
		return renamed(err, userField)
	}
	d := diff(assignmentDetails(cp.Before), assignmentDetails(cp.After))
	if len(d) > 0 {
		d["from"], d["from_id"], d["mode"] = cp.From.Username, cp.From.ID, in.Mode
	}
	if err := h.recordChange(r, c, audit.Event{Action: "user.roles_copied", TenantID: cp.After.TenantID, Target: cp.After.ID,
		TargetName: cp.After.Username, Details: d}); err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, cp.After)
}

func (h *Handler) setOwner(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		// Owner is required, and null clears it: raw, to tell absent
		// (empty) from null.
		Owner json.RawMessage `json:"owner"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var owner string
	switch string(in.Owner) {
	case "":
		return fieldProblem(http.StatusUnprocessableEntity, "owner", "is required: a user id, or null for none")
	case "null":
	default:
		if err := json.Unmarshal(in.Owner, &owner); err != nil {
			return fieldProblem(http.StatusBadRequest, "owner", "must be a string or null")
		}
		if owner == "" {
			return fieldProblem(http.StatusUnprocessableEntity, "owner", "must be a user id, or null for none")
		}
	}
	ch, err := h.dir.SetOwnerFor(r.Context(), c, r.PathValue("id"), owner)
	if err != nil {
		return err
	}
	if err := h.recordChange(r, c, audit.Event{Action: "user.owner_changed", TenantID: ch.After.TenantID, Target: ch.After.ID,
		TargetName: ch.After.Username, Details: diff(
			map[string]string{"owner": ch.OwnerBefore, "owner_id": ch.Before.OwnerID},
			map[string]string{"owner": ch.OwnerAfter, "owner_id": ch.After.OwnerID})}); err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, ch.After)
}
