package templates

// Message names something a page has to tell the person. Handlers choose a
// Message; the sentence itself lives in the templates (login.html,
// error.html), so that every string a person reads is in one place for
// translation.
type Message string

// FieldMessage is what a form field's value v calls for: required when
// it is empty, MsgTooLong when it is longer than maxLen bytes (longer than
// any real value: a form refuses it before anything else looks at it),
// and "" when it is fine.
func FieldMessage(v string, maxLen int, required Message) Message {
	switch {
	case v == "":
		return required
	case len(v) > maxLen:
		return MsgTooLong
	}
	return ""
}

// Messages shown above or beside the login form.
const (
	// MsgInvalidCredentials is the one answer to an unknown tenant, an
	// unknown user and a wrong password alike, so that nobody learns which
	// accounts exist.
	MsgInvalidCredentials Message = "invalid_credentials"
	// MsgAccountDisabled is only shown once the password was right.
	MsgAccountDisabled Message = "account_disabled"
	// MsgTooManyAttempts needs LoginPage.RetryMinutes.
	MsgTooManyAttempts Message = "too_many_attempts"
	// MsgTenantRequired, MsgUsernameRequired and MsgPasswordRequired mark an
	// empty field; MsgTooLong a field longer than any real value.
	MsgTenantRequired   Message = "tenant_required"
	MsgUsernameRequired Message = "username_required"
	MsgPasswordRequired Message = "password_required"
	MsgTooLong          Message = "too_long"
	// MsgCodeMalformed: what was typed is neither a 6-digit code nor a
	// recovery code (not counted as an attempt).
	MsgCodeMalformed Message = "code_malformed"
	// MsgCodeWrong: a wrong, expired, future or already used code.
	MsgCodeWrong Message = "code_wrong"
	// MsgCodeWait: too soon after a wrong code; needs WaitSeconds.
	MsgCodeWait Message = "code_wait"
	// MsgTOTPLocked: too many wrong codes; needs LockMinutes.
	MsgTOTPLocked Message = "totp_locked"
	// MsgEnrolmentStale: an enrolment form from an earlier QR code.
	MsgEnrolmentStale Message = "enrolment_stale"
	// MsgChooseTenant: the tenant choice was submitted without a choice.
	MsgChooseTenant Message = "choose_tenant"
	// MsgSupportRefused: a support login ("jill$john") whose password was
	// right but that the support rules refuse. One message for every
	// reason (no permission, unknown user, no consent, ...): the reason is
	// in the audit log.
	MsgSupportRefused Message = "support_refused"
	// MsgSupportFromSupport: a support login from a browser that is in a
	// support session already.
	MsgSupportFromSupport Message = "support_from_support"
	// MsgReasonRequired and MsgReasonInvalid are the support page's.
	MsgReasonRequired Message = "reason_required"
	MsgReasonInvalid  Message = "reason_invalid"
)

// Messages shown on the error page.
const (
	// MsgRequestExpired: the authorization request is unknown or expired.
	MsgRequestExpired Message = "request_expired"
	// MsgFormExpired: the form's CSRF token is missing or wrong, or the
	// browser posted it from another site.
	MsgFormExpired Message = "form_expired"
	// MsgBadRequest: the browser sent something no form of ours produces.
	MsgBadRequest Message = "bad_request"
	// MsgFormTooLarge: the form body was larger than any real login.
	MsgFormTooLarge Message = "form_too_large"
	// MsgUnavailable: a database or Redis outage; nothing was changed and
	// trying again shortly will work.
	MsgUnavailable Message = "unavailable"
	// MsgInternal: our fault; the cause is in the log, not on the page.
	MsgInternal Message = "internal"
)
