package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/provider"
)

// config is everything the binary reads from flags and the environment.
// Precedence: a flag given on the command line, then the GATEHOUSE_*
// environment variable, then the default.
type config struct {
	// File is the YAML configuration file (config_file.go), if any.
	File    string
	Addr    string
	Issuer  string
	DataDir string
	KEK     string
	KEKFile string
	// PreviousKEK and PreviousKEKFile hold the key-encryption key being
	// replaced, while the stored secrets move to the new one (gatehouse
	// keys rewrap): it opens what it sealed, and seals nothing.
	PreviousKEK     string
	PreviousKEKFile string
	SigningAlg      string
	// RSABits is the size of new RS256 keys; KeyRotation how long a key
	// signs before the next takes over (0: only on demand).
	RSABits     int
	KeyRotation time.Duration
	LogLevel    string
	Demo        bool
	// DatabaseURL selects PostgreSQL instead of the embedded SQLite;
	// RedisURL selects Redis instead of process memory for ephemeral
	// state. Several nodes need both.
	DatabaseURL string
	RedisURL    string
	RedisPrefix string
	// ConnectTimeout bounds how long start-up waits for PostgreSQL and
	// Redis to answer before giving up.
	ConnectTimeout time.Duration
	// SupportSessionLifetime is the longest a support session ("jill$john")
	// and the tokens issued in it or by token exchange live.
	SupportSessionLifetime time.Duration
	// DeviceCodeLifetime is how long a device (RFC 8628) has for its
	// person to enter the code and sign in.
	DeviceCodeLifetime time.Duration
	// UserRetention is how long a deleted user stays restorable before
	// the purge job removes it for good.
	UserRetention time.Duration
	// Mail is how mail is sent and how long its links work (mail.go).
	Mail mailConfig
	// ShutdownDelay is how long a node keeps serving, with /readyz at
	// 503, after SIGTERM, so that the load balancer stops sending it
	// requests; ShutdownTimeout bounds the requests in progress after it.
	ShutdownDelay, ShutdownTimeout time.Duration
	// Metrics serves Prometheus metrics at /metrics: on MetricsAddr, a
	// listener of their own, if set, else on Addr with everything else.
	Metrics     bool
	MetricsAddr string
	// PprofAddr serves Go's profiler on a loopback listener of its own
	// (pprof.go); empty: not at all.
	PprofAddr string
	// Tracing is "off" or "otlp" (tracing.go).
	Tracing string
	// Password is the argon2id cost of new password hashes, and how many
	// hashes a node computes at once (password_config.go).
	Password passwordConfig
}

