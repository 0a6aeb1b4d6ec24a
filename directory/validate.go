package directory

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// FieldError names the field of an input that is wrong and says why, so that
// an admin API can answer with an RFC 9457 problem naming the field and an
// import can point at the line.
type FieldError struct {
	Field  string
	Reason string
	// Err is a sentinel the error also is (ErrConflict for a name that is
	// taken), or nil.
	Err error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// fieldErrIs is fieldErr for an error that is also sentinel.
func fieldErrIs(field string, sentinel error, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

// taken turns the answer of a lookup by a name about to be created into
// the create's answer: a *FieldError on field that is also ErrConflict
// when something was found (err nil), nil when nothing was (ErrNotFound),
// and any other error as it is.
func taken(err error, field, format string, args ...any) error {
	switch {
	case err == nil:
		return fieldErrIs(field, ErrConflict, format, args...)
	case errors.Is(err, ErrNotFound):
		return nil
	}
	return err
}

// reframe restates err, if it is a *FieldError, as one on field (its own
// field if field is empty) whose reason is format's, the original reason
// given as the last argument; any other error, nil included, passes as it
// is. A check shared by several operations (Book.CheckGrant) words its
// refusal once; each operation says here what it means for its request.
func reframe(err error, field, format string, args ...any) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return err
	}
	if field == "" {
		field = fe.Field
	}
	return fieldErr(field, format, append(args, fe.Reason)...)
}

