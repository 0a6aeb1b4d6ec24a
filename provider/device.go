package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/session"
)

// The device authorization grant (RFC 8628) keeps its state in the
// ephemeral store, shared by every node:
//
//	device:<sha256(device_code)>       the grant (deviceGrant), for its
//	                                   lifetime and as long again, so that a
//	                                   late poll hears expired_token
//	device-user:<user code>            the device key, while the code can be typed
//	device-decided:<key>               set once (SetNX) by the approval or the
//	                                   denial: of two people entering one code,
//	                                   one decides
//	device-poll:<key>                  set (SetNX) by each poll for the interval:
//	                                   a poll that finds it gets slow_down
//	device-slow:<key>                  how many slow_downs: each adds 5 s
//	session-ended:<sid>                set by a logout (TerminateSessionFromRequest)
//	                                   for a device code's lifetime: a device
//	                                   that session approved gets no tokens
//
// The device code is only ever stored hashed. It is redeemed by taking
// the grant (ephemeral.Store.Take): of two nodes racing, one issues.

// userCodeAlphabet is RFC 8628 §6.1's example: twenty consonants, no
// vowels (no words) and nothing easily mistaken for another character.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// userCodeLength is eight characters, shown as XXXX-XXXX: 20^8, about 34.6
// bits, which the /device page's per-address throttle makes unguessable
// within a code's lifetime.
const userCodeLength = 8

// slowDownStep is what RFC 8628 §3.5 adds to the interval at each
// slow_down: "the interval MUST be increased by 5 seconds for this and
// all subsequent requests".
const slowDownStep = 5 * time.Second

// pollTolerance is how much earlier than the interval a poll may come
// without slow_down: a client that waits exactly the interval between its
// requests sees network jitter shorten one gap now and then.
const pollTolerance = time.Second

// ErrDeviceCodeNotFound is the answer to a user code that is unknown,
// expired or already answered.
var ErrDeviceCodeNotFound = errors.New("device code unknown, expired or already used")

