package templates

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"

	"golang.org/x/text/language"
)

//go:embed html/*.html static/* locales/*.json
var files embed.FS

// ProductName is shown on every page and in every title.
const ProductName = "Gatehouse"

// pageNames are the pages New parses; each is html/<name>.html on top of the
// layout.
var pageNames = [...]string{"login", "tenant_choice", "support", "totp", "totp_enrol", "recovery_codes", "new_password", "error",
	"logged_out", "account", "account_signin", "account_enrol", "account_recovery_codes",
	"set_password", "link_problem", "password_set", "forgot_password", "reset_sent", "logout_confirm", "consent",
	"device_code", "device_confirm", "device_done"}

// Set is the parsed pages, in every language. It is safe for concurrent
// use.
type Set struct {
	pages map[string]*template.Template // by "<lang>/<name>"
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

// LogoutConfirmPage asks the person to confirm a logout an application
// requested without an id_token_hint (RP-Initiated Logout 1.0 §6). The
// form posts to Action, the page's own address with the request's
// parameters; cancelling leads to the account page, still signed in.
type LogoutConfirmPage struct {
	Action    string
	CSRFToken string
}

func (LoginPage) templateName() string         { return "login" }
func (ErrorPage) templateName() string         { return "error" }
func (TenantChoicePage) templateName() string  { return "tenant_choice" }
func (TOTPPage) templateName() string          { return "totp" }
func (EnrolPage) templateName() string         { return "totp_enrol" }
func (RecoveryCodesPage) templateName() string { return "recovery_codes" }
func (LoggedOutPage) templateName() string     { return "logged_out" }
func (LogoutConfirmPage) templateName() string { return "logout_confirm" }

// New parses every page in every language. It fails only if a template or
// a catalog is broken, which the tests catch; callers treat an error as
// fatal at start.
func New() (*Set, error) {
	css, err := fs.ReadFile(files, "static/gatehouse.css")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	cats, err := loadCatalogs()
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	sum := sha256.Sum256(css)
	// The style sheet URL carries a hash of its content, so that browsers may
	// cache it for a year and still get a new one with a new release.
	cssURL := StaticPath + "gatehouse.css?v=" + hex.EncodeToString(sum[:6])
	s := &Set{pages: make(map[string]*template.Template, len(pageNames)*len(pageLanguages))}
	for _, lang := range pageLanguages {
		funcs := cats[lang.String()].funcs(lang)
		funcs["product"] = func() string { return ProductName }
		funcs["stylesheet"] = func() string { return cssURL }
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(funcs).Option("missingkey=error").
				ParseFS(files, "html/layout.html", "html/partials.html", "html/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("templates: parse %s: %w", name, err)
			}
			s.pages[lang.String()+"/"+name] = t
		}
	}
	return s, nil
}

// Execute writes page p to w, in English. Callers that write to an
// http.ResponseWriter should render into a buffer first, so that a failing
// template never leaves half a page behind a 200.
func (s *Set) Execute(w io.Writer, p Page) error { return s.Render(w, p, Frame{}) }

// ExecuteWith is Execute with the support banner b on top (none if nil).
func (s *Set) ExecuteWith(w io.Writer, p Page, b *SupportBanner) error {
	return s.Render(w, p, Frame{Support: b})
}

// Frame is what the layout draws around a page.
type Frame struct {
	// Lang is the language of the page (Language); English if it is not
	// one of Languages.
	Lang language.Tag
	// Support is the support banner on top, if any.
	Support *SupportBanner
	// Brand is the tenant's look, if the page belongs to one.
	Brand *Brand
	// Path and Query are the page's address, which the language switch's
	// links keep ("?lang=nl" alone if both are empty); NoSwitch leaves the
	// switch out.
	Path     string
	Query    url.Values
	NoSwitch bool
}

// view is what the layout renders: the page, the support banner when a
// support user acts in this browser, and the language switch. Pages see
// only their own data.
type view struct {
	Page      Page
	Support   *SupportBanner
	Brand     *Brand
	Languages []LanguageLink
}

// Render writes page p to w in frame f.
func (s *Set) Render(w io.Writer, p Page, f Frame) error {
	lang, ok := match(f.Lang)
	if !ok {
		lang = language.English
	}
	t, ok := s.pages[lang.String()+"/"+p.templateName()]
	if !ok {
		return fmt.Errorf("templates: no page %q", p.templateName())
	}
	v := view{Page: p, Support: f.Support, Brand: f.Brand}
	if !f.NoSwitch {
		v.Languages = switchLinks(f.Path, f.Query, lang)
	}
	if err := t.ExecuteTemplate(w, "layout", v); err != nil {
		return fmt.Errorf("templates: render %s: %w", p.templateName(), err)
	}
	return nil
}