var (
	slugRE     = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	usernameRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._@+-]{0,126}[a-z0-9])?$`)
	clientIDRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$`)
	// nameRE is the shape of the names of resources, global roles, groups,
	// services and service roles: they appear in tokens ("service:role",
	// "resource:access"), so they are plain and have no ':' or spaces.
	nameRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$`)
)

// ValidateName checks the name of a resource, global role, group, service or
// service role; field names the input it came from.
func ValidateName(field, s string) error {
	if !nameRE.MatchString(s) {
		return fieldErr(field, "%q must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit", s)
	}
	return nil
}

// NormalizeSlug lower-cases and trims a tenant slug as typed by a person.
func NormalizeSlug(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormalizeUsername lower-cases and trims a username as typed by a person.
// Usernames compare case-insensitively, like email addresses.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateSlug checks a (normalized) tenant slug.
func ValidateSlug(s string) error {
	if !slugRE.MatchString(s) {
		return fieldErr("slug", "must be 1-63 lower-case letters, digits or '-', not starting or ending with '-'")
	}
	return nil
}

// ValidateUsername checks a (normalized) username. '$' is refused: it
// separates a support user from the user it acts as ("jill$john", seed 004).
// ':' is refused as well, since it separates token id and subject in opaque
// tokens.
func ValidateUsername(s string) error {
	if strings.ContainsAny(s, "$:") {
		return fieldErr("username", "must not contain '$' or ':'")
	}
	if !usernameRE.MatchString(s) {
		return fieldErr("username", "must be 1-128 lower-case letters, digits or . _ @ + -, starting and ending with a letter or digit")
	}
	return nil
}

func validateEmail(s string) error {
	if s == "" {
		return nil
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>") || len(s) > 254 {
		return fieldErr("email", "must be an email address like name@example.com")
	}
	return nil
}

// The limits of the optional profile fields (User.Phone, JobTitle,
// OfficeLocation).
const (
	maxPhoneLen = 32
	maxLineLen  = 100
)

// validateProfile checks the optional profile fields of a user, trimmed:
// a phone number is at most 32 digits, spaces and + - ( ); a job title and
// an office location at most 100 printable characters (no line breaks,
// tabs or other control characters), each field empty if unknown.
func validateProfile(phone, jobTitle, officeLocation string) error {
	if len(phone) > maxPhoneLen || strings.TrimLeft(phone, "0123456789 +-()") != "" {
		return fieldErr("phone", "must be at most %d digits, spaces or + - ( ), like +31 20 123 4567", maxPhoneLen)
	}
	for _, f := range []struct{ field, v string }{{"job_title", jobTitle}, {"office_location", officeLocation}} {
		if !printableLine(f.v, maxLineLen) {
			return fieldErr(f.field, "must be at most %d printable characters, on one line", maxLineLen)
		}
	}
	return nil
}

// printableLine reports whether s is valid UTF-8 of at most n characters,
// each printable (unicode.IsPrint: letters, marks, digits, punctuation,
// symbols and the ASCII space).
func printableLine(s string, n int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > n {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// ValidateClient checks a client registration for consistency. It does not
// look at the secret.
func ValidateClient(c *Client) error {
	if !clientIDRE.MatchString(c.ID) {
		return fieldErr("id", "must be 1-128 letters, digits or . _ -")
	}
	if strings.TrimSpace(c.Name) == "" {
		return fieldErr("name", "is required")
	}
	switch c.Type {
	case ClientConfidential:
		if c.AuthMethod != AuthSecretBasic && c.AuthMethod != AuthSecretPost && c.AuthMethod != AuthPrivateKeyJWT {
			return fieldErr("auth_method", "a confidential client uses client_secret_basic, client_secret_post or private_key_jwt")
		}
	case ClientPublic:
		if c.AuthMethod != AuthNone {
			return fieldErr("auth_method", "a public client uses none")
		}
		if c.InsecureSkipPKCE {
			return fieldErr("insecure_skip_pkce", "is only allowed for confidential clients")
		}
		if c.HasGrant(GrantClientCredentials) {
			return fieldErr("grant_types", "a public client cannot use client_credentials")
		}
		if c.HasGrant(GrantTokenExchange) {
			return fieldErr("grant_types", "a public client cannot use token exchange")
		}
	default:
		return fieldErr("type", "must be confidential or public")
	}
	if err := validateClientKeys(c); err != nil {
		return err
	}
	if len(c.GrantTypes) == 0 {
		return fieldErr("grant_types", "at least one grant type is required")
	}
	for _, g := range c.GrantTypes {
		switch g {
		case GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials, GrantTokenExchange, GrantDeviceCode:
		default:
			return fieldErr("grant_types", "unsupported grant type %q", g)
		}
	}
	if c.HasGrant(GrantRefreshToken) && !c.SignsPeopleIn() {
		return fieldErr("grant_types", "refresh_token needs authorization_code")
	}
	if c.HasGrant(GrantAuthorizationCode) && len(c.RedirectURIs) == 0 {
		return fieldErr("redirect_uris", "at least one redirect URI is required for authorization_code")
	}
	for _, u := range c.RedirectURIs {
		if err := validateRedirectURI(u); err != nil {
			return fieldErr("redirect_uris", "%q: %v", u, err)
		}
	}
	for _, u := range c.PostLogoutRedirectURIs {
		if err := validateRedirectURI(u); err != nil {
			return fieldErr("post_logout_redirect_uris", "%q: %v", u, err)
		}
	}
	if c.InitiateLoginURI != "" {
		if !c.HasGrant(GrantAuthorizationCode) {
			return fieldErr("initiate_login_uri", "only a client that signs people in (authorization_code) has a login page")
		}
		if err := validateWebURI(c.InitiateLoginURI); err != nil {
			return fieldErr("initiate_login_uri", "%q: %v", c.InitiateLoginURI, err)
		}
	}
	if c.BackchannelLogoutURI != "" {
		if !c.SignsPeopleIn() {
			return fieldErr("backchannel_logout_uri", "only a client that signs people in (authorization_code or the device grant) has sessions to end")
		}
		if err := validateWebURI(c.BackchannelLogoutURI); err != nil {
			return fieldErr("backchannel_logout_uri", "%q: %v", c.BackchannelLogoutURI, err)
		}
	}
	if c.BackchannelLogoutSessionRequired && c.BackchannelLogoutURI == "" {
		return fieldErr("backchannel_logout_session_required", "needs a backchannel_logout_uri")
	}
	if c.ThirdParty && !c.SignsPeopleIn() {
		return fieldErr("third_party", "only a client that signs people in (authorization_code) asks for their consent")
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\"\\") {
			return fieldErr("scopes", "%q is not a valid scope", s)
		}
	}
	for _, s := range c.DefaultScopes {
		if !c.AllowsScope(s) {
			return fieldErr("default_scopes", "%q is not one of the client's scopes", s)
		}
	}
	for _, svc := range c.Services {
		if err := ValidateName("services", svc); err != nil {
			return err
		}
	}
	if err := validateNames(c.GlobalRoles, c.ServiceRoles, nil); err != nil {
		return err
	}
	if (len(c.GlobalRoles) > 0 || len(c.ServiceRoles) > 0) && !c.HasGrant(GrantClientCredentials) {
		field := "global_roles"
		if len(c.GlobalRoles) == 0 {
			field = "service_roles"
		}
		return fieldErr(field, "only a machine client (client_credentials) holds roles; a portal's tokens carry the person's")
	}
	for _, l := range []struct {
		field    string
		d, limit time.Duration // limit 0: none
	}{
		{"access_token_lifetime", c.AccessTokenLifetime, MaxTokenLifetime},
		{"id_token_lifetime", c.IDTokenLifetime, MaxTokenLifetime},
		{"refresh_token_lifetime", c.RefreshTokenLifetime, 0},
	} {
		if l.d < 0 {
			return fieldErr(l.field, "must not be negative (0 is the server's default)")
		}
		if l.limit > 0 && l.d > l.limit {
			return fieldErr(l.field, "is at most %s: access and ID tokens live at most that long (refresh tokens are for longer)", l.limit)
		}
	}
	return nil
}

// validateRedirectURI enforces RFC 6749 §3.1.2: absolute, no fragment. Plain
// http is allowed only for loopback hosts (RFC 8252 §7.3) and private-use
// schemes are allowed for native apps.
func validateRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("must be an absolute URI")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("must not contain a fragment")
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("must name a host")
		}
	case "http":
		h := u.Hostname()
		if h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return fmt.Errorf("plain http is only allowed for localhost, 127.0.0.1 and [::1]")
		}
	default:
		if !strings.Contains(u.Scheme, ".") {
			return fmt.Errorf("a private-use scheme must be a reversed domain name (RFC 8252 §7.1)")
		}
	}
	return nil
}

// validateWebURI checks a URL of a client's that Gatehouse sends a browser
// to or calls itself: its login page (OpenID Connect Core §4,
// initiate_login_uri), its back-channel logout endpoint, where it publishes
// its keys. Only the web schemes of validateRedirectURI are allowed: https,
// or http for loopback hosts (a portal on a developer's machine), never a
// private-use scheme. No fragment, as for redirect URIs: the links
// Gatehouse builds from them drop one. No userinfo, which would put
// credentials in every request sent there.
func validateWebURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("must be an absolute URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("must use https (plain http only for localhost, 127.0.0.1 and [::1])")
	}
	if u.User != nil {
		return fmt.Errorf("must not contain a user name or password")
	}
	return validateRedirectURI(raw)
}
