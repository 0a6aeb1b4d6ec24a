package provider

import (
	"log/slog"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Config holds the provider's settings. Zero durations take the defaults
// written next to them.
type Config struct {
	// Issuer is the issuer identifier, e.g. https://id.example.com: scheme,
	// host and optional path, no trailing slash.
	Issuer string
	// AllowInsecureIssuer permits an http:// issuer (local development only).
	AllowInsecureIssuer bool
	// LoginURL is the absolute or issuer-relative path of the login page;
	// "/login" if empty.
	LoginPath string
	// LoggedOutPath is where a logout without post_logout_redirect_uri ends;
	// "/logged-out" if empty.
	LoggedOutPath string
	// LogoutConfirmPath is the page that asks the person to confirm a
	// logout requested without an id_token_hint (logout_confirm.go);
	// "/logout" if empty.
	LogoutConfirmPath string

	AccessTokenLifetime  time.Duration // 10 minutes
	IDTokenLifetime      time.Duration // 1 hour
	RefreshTokenLifetime time.Duration // 30 days since the token was issued
	CodeLifetime         time.Duration // 1 minute
	AuthRequestLifetime  time.Duration // 30 minutes to finish logging in
	// DeviceCodeLifetime is how long a device code and its user code
	// stay valid (RFC 8628 expires_in; 10 minutes), and DevicePollInterval
	// how long a device waits between polls (interval; 5 seconds).
	DeviceCodeLifetime time.Duration
	DevicePollInterval time.Duration
	// DevicePath is the page where a person enters a device's user code
	// (verification_uri); "/device" if empty.
	DevicePath string
	// SupportLifetime is how long support access lasts from the support
	// user's sign-in (1 hour): no token of a support session or of a
	// token exchange outlives it. It must be the session store's
	// SupportLifetime, which ends the support session itself then.
	SupportLifetime time.Duration

	// CodeKey encrypts authorization codes (AES-256); shared by all nodes.
	CodeKey [32]byte

	Logger *slog.Logger
	Now    func() time.Time
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.AccessTokenLifetime, 10*time.Minute)
	def(&c.IDTokenLifetime, time.Hour)
	def(&c.RefreshTokenLifetime, 30*24*time.Hour)
	def(&c.CodeLifetime, time.Minute)
	def(&c.AuthRequestLifetime, 30*time.Minute)
	def(&c.SupportLifetime, time.Hour)
	def(&c.DeviceCodeLifetime, 10*time.Minute)
	def(&c.DevicePollInterval, 5*time.Second)
	if c.DevicePath == "" {
		c.DevicePath = "/device"
	}
	if c.LoginPath == "" {
		c.LoginPath = "/login"
	}
	if c.LoggedOutPath == "" {
		c.LoggedOutPath = "/logged-out"
	}
	if c.LogoutConfirmPath == "" {
		c.LogoutConfirmPath = "/logout"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// verifierAlgorithms are the algorithms the library's own verifiers (for
// id_token_hint at end_session and authorize) accept: every one Gatehouse can
// sign with.
var verifierAlgorithms = []string{string(jose.RS256), string(jose.ES256), string(jose.EdDSA)}
