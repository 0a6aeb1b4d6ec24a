package templates

import (
	"html/template"
	"time"
)

// The account page: a person's own two-factor authentication, authorized
// by the Gatehouse session (package account).

// Messages of the account page, shown above its forms.
const (
	// MsgAccountSignInFailed: a return to /account from the authorization
	// endpoint that this browser did not start (the state does not match
	// its cookie), or that ended in an error.
	MsgAccountSignInFailed Message = "account_sign_in_failed"
	// MsgAccountSignedOut: a form posted without a live session.
	MsgAccountSignedOut Message = "account_signed_out"
	// MsgAccountFormExpired: a form without its CSRF token, or with one
	// from another session. Nothing was changed.
	MsgAccountFormExpired Message = "account_form_expired"
	// MsgMFAOff: the tenant's policy is off, so no one enrols.
	MsgMFAOff Message = "mfa_off"
	// MsgAlreadyEnrolled: an enrolment started or finished by a person who
	// has an authenticator (another tab, say).
	MsgAlreadyEnrolled Message = "already_enrolled"
	// MsgNotEnrolled: new recovery codes or removal for a person who has
	// no authenticator (removed or reset meanwhile).
	MsgNotEnrolled Message = "not_enrolled"
	// MsgTOTPRequired: removal refused because policy, a role or a group
	// requires TOTP of the person; AccountPage.Reason says which.
	MsgTOTPRequired Message = "totp_required"
	// MsgEnrolmentExpired: the enrolment's QR code is no longer kept.
	MsgEnrolmentExpired Message = "enrolment_expired"
	// MsgTOTPRemoved: two-factor authentication is now off for the person.
	MsgTOTPRemoved Message = "totp_removed"
	// MsgSupportEnabled and MsgSupportDisabled: the person opened (until
	// AccountPage.NoticeUntil) or closed support access to their own
	// account.
	MsgSupportEnabled  Message = "support_enabled"
	MsgSupportDisabled Message = "support_disabled"
	// MsgSupportTenantEnabled and MsgSupportTenantDisabled: a tenant
	// administrator opened (until AccountPage.NoticeUntil) or closed
	// support access to every account of the tenant
	// (AccountSupport.TenantName).
	MsgSupportTenantEnabled  Message = "support_tenant_enabled"
	MsgSupportTenantDisabled Message = "support_tenant_disabled"
	// MsgSupportTenantForbidden: the tenant-wide consent asked for by
	// someone who does not administer the tenant. Nothing was changed.
	MsgSupportTenantForbidden Message = "support_tenant_forbidden"
	// MsgSupportCannotChange: a form posted in a support session (support
	// acting as the person): a support session changes neither the
	// person's sign-in settings nor their consent. Nothing was checked or
	// changed.
	MsgSupportCannotChange Message = "support_cannot_change"
	// MsgSwitchNeedsTOTP: a tenant switch refused because the chosen
	// tenant requires TOTP and the session did not use it. Nothing was
	// changed.
	MsgSwitchNeedsTOTP Message = "switch_needs_totp"
)

// AccountTenant is one tenant the "Switch tenant" section offers.
type AccountTenant struct {
	ID, Name, Slug string
	// Home is the person's home tenant.
	Home bool
}

// AccountSignInPage is the account page for a browser without a live
// session: it says to sign in, with a button to /account/login.
type AccountSignInPage struct {
	// Notice is MsgAccountSignInFailed, MsgAccountSignedOut or empty.
	Notice Message
}

// AccountPage shows who is signed in, the password form and the state of
// their two-factor authentication, with the forms the policy allows.
type AccountPage struct {
	CSRFToken  string
	Username   string
	TenantName string
	TenantSlug string
	// Policy is the effective TOTP policy of the session's tenant: "off",
	// "optional" or "required".
	Policy string
	// Required is true when the person must use TOTP; Reason says why
	// ("tenant policy", "role admins", "group night-shift").
	Required bool
	Reason   string
	Enrolled bool
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int
	// LockedMinutes is how long two-factor sign-in stays locked after too
	// many wrong codes; 0 when it is not locked.
	LockedMinutes int
	// Notice is one of the account messages above, MsgPasswordChanged,
	// MsgProfileSaved, MsgProfileUnchanged, or MsgAccountFormExpired.
	Notice Message
	// NoticeUntil is when the window that MsgSupportEnabled or
	// MsgSupportTenantEnabled reports closes.
	NoticeUntil Deadline
	// Recovery and Remove are the refusals of the code given in those
	// forms.
	Recovery CodeError
	Remove   CodeError
	// SupportActor and SupportActorTenant name, in a support session, the
	// support user acting as the person and the slug of its home tenant;
	// both are empty otherwise. A support session sees a banner that says
	// so, and no form.
	SupportActor       string
	SupportActorTenant string
	// Support is the "Support access" section.
	Support AccountSupport
	// Password is the refusal of the password form (account_password.go).
	Password AccountPassword
	// Profile is the "Profile" section (account_profile.go).
	Profile AccountProfile
	// Tenants are the other tenants the person may act in: the "Switch
	// tenant" section, left out when empty (and in a support session).
	Tenants []AccountTenant
}

