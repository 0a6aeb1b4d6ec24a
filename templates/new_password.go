package templates

// The "choose a new password" step of the login: a person whose
// administrator set "reset password at next login" (or created the account
// with a temporary password) chooses a new one before the login completes.

// Messages of the new-password page, shown above its form.
const (
	// MsgPasswordMismatch: the two fields of the new-password form differ.
	// Nothing was changed.
	MsgPasswordMismatch Message = "password_mismatch"
	// MsgPasswordRefused: the password policy refused the new password;
	// NewPasswordPage.Reason says why. Nothing was changed.
	MsgPasswordRefused Message = "password_refused"
)

// NewPasswordPage asks for a new password, twice, before the login goes
// on (the form posts to /login/new-password).
type NewPasswordPage struct {
	ClientName    string
	AuthRequestID string
	CSRFToken     string
	// Username is who the new password is for (the support user in a
	// support login): the page says so, and password managers file the
	// new password under it.
	Username string
	// Error is MsgPasswordMismatch, MsgPasswordRefused (with Reason) or
	// MsgTooManyAttempts (with RetryMinutes).
	Error Message
	// Reason is the password policy's refusal, in its own words, which
	// complete "The new password …" ("must be at least 8 characters").
	// It is the one sentence on the login pages that a handler supplies:
	// package password words it, for the admin API as well.
	Reason       string
	RetryMinutes int
	// PasswordError and ConfirmError mark an empty field
	// (MsgPasswordRequired) or one longer than any real password
	// (MsgTooLong).
	PasswordError Message
	ConfirmError  Message
}

func (NewPasswordPage) templateName() string { return "new_password" }