// bindFlags registers the serve flags on fs, with defaults from the
// environment: the storage flags every command shares, and those only a
// server has.
func (c *config) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", env("GATEHOUSE_ADDR", "localhost:8080"), "address to listen on (GATEHOUSE_ADDR)")
	fs.StringVar(&c.Issuer, "issuer", env("GATEHOUSE_ISSUER", ""), "issuer URL, e.g. https://id.example.com (GATEHOUSE_ISSUER); defaults to http://<addr> with --demo")
	c.bindStorageFlags(fs)
	fs.StringVar(&c.SigningAlg, "signing-alg", env("GATEHOUSE_SIGNING_ALG", "RS256"), "token signing algorithm: RS256, ES256 or EdDSA; a change rotates to a key of the new one (GATEHOUSE_SIGNING_ALG)")
	fs.IntVar(&c.RSABits, "rsa-bits", envInt("GATEHOUSE_RSA_BITS", 2048), "size of new RS256 keys: 2048 or 3072 (GATEHOUSE_RSA_BITS)")
	fs.DurationVar(&c.KeyRotation, "key-rotation", envDuration("GATEHOUSE_KEY_ROTATION", keys.DefaultRotateEvery),
		"how long a signing key signs before the next takes over; 0: only gatehouse keys rotate (GATEHOUSE_KEY_ROTATION)")
	fs.StringVar(&c.LogLevel, "log-level", env("GATEHOUSE_LOG_LEVEL", "info"), "debug, info, warn or error: JSON lines on stderr (text with --demo), a request's lines with its request_id (GATEHOUSE_LOG_LEVEL)")
	fs.BoolVar(&c.Demo, "demo", env("GATEHOUSE_DEMO", "") == "true", "load the demo directory and serve the demo portal; allows laptop-only settings (GATEHOUSE_DEMO=true)")
	fs.DurationVar(&c.SupportSessionLifetime, "support-session-lifetime", envDuration("GATEHOUSE_SUPPORT_SESSION_LIFETIME", time.Hour),
		"longest life of a support session (jill$john) and of its tokens; refresh never extends it (GATEHOUSE_SUPPORT_SESSION_LIFETIME)")
	fs.DurationVar(&c.DeviceCodeLifetime, "device-code-lifetime", envDuration("GATEHOUSE_DEVICE_CODE_LIFETIME", defaultDeviceCodeLifetime),
		"how long a device's code (RFC 8628 device authorization grant) waits for its person to sign in (GATEHOUSE_DEVICE_CODE_LIFETIME)")
	fs.DurationVar(&c.UserRetention, "user-retention", envDuration("GATEHOUSE_USER_RETENTION", directory.DefaultUserRetention),
		"how long a deleted user can be restored before it is purged for good (GATEHOUSE_USER_RETENTION)")
	c.Mail.bindFlags(fs)
	c.bindTracingFlag(fs)
	c.Password.bindFlags(fs)
	fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", envDuration("GATEHOUSE_SHUTDOWN_DELAY", defaultShutdownDelay),
		"after SIGTERM, how long to keep serving with /readyz at 503 so the load balancer stops sending requests (GATEHOUSE_SHUTDOWN_DELAY)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", envDuration("GATEHOUSE_SHUTDOWN_TIMEOUT", defaultShutdownTimeout),
		"then, how long requests in progress may take to finish (GATEHOUSE_SHUTDOWN_TIMEOUT)")
	fs.BoolVar(&c.Metrics, "metrics", env("GATEHOUSE_METRICS", "true") != "false",
		"serve Prometheus metrics at /metrics; --metrics=false or GATEHOUSE_METRICS=false: not at all")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("GATEHOUSE_METRICS_ADDR", ""),
		"serve /metrics on this address of its own (an admin port) instead of --addr (GATEHOUSE_METRICS_ADDR)")
	c.bindPprofFlag(fs)
}

// The shutdown defaults: five seconds is a few of a balancer's health
// checks; fifteen more finish any request (their own timeout is 30s for
// writing, but a token request takes milliseconds).
const (
	defaultShutdownDelay   = 5 * time.Second
	defaultShutdownTimeout = 15 * time.Second
)

// defaultDeviceCodeLifetime is RFC 8628 §3.2's example, ten minutes:
// long enough to find a browser and sign in with TOTP, short enough that
// an abandoned code is soon worthless.
const defaultDeviceCodeLifetime = 10 * time.Minute

// bindStorageFlags registers what reaches the stores and unseals their
// secrets: all the one-shot commands (import, migrate, mfa) take.
func (c *config) bindStorageFlags(fs *flag.FlagSet) {
	c.bindConfigFlag(fs)
	fs.StringVar(&c.DataDir, "data-dir", env("GATEHOUSE_DATA_DIR", "data"), "folder of the embedded SQLite database (GATEHOUSE_DATA_DIR)")
	fs.StringVar(&c.KEK, "kek", "", "key-encryption key, 32 bytes base64 (prefer GATEHOUSE_KEK or --kek-file: flags show in ps)")
	fs.StringVar(&c.KEKFile, "kek-file", env("GATEHOUSE_KEK_FILE", ""), "file holding the key-encryption key (GATEHOUSE_KEK_FILE)")
	fs.StringVar(&c.PreviousKEK, "previous-kek", "", "the key-encryption key being replaced, until gatehouse keys rewrap has run (prefer GATEHOUSE_PREVIOUS_KEK or --previous-kek-file)")
	fs.StringVar(&c.PreviousKEKFile, "previous-kek-file", env("GATEHOUSE_PREVIOUS_KEK_FILE", ""), "file holding the key-encryption key being replaced (GATEHOUSE_PREVIOUS_KEK_FILE)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL, postgres://user:pass@host:5432/db?sslmode=verify-full (prefer GATEHOUSE_DATABASE_URL: flags show in ps); empty: embedded SQLite in --data-dir")
	fs.StringVar(&c.RedisURL, "redis-url", "", "Redis URL, redis://, rediss:// (TLS), Sentinel or Cluster (prefer GATEHOUSE_REDIS_URL); empty: process memory (one node only)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", env("GATEHOUSE_REDIS_PREFIX", "gatehouse:"), "prefix of every Redis key, so installations can share a Redis (GATEHOUSE_REDIS_PREFIX)")
	fs.DurationVar(&c.ConnectTimeout, "connect-timeout", envDuration("GATEHOUSE_CONNECT_TIMEOUT", time.Minute), "how long start-up retries PostgreSQL and Redis before giving up (GATEHOUSE_CONNECT_TIMEOUT)")
}