// InSupportSession reports whether support is acting as the person: the
// page then offers no form at all.
func (p AccountPage) InSupportSession() bool { return p.SupportActor != "" }

// CanEnrol reports whether the page offers enrolment: the person has no
// authenticator, the policy is not off, and this is not a support session.
func (p AccountPage) CanEnrol() bool {
	return !p.Enrolled && p.Policy != "off" && !p.InSupportSession()
}

// CanManage reports whether the page offers the forms of an enrolled
// person (new recovery codes, and removal if CanRemove): not to a support
// session.
func (p AccountPage) CanManage() bool { return p.Enrolled && !p.InSupportSession() }

// CanRemove reports whether the page offers removal: the person has an
// authenticator that nothing requires.
func (p AccountPage) CanRemove() bool { return p.Enrolled && !p.Required }

// RecoveryField and RemoveField are the code inputs of the forms for new
// recovery codes and for removal.
func (p AccountPage) RecoveryField() CodeField {
	return CodeField{ID: "recovery-code", CodeError: p.Recovery}
}
func (p AccountPage) RemoveField() CodeField {
	return CodeField{ID: "remove-code", CodeError: p.Remove}
}

// SupportForm is the button of the "Support access" section for scope
// ("self", or "tenant" for an administrator): it disables support access
// while the scope's window is open, and else enables it.
func (p AccountPage) SupportForm(scope string) SupportForm {
	open := p.Support.Own.Open()
	if scope == "tenant" {
		open = p.Support.Tenant.Open()
	}
	return SupportForm{CSRFToken: p.CSRFToken, Scope: scope, Enable: !open, Window: p.Support.Window}
}

// SupportForm is what the "account_support_form" partial draws.
type SupportForm struct {
	CSRFToken string
	Scope     string
	// Enable is true for the form that opens a window of Window.
	Enable bool
	Window time.Duration
}

// CodeField is what the "account_code_field" partial draws: the input's
// id, and the refusal of the code typed into it.
type CodeField struct {
	ID string
	CodeError
}

// AccountSupport is the state of support access (seed 004's "Enable
// support") for the person's home tenant, where consents are given.
type AccountSupport struct {
	// Mode is the tenant's effective support mode: "permission" (the
	// provider's support staff may sign in as the person without asking)
	// or "consent" (only while a consent is open).
	Mode string
	// Window is how long a consent given now stays open.
	Window time.Duration
	// TenantName is the person's home tenant.
	TenantName string
	// Own is the person's own consent, Tenant the tenant-wide one a
	// tenant administrator gave; the zero Deadline when none is open.
	Own    Deadline
	Tenant Deadline
	// Admin is true when the person administers the tenant: the page then
	// offers the tenant-wide consent too.
	Admin bool
}

// ByConsent reports whether support needs a consent in the tenant.
func (s AccountSupport) ByConsent() bool { return s.Mode == "consent" }

// Deadline is when an open window closes; the zero Deadline means none is
// open.
type Deadline time.Time

// Open reports whether there is a window.
func (d Deadline) Open() bool { return !time.Time(d).IsZero() }

// Machine writes the deadline for a <time datetime> attribute (RFC 3339,
// UTC).
func (d Deadline) Machine() string { return time.Time(d).UTC().Format(time.RFC3339) }

// AccountEnrolPage sets up an authenticator app chosen by the person: the
// QR code and key, then the first code.
type AccountEnrolPage struct {
	CSRFToken string
	EnrolID   string
	// Account is how the app will label the entry (username@tenant).
	Account string
	// QR is a data: URL of a PNG, rendered by the server.
	QR     template.URL
	Secret string // the key, in groups of four
	// CodeError is the refusal of the code given, or MsgEnrolmentStale.
	CodeError
}

// AccountRecoveryCodesPage shows new recovery codes once, then leads back
// to the account page.
type AccountRecoveryCodesPage struct {
	Codes []string
	// Regenerated is true for codes that replace earlier ones, false for
	// those of a new enrolment.
	Regenerated bool
}

func (AccountSignInPage) templateName() string        { return "account_signin" }
func (AccountPage) templateName() string              { return "account" }
func (AccountEnrolPage) templateName() string         { return "account_enrol" }
func (AccountRecoveryCodesPage) templateName() string { return "account_recovery_codes" }
