package templates

import "html/template"

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
)

// AccountSignInPage is the account page for a browser without a live
// session: it says to sign in, with a button to /account/login.
type AccountSignInPage struct {
	// Notice is MsgAccountSignInFailed, MsgAccountSignedOut or empty.
	Notice Message
}

// AccountPage shows who is signed in and the state of their two-factor
// authentication, with the forms the policy allows.
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
	// Notice is one of the account messages above, or MsgAccountFormExpired.
	Notice Message
	// Recovery and Remove are the refusals of the code given in those
	// forms.
	Recovery CodeError
	Remove   CodeError
}

// CanEnrol reports whether the page offers enrolment: the person has no
// authenticator and the policy is not off.
func (p AccountPage) CanEnrol() bool { return !p.Enrolled && p.Policy != "off" }

// CanRemove reports whether the page offers removal: the person has an
// authenticator that nothing requires.
func (p AccountPage) CanRemove() bool { return p.Enrolled && !p.Required }

// CodeError is the refusal of a code typed into one form: MsgCodeMalformed,
// MsgCodeWrong, MsgCodeWait (WaitSeconds) or MsgTOTPLocked (LockMinutes),
// as at login.
type CodeError struct {
	Error       Message
	WaitSeconds int
	LockMinutes int
}

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
	// Error: as CodeError, or MsgEnrolmentStale.
	Error       Message
	WaitSeconds int
	LockMinutes int
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