// envInt reads a number from the environment; a value that does not parse
// is left for resolve to refuse, as -1.
func envInt(name string, def int) int {
	v, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// envDuration reads a duration from the environment; a value that does not
// parse is left for resolve to refuse by name, as a negative duration.
func envDuration(name string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return -1
	}
	return d
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// resolve fills derived settings and refuses settings that only make sense
// on a laptop unless this is a demo. Every refusal names the setting to fix.
func (c *config) resolve() error {
	if c.Issuer == "" {
		if !c.Demo {
			return errors.New("set the issuer: --issuer or GATEHOUSE_ISSUER (e.g. https://id.example.com)")
		}
		c.Issuer = "http://" + c.Addr
	}
	c.Issuer = strings.TrimSuffix(c.Issuer, "/")
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("issuer %q: must be an absolute URL without query or fragment", c.Issuer)
	}
	switch u.Scheme {
	case "https":
	case "http":
		// Also in demo mode: clients may only register http redirect URIs
		// on loopback addresses, so the demo portals could not exist.
		if !isLoopback(u.Hostname()) {
			return fmt.Errorf("issuer %q: plain http is only allowed for localhost; use https (GATEHOUSE_ISSUER)", c.Issuer)
		}
	default:
		return fmt.Errorf("issuer %q: scheme must be https", c.Issuer)
	}
	if err := c.resolveBackends(); err != nil {
		return err
	}
	if c.SupportSessionLifetime == 0 { // unset, as for the connect timeout
		c.SupportSessionLifetime = time.Hour
	}
	if c.SupportSessionLifetime < time.Minute || c.SupportSessionLifetime > 12*time.Hour {
		return errors.New("GATEHOUSE_SUPPORT_SESSION_LIFETIME / --support-session-lifetime must be a duration between 1m and 12h, such as 1h")
	}
	if c.DeviceCodeLifetime == 0 {
		c.DeviceCodeLifetime = defaultDeviceCodeLifetime
	}
	if c.DeviceCodeLifetime < time.Minute || c.DeviceCodeLifetime > time.Hour {
		return errors.New("GATEHOUSE_DEVICE_CODE_LIFETIME / --device-code-lifetime must be a duration between 1m and 1h, such as 10m")
	}
	if c.UserRetention == 0 {
		c.UserRetention = directory.DefaultUserRetention
	}
	if c.UserRetention < time.Hour || c.UserRetention > 365*24*time.Hour {
		return errors.New("GATEHOUSE_USER_RETENTION / --user-retention must be a duration between 1h and 8760h (a year), such as 240h")
	}
	if err := c.Mail.resolve(); err != nil {
		return err
	}
	if err := c.resolveTracing(); err != nil {
		return err
	}
	if c.ShutdownTimeout == 0 { // unset: tests build configs by hand
		c.ShutdownTimeout = defaultShutdownTimeout
	}
	if c.ShutdownDelay < 0 || c.ShutdownDelay > 5*time.Minute || c.ShutdownTimeout < time.Second || c.ShutdownTimeout > 10*time.Minute {
		return errors.New("GATEHOUSE_SHUTDOWN_DELAY / --shutdown-delay must be between 0s and 5m, and GATEHOUSE_SHUTDOWN_TIMEOUT / --shutdown-timeout between 1s and 10m")
	}
	if err := c.resolveMetrics(); err != nil {
		return err
	}
	if err := c.resolvePprof(); err != nil {
		return err
	}
	if err := c.resolveSigning(); err != nil {
		return err
	}
	if err := c.Password.resolve(c.Demo); err != nil {
		return err
	}
	return c.resolveKEK()
}

// resolveStorage resolves the storage settings (bindStorageFlags): the
// database and Redis, and the key-encryption key. The one-shot commands
// that open the directory take these only.
func (c *config) resolveStorage() error {
	if err := c.resolveBackends(); err != nil {
		return err
	}
	return c.resolveKEK()
}

