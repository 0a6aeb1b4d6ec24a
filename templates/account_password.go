package templates

// The "Password" section of the account page: the person changes their
// own password, giving the current one and the new one twice (the form
// posts to /account/password).

// Messages of the password section.
const (
	// MsgPasswordChanged: the person's new password is set. A notice of
	// the page, above its sections.
	MsgPasswordChanged Message = "password_changed"
	// MsgCurrentPasswordWrong: the current password given to change it is
	// not right. Nothing was changed.
	MsgCurrentPasswordWrong Message = "current_password_wrong"
)

// AccountPassword is the state of the password form: its refusal, if
// any. The zero AccountPassword is a blank form.
type AccountPassword struct {
	// Error is MsgCurrentPasswordWrong, MsgPasswordMismatch,
	// MsgPasswordRefused (with Reason) or MsgTooManyAttempts (with
	// RetryMinutes).
	Error Message
	// Reason is the password policy's refusal in its own words, which
	// complete "The new password …", as on the login's new-password page.
	Reason       string
	RetryMinutes int
	// CurrentError, PasswordError and ConfirmError mark an empty field
	// (MsgPasswordRequired) or one longer than any real password
	// (MsgTooLong).
	CurrentError  Message
	PasswordError Message
	ConfirmError  Message
}

// CanChangePassword reports whether the page offers the password form:
// not to a support session, which never changes the person's password.
func (p AccountPage) CanChangePassword() bool { return !p.InSupportSession() }
