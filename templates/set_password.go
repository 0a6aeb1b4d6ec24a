package templates

// The pages a person reaches from a mailed link (an invitation, a
// password reset) and the "forgot password" form that mails a reset link
// (package setpassword).

// Link kinds: which mailed link a set-password page serves. The page's
// words and the path it posts to follow from it.
const (
	LinkInvitation = "invitation"
	LinkReset      = "reset"
)

// Messages of the link-problem page: why a mailed link cannot be used.
const (
	// MsgLinkExpired: the link's time is up; a new one must be sent.
	MsgLinkExpired Message = "link_expired"
	// MsgLinkUsed: the link was used already (it is single-use), or a
	// newer link of the same kind replaced it.
	MsgLinkUsed Message = "link_used"
	// MsgLinkNotFound: no such link: mistyped, cut off, or long gone.
	MsgLinkNotFound Message = "link_not_found"
	// MsgLinkUnusable: the link is live, but its account cannot use it
	// (disabled, or invited and has a password since).
	MsgLinkUnusable Message = "link_unusable"
)

// SetPasswordPage asks the person who opened a mailed link for its new
// password, twice. The form posts to /invitation or /password/reset.
type SetPasswordPage struct {
	// Link is LinkInvitation or LinkReset.
	Link string
	// Token is the link's secret, posted back with the form: the page is
	// only ever served to whoever holds the link.
	Token     string
	CSRFToken string
	// Username and TenantName say whose password this is.
	Username   string
	TenantName string
	// Until is when the link stops working.
	Until Deadline
	// Error is MsgPasswordMismatch, MsgPasswordRefused (with Reason) or
	// MsgTooManyAttempts (with RetryMinutes).
	Error Message
	// Reason is the password policy's refusal, which completes "The
	// password …" (package password words it).
	Reason       string
	RetryMinutes int
	// PasswordError and ConfirmError mark an empty or overlong field.
	PasswordError Message
	ConfirmError  Message
}

// LinkProblemPage says why a mailed link cannot be used and what to do.
type LinkProblemPage struct {
	// Link is LinkInvitation or LinkReset.
	Link string
	// Problem is MsgLinkExpired, MsgLinkUsed, MsgLinkNotFound or
	// MsgLinkUnusable.
	Problem Message
}

// PasswordSetPage says that the password from a mailed link is set.
type PasswordSetPage struct {
	// Link is LinkInvitation or LinkReset; a reset also signed out every
	// session, which the page says.
	Link       string
	Username   string
	TenantName string
	// Strength is the new password's estimated strength ("strong").
	Strength string
	// MFARequired: the tenant requires two-factor sign-in, so the first
	// sign-in will ask to set it up if the person has not.
	MFARequired bool
	// SignInURL is where to sign in next: the login page of the portal
	// the invitation named (PortalName), or the account page.
	SignInURL  string
	PortalName string
}

// ForgotPasswordPage asks for the tenant and username of the account
// whose password was forgotten (the form posts to /password/forgot).
type ForgotPasswordPage struct {
	CSRFToken string
	// AuthRequestID, if set, is the sign-in the person came from: the page
	// offers to go back to it.
	AuthRequestID string
	Tenant        string
	Username      string
	// Error is MsgTooManyAttempts (with RetryMinutes).
	Error        Message
	RetryMinutes int
	// TenantError and UsernameError mark an empty or overlong field.
	TenantError   Message
	UsernameError Message
}

// ResetSentPage is the one answer to every accepted "forgot password"
// request, whether or not an account matched, so that it reveals none.
type ResetSentPage struct {
	// ValidMinutes is how long a reset link works.
	ValidMinutes  int
	AuthRequestID string
}

func (SetPasswordPage) templateName() string    { return "set_password" }
func (LinkProblemPage) templateName() string    { return "link_problem" }
func (PasswordSetPage) templateName() string    { return "password_set" }
func (ForgotPasswordPage) templateName() string { return "forgot_password" }
func (ResetSentPage) templateName() string      { return "reset_sent" }