// resolveBackends takes the database and Redis URLs from the environment
// when no flag gave them (they hold passwords, so the environment is where
// they belong), and checks the connect timeout.
func (c *config) resolveBackends() error {
	if c.DatabaseURL == "" {
		c.DatabaseURL = os.Getenv("GATEHOUSE_DATABASE_URL")
	}
	if c.RedisURL == "" {
		c.RedisURL = os.Getenv("GATEHOUSE_REDIS_URL")
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = time.Minute
	}
	if c.ConnectTimeout < 0 {
		return errors.New("GATEHOUSE_CONNECT_TIMEOUT / --connect-timeout must be a positive duration such as 60s")
	}
	return nil
}

// resolveMetrics checks where metrics are served.
func (c *config) resolveMetrics() error {
	if c.MetricsAddr == "" {
		return nil
	}
	if !c.Metrics {
		return errors.New("GATEHOUSE_METRICS_ADDR / --metrics-addr is set but metrics are off (GATEHOUSE_METRICS / --metrics=false)")
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		return fmt.Errorf("GATEHOUSE_METRICS_ADDR / --metrics-addr %q: want host:port, such as 127.0.0.1:9090", c.MetricsAddr)
	}
	if c.MetricsAddr == c.Addr {
		return errors.New("GATEHOUSE_METRICS_ADDR / --metrics-addr is --addr: leave it empty to serve /metrics on the main port")
	}
	return nil
}

// resolveSigning checks the signing settings, naming the setting at fault.
func (c *config) resolveSigning() error {
	if c.SigningAlg == "" {
		c.SigningAlg = "RS256"
	}
	if !slices.Contains(keys.Algorithms, jose.SignatureAlgorithm(c.SigningAlg)) {
		return fmt.Errorf("GATEHOUSE_SIGNING_ALG / --signing-alg %q: use RS256, ES256 or EdDSA", c.SigningAlg)
	}
	if c.RSABits == 0 {
		c.RSABits = 2048
	}
	if c.RSABits != 2048 && c.RSABits != 3072 {
		return errors.New("GATEHOUSE_RSA_BITS / --rsa-bits must be 2048 or 3072")
	}
	if c.KeyRotation < 0 {
		return errors.New("GATEHOUSE_KEY_ROTATION / --key-rotation must be a duration such as 2160h (90 days), or 0 for rotation on demand only")
	}
	if c.KeyRotation > 0 && c.KeyRotation < minKeyRotation {
		return fmt.Errorf("GATEHOUSE_KEY_ROTATION / --key-rotation %s is too short: a new key is published ahead of signing, so rotate every %s or more, or 0 for rotation on demand only", c.KeyRotation, minKeyRotation)
	}
	return nil
}

// minKeyRotation is the shortest rotation period package keys accepts:
// twice the time from scheduling a key to its signing.
var minKeyRotation = keys.MinRotateEvery(keyReloadEvery, provider.JWKSMaxAge)

// rotateEvery is the keys package's RotateEvery for the configured
// rotation: zero there means its default, so "never" is negative.
func (c *config) rotateEvery() time.Duration {
	if c.KeyRotation == 0 {
		return -1
	}
	return c.KeyRotation
}

// resolveKEK takes the key-encryption key from GATEHOUSE_KEK when no flag
// gave one, and refuses to go on without a key outside demo mode (where a
// key is generated in the data folder).
func (c *config) resolveKEK() error {
	if c.KEK == "" {
		c.KEK = os.Getenv("GATEHOUSE_KEK")
	}
	if c.PreviousKEK == "" {
		c.PreviousKEK = os.Getenv("GATEHOUSE_PREVIOUS_KEK")
	}
	if c.KEK == "" && c.KEKFile == "" && !c.Demo {
		return errors.New("set a key-encryption key: GATEHOUSE_KEK or GATEHOUSE_KEK_FILE (32 random bytes, base64: openssl rand -base64 32); it seals signing keys and secrets at rest")
	}
	return nil
}

// insecureHTTP reports whether the issuer is plain http (local development),
// where cookies cannot be Secure.
func (c *config) insecureHTTP() bool { return strings.HasPrefix(c.Issuer, "http://") }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *config) databasePath() string { return filepath.Join(c.DataDir, "gatehouse.db") }
