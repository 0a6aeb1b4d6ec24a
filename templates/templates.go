package templates

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
)

//go:embed html/*.html static/*
var files embed.FS

// ProductName is shown on every page and in every title.
const ProductName = "Gatehouse"

// pageNames are the pages New parses; each is html/<name>.html on top of the
// layout.
var pageNames = [...]string{"login", "tenant_choice", "support", "totp", "totp_enrol", "recovery_codes", "new_password", "error",
	"logged_out", "account", "account_signin", "account_enrol", "account_recovery_codes",
	"set_password", "link_problem", "password_set", "forgot_password", "reset_sent"}

// Set is the parsed pages. It is safe for concurrent use.
type Set struct {
	pages map[string]*template.Template
}

// Page is the data of one page. Only this package's page types implement it,
// so that each template only ever sees the data it was written for.
type Page interface {
	templateName() string
}

// LoginPage is the form that asks for tenant, username and password.
type LoginPage struct {
	// ClientName is the application the person is signing in to.
	ClientName    string
	AuthRequestID string
	CSRFToken     string
	// Tenant and Username pre-fill the form (from a login hint, the
	// remembered tenant, or what was typed before).
	Tenant   string
	Username string
	// Error is a message about the whole form (wrong credentials, disabled,
	// throttled); RetryMinutes goes with MsgTooManyAttempts.
	Error        Message
	RetryMinutes int
	// Field errors, shown beside their inputs.
	TenantError   Message
	UsernameError Message
	PasswordError Message
}

// TenantChoicePage asks a person who may act in several tenants (its home
// and those it is linked to as an external user) which one to act in.
type TenantChoicePage struct {
	ClientName    string
	AuthRequestID string
	CSRFToken     string
	Username      string
	Tenants       []TenantOption
	// Error is MsgChooseTenant when the form came back without a choice.
	Error Message
}

// TenantOption is one tenant on the choice page.
type TenantOption struct {
	ID, Name, Slug, Level string
	Home, Checked         bool
}

// CodeError is the refusal of a code typed into one form, on the login and
// the account pages alike: MsgCodeMalformed, MsgCodeWrong, MsgCodeWait
// (WaitSeconds) or MsgTOTPLocked (LockMinutes); the zero CodeError is none.
type CodeError struct {
	Error       Message
	WaitSeconds int
	LockMinutes int
}

// TOTPPage asks for the code from the person's authenticator app, or one of
// its recovery codes.
type TOTPPage struct {
	ClientName    string
	AuthRequestID string
	CSRFToken     string
	// CodeError is the refusal of the code given.
	CodeError
}

// EnrolPage sets up an authenticator app: a QR code and the same key to
// type, then the first code to prove it works.
type EnrolPage struct {
	ClientName    string
	AuthRequestID string
	CSRFToken     string
	EnrolID       string
	// Reason says why TOTP is required ("tenant policy", "role admins").
	Reason string
	// Account is how the app will label the entry (username@tenant).
	Account string
	// QR is a data: URL of a PNG, rendered by the server.
	QR     template.URL
	Secret string // the key, in groups of four
	// CodeError is the refusal of the code given, or MsgEnrolmentStale.
	CodeError
}

// RecoveryCodesPage shows new recovery codes, which the person saves
// before the login goes on (the form posts to /login/totp/done).
type RecoveryCodesPage struct {
	ClientName    string
	AuthRequestID string
	CSRFToken     string
	Codes         []string
}

// ErrorPage tells the person what went wrong and what to do next.
type ErrorPage struct {
	Message Message
	// ClientName, if known, names the application to go back to.
	ClientName string
}

// LoggedOutPage is shown after logout when the application gave no
// post_logout_redirect_uri.
type LoggedOutPage struct{}

func (LoginPage) templateName() string         { return "login" }
func (ErrorPage) templateName() string         { return "error" }
func (TenantChoicePage) templateName() string  { return "tenant_choice" }
func (TOTPPage) templateName() string          { return "totp" }
func (EnrolPage) templateName() string         { return "totp_enrol" }
func (RecoveryCodesPage) templateName() string { return "recovery_codes" }
func (LoggedOutPage) templateName() string     { return "logged_out" }

// New parses every page. It fails only if a template is broken, which the
// tests catch; callers treat an error as fatal at start.
func New() (*Set, error) {
	css, err := fs.ReadFile(files, "static/gatehouse.css")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	sum := sha256.Sum256(css)
	// The style sheet URL carries a hash of its content, so that browsers may
	// cache it for a year and still get a new one with a new release.
	cssURL := StaticPath + "gatehouse.css?v=" + hex.EncodeToString(sum[:6])
	funcs := template.FuncMap{
		"product":    func() string { return ProductName },
		"stylesheet": func() string { return cssURL },
	}
	s := &Set{pages: make(map[string]*template.Template, len(pageNames))}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").
			ParseFS(files, "html/layout.html", "html/partials.html", "html/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("templates: parse %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return s, nil
}

// Execute writes page p to w. Callers that write to an http.ResponseWriter
// should render into a buffer first, so that a failing template never leaves
// half a page behind a 200.
func (s *Set) Execute(w io.Writer, p Page) error { return s.ExecuteWith(w, p, nil) }

// view is what the layout renders: the page, and the support banner when
// a support user acts in this browser. Pages see only their own data.
type view struct {
	Page    Page
	Support *SupportBanner
}

// ExecuteWith is Execute with the support banner b on top (none if nil).
func (s *Set) ExecuteWith(w io.Writer, p Page, b *SupportBanner) error {
	t, ok := s.pages[p.templateName()]
	if !ok {
		return fmt.Errorf("templates: no page %q", p.templateName())
	}
	if err := t.ExecuteTemplate(w, "layout", view{Page: p, Support: b}); err != nil {
		return fmt.Errorf("templates: render %s: %w", p.templateName(), err)
	}
	return nil
}