// deviceGrant is one device authorization between the device's request
// and the tokens.
type deviceGrant struct {
	ClientID  string    `json:"client_id"`
	Scopes    []string  `json:"scopes"`
	UserCode  string    `json:"user_code"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Interval is the poll interval the device was told, in seconds.
	Interval int `json:"interval"`

	// Set once by the person's answer (approveDevice, denyDevice).
	Approved bool `json:"approved,omitempty"`
	Denied   bool `json:"denied,omitempty"`
	// The login that approved it: what the tokens say, as a code
	// exchange's authorization request would.
	signedIn
}

// deviceKey is the store's name for a device code: its SHA-256.
func deviceKey(deviceCode string) string {
	h := sha256.Sum256([]byte(deviceCode))
	return hex.EncodeToString(h[:])
}

func deviceGrantKey(key string) string   { return "device:" + key }
func deviceUserKey(code string) string   { return "device-user:" + code }
func deviceDecidedKey(key string) string { return "device-decided:" + key }
func devicePollKey(key string) string    { return "device-poll:" + key }
func deviceSlowKey(key string) string    { return "device-slow:" + key }

// newDeviceCode is 32 random bytes, base64url: what the device keeps
// secret and polls with.
func newDeviceCode() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newUserCode is userCodeLength characters of userCodeAlphabet, uniformly.
func newUserCode() string {
	n := big.NewInt(int64(len(userCodeAlphabet)))
	b := make([]byte, userCodeLength)
	for i := range b {
		v, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		b[i] = userCodeAlphabet[v.Int64()]
	}
	return string(b)
}

// NormalizeUserCode is a typed user code as it is stored: upper case, no
// dashes or spaces; "" if it cannot be one (wrong length, or a character
// outside the alphabet), so that a typo costs no store lookup.
func NormalizeUserCode(typed string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r < 128 && strings.IndexByte(userCodeAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return ""
		}
		if b.Len() > userCodeLength {
			return ""
		}
	}
	if b.Len() != userCodeLength {
		return ""
	}
	return b.String()
}

// FormatUserCode shows a normalized user code as people read it:
// XXXX-XXXX.
func FormatUserCode(code string) string {
	if len(code) != userCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// devices keeps device grants in the ephemeral store.
type devices struct {
	kv  ephemeral.Store
	now func() time.Time
}

// keep is how long a grant stays stored: its lifetime, and as long again
// to answer expired_token.
func (g *deviceGrant) keep(now time.Time) time.Duration {
	return g.ExpiresAt.Sub(now) + g.ExpiresAt.Sub(g.CreatedAt)
}

// create stores g under a new device code and a new user code, which it
// returns. A user code already in use is drawn again.
func (d *devices) create(ctx context.Context, g *deviceGrant) (deviceCode string, err error) {
	deviceCode = newDeviceCode()
	key := deviceKey(deviceCode)
	now := d.now()
	for range 5 {
		g.UserCode = newUserCode()
		ok, err := d.kv.SetNX(ctx, deviceUserKey(g.UserCode), []byte(key), g.ExpiresAt.Sub(now))
		if err != nil {
			return "", fmt.Errorf("store user code: %w", err)
		}
		if ok {
			if err := d.save(ctx, key, g); err != nil {
				return "", err
			}
			return deviceCode, nil
		}
	}
	return "", errors.New("no free user code after five draws")
}

func (d *devices) save(ctx context.Context, key string, g *deviceGrant) error {
	b, err := json.Marshal(g)
	if err != nil {
		return err
	}
	ttl := g.keep(d.now())
	if ttl <= 0 {
		return ErrDeviceCodeNotFound
	}
	if err := d.kv.Set(ctx, deviceGrantKey(key), b, ttl); err != nil {
		return fmt.Errorf("store device grant: %w", err)
	}
	return nil
}

func decodeDeviceGrant(b []byte) (*deviceGrant, error) {
	var g deviceGrant
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("decode device grant: %w", err)
	}
	return &g, nil
}

// get returns the grant under key, or ephemeral.ErrNotFound.
func (d *devices) get(ctx context.Context, key string) (*deviceGrant, error) {
	b, err := d.kv.Get(ctx, deviceGrantKey(key))
	if err != nil {
		return nil, err
	}
	return decodeDeviceGrant(b)
}

// take removes the grant under key and returns it: once, across nodes.
func (d *devices) take(ctx context.Context, key string) (*deviceGrant, error) {
	b, err := d.kv.Take(ctx, deviceGrantKey(key))
	if err != nil {
		return nil, err
	}
	return decodeDeviceGrant(b)
}

// byUserCode returns the pending grant a person typed the user code of
// (normalized), and its key; ErrDeviceCodeNotFound if there is none that
// still waits for an answer.
func (d *devices) byUserCode(ctx context.Context, code string) (string, *deviceGrant, error) {
	if code == "" {
		return "", nil, ErrDeviceCodeNotFound
	}
	b, err := d.kv.Get(ctx, deviceUserKey(code))
	if errors.Is(err, ephemeral.ErrNotFound) {
		return "", nil, ErrDeviceCodeNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("look up user code: %w", err)
	}
	key := string(b)
	g, err := d.get(ctx, key)
	if errors.Is(err, ephemeral.ErrNotFound) {
		return "", nil, ErrDeviceCodeNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("load device grant: %w", err)
	}
	if g.Approved || g.Denied || !d.now().Before(g.ExpiresAt) {
		return "", nil, ErrDeviceCodeNotFound
	}
	return key, g, nil
}

// decide records the person's answer to the grant under key, once: the
// first answer wins, and a later one (another person who typed the same
// code) gets ErrDeviceCodeNotFound. approve, if not nil, fills in the
// approval; nil denies. record, if not nil, is told of the answer before
// it is stored (the audit): if it fails, nothing is answered, and the
// answer may be given again.
func (d *devices) decide(ctx context.Context, key string, approve func(*deviceGrant), record func(*deviceGrant) error) (*deviceGrant, error) {
	g, err := d.get(ctx, key)
	if errors.Is(err, ephemeral.ErrNotFound) {
		return nil, ErrDeviceCodeNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load device grant: %w", err)
	}
	now := d.now()
	if !now.Before(g.ExpiresAt) {
		return nil, ErrDeviceCodeNotFound
	}
	first, err := d.kv.SetNX(ctx, deviceDecidedKey(key), []byte("1"), g.keep(now))
	if err != nil {
		return nil, fmt.Errorf("decide device grant: %w", err)
	}
	if !first {
		return nil, ErrDeviceCodeNotFound
	}
	if approve != nil {
		g.Approved = true
		approve(g)
	} else {
		g.Denied = true
	}
	if record != nil {
		if err := record(g); err != nil {
			if derr := d.kv.Delete(ctx, deviceDecidedKey(key)); derr != nil {
				err = errors.Join(err, derr)
			}
			return nil, err
		}
	}
	if err := d.save(ctx, key, g); err != nil {
		if derr := d.kv.Delete(ctx, deviceDecidedKey(key)); derr != nil {
			err = errors.Join(err, derr)
		}
		return nil, err
	}
	// The code has been answered; nobody can type it again.
	if err := d.kv.Delete(ctx, deviceUserKey(g.UserCode)); err != nil {
		return nil, fmt.Errorf("forget user code: %w", err)
	}
	return g, nil
}

// approvedBy fills in g from the session that approved it.
func (g *deviceGrant) approvedBy(a *authRequest) { g.signedIn = a.signedIn }

// deviceLoginFor is the authorization request a device's login runs on:
// the login pages work on it as on a browser's, and the callback
// (finishDevice) answers the device grant instead of a redirect URI.
func deviceLoginFor(key string, g *deviceGrant, now time.Time) *authRequest {
	return &authRequest{
		ID: newRequestID(), CreatedAt: now.UTC(), ClientID: g.ClientID, Scopes: g.Scopes,
		ResponseType: "code", DeviceKey: key,
	}
}

// sessionOwns reports whether sess is the one that completed (or denied)
// request a.
func sessionOwns(a *authRequest, sess session.Session) bool {
	if a.Completed {
		return sess.ID == a.SessionID
	}
	return a.Denied && sess.ID == a.ConsentSessionID
}
