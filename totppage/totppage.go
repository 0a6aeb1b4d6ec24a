// Package totppage is what the login pages and the account page share
// about showing TOTP to a person: a new authenticator secret kept sealed
// between an enrolment page and its first code (NewEnrolment), drawn for
// the page (Draw, DrawSealed), and the answer to a refused code
// (CodeProblem), so that both say the same thing in the same way.
package totppage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// QRSize is the side of the QR code in pixels; the "enrol_steps" partial
// (templates/html/partials.html) gives the image the same width and height.
const QRSize = 220

// Setup is a new secret as an enrolment page shows it. It holds the secret,
// so it logs as "[redacted]".
type Setup struct {
	// Account is how the app labels the entry (username@tenant).
	Account string
	// QR is a data: URL of a PNG QR code of the otpauth:// URL: an image in
	// the page itself, so that no external service sees the secret and no
	// script is needed.
	QR template.URL
	// Key is the secret in groups of four, for typing into an app.
	Key string
}

// String keeps the secret out of formatted errors and debug prints.
func (Setup) String() string { return "totppage.Setup{[redacted]}" }

// GoString keeps the secret out of %#v.
func (s Setup) GoString() string { return s.String() }

// Draw draws the base32 secret for account (username@tenant).
func Draw(account, secret string) (Setup, error) {
	key, err := otp.NewKeyFromURL(URL(account, secret))
	if err != nil {
		return Setup{}, fmt.Errorf("TOTP enrolment URL: %w", err)
	}
	img, err := key.Image(QRSize, QRSize)
	if err != nil {
		return Setup{}, fmt.Errorf("TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Setup{}, fmt.Errorf("TOTP QR code: %w", err)
	}
	return Setup{
		Account: account,
		QR:      template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Key:     groupSecret(key.Secret()),
	}, nil
}

// Enrolments is what NewEnrolment and DrawSealed need of package mfa;
// *mfa.Service implements it.
type Enrolments interface {
	NewEnrolment(sub mfa.Subject) (mfa.Enrolment, error)
	SealSecret(sub mfa.Subject, secret string) ([]byte, error)
	OpenSecret(sub mfa.Subject, sealed []byte) (string, error)
}

// NewEnrolment makes a new authenticator secret for sub, sealed for sub
// (so that it opens for no one else) to be kept until its first code, and
// a random id for the enrolment form to carry, so that a form from an
// earlier secret is told apart.
func NewEnrolment(m Enrolments, sub mfa.Subject) (sealed []byte, id string, err error) {
	e, err := m.NewEnrolment(sub)
	if err != nil {
		return nil, "", fmt.Errorf("new TOTP enrolment: %w", err)
	}
	if sealed, err = m.SealSecret(sub, e.Secret); err != nil {
		return nil, "", fmt.Errorf("seal TOTP enrolment: %w", err)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return sealed, base64.RawURLEncoding.EncodeToString(b), nil
}

// DrawSealed opens a secret NewEnrolment sealed for sub and draws it for
// sub's account (username@tenant), as package mfa labels it.
func DrawSealed(m Enrolments, sub mfa.Subject, sealed []byte) (Setup, error) {
	secret, err := m.OpenSecret(sub, sealed)
	if err != nil {
		return Setup{}, fmt.Errorf("open TOTP enrolment: %w", err)
	}
	return Draw(sub.Username+"@"+sub.TenantSlug, secret)
}

// URL is what the QR code says: the key-uri format that Google
// Authenticator defined and every authenticator app reads (SHA-1, 6
// digits, 30 s, as package mfa verifies).
func URL(account, secret string) string {
	issuer := templates.ProductName
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: q.Encode()}
	return u.String()
}

// groupSecret writes a base32 secret in groups of four, as people type it.
func groupSecret(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Refusal is a code a page did not take, as the page answers it: the
// status, the message and how long to wait.
type Refusal struct {
	Status int
	Msg    templates.Message
	Wait   time.Duration
}

// CodeError is r as the page shows it at its form; none for nil.
func (r *Refusal) CodeError() templates.CodeError {
	if r == nil {
		return templates.CodeError{}
	}
	return templates.CodeError{Error: r.Msg, WaitSeconds: WaitSeconds(r.Wait), LockMinutes: LockMinutes(r.Wait)}
}

// TryCode gives a code typed into a page to try, the package mfa call that
// checks it (and spends it if right), unless the client's address has
// spent its budget on lim first (wrong passwords and codes, shared by the
// login and account pages). A refused code is counted against the
// address when it was wrong (CountWrongCode) and comes back as a Refusal,
// with Retry-After set on w where there is a wait. Any other error of try,
// or of lim, is returned for the caller to answer.
func TryCode(ctx context.Context, w http.ResponseWriter, r *http.Request, lim *throttle.Limiter, try func() error) (*Refusal, error) {
	wait, err := lim.Blocked(ctx, throttle.ClientAddress(r))
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		RetryAfter(w, wait)
		return &Refusal{Status: http.StatusTooManyRequests, Msg: templates.MsgCodeWait, Wait: wait}, nil
	}
	err = try()
	status, msg, wait, ok := CodeProblem(w, err)
	if !ok {
		return nil, err
	}
	if err := CountWrongCode(ctx, lim, r, err); err != nil {
		return nil, err
	}
	return &Refusal{Status: status, Msg: msg, Wait: wait}, nil
}

// CodeProblem maps a refused code to the page's answer: the status, the
// message and how long to wait (with Retry-After set on w). ok is false
// for success and for errors that are not about the code.
//
// Input that is not a code at all is MsgCodeMalformed and was not counted
// by package mfa; a wrong, expired, future or used code is MsgCodeWrong and
// was; a code that came too soon or while locked was not checked.
func CodeProblem(w http.ResponseWriter, err error) (status int, msg templates.Message, wait time.Duration, ok bool) {
	var we *mfa.WaitError
	switch {
	case err == nil:
		return 0, "", 0, false
	case errors.Is(err, mfa.ErrMalformed):
		return http.StatusBadRequest, templates.MsgCodeMalformed, 0, true
	case errors.Is(err, mfa.ErrInvalidCode), errors.Is(err, mfa.ErrReplayed):
		return http.StatusUnauthorized, templates.MsgCodeWrong, 0, true
	case errors.As(err, &we):
		RetryAfter(w, we.Wait)
		if we.Locked {
			return http.StatusTooManyRequests, templates.MsgTOTPLocked, we.Wait, true
		}
		return http.StatusTooManyRequests, templates.MsgCodeWait, we.Wait, true
	}
	return 0, "", 0, false
}

// WaitSeconds rounds a wait up to whole seconds, for "wait N seconds".
func WaitSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// LockMinutes rounds a lock up to whole minutes, at least one, for "locked
// for N minutes".
func LockMinutes(d time.Duration) int { return max(1, int((d+time.Minute-1)/time.Minute)) }

// RetryAfter tells the client how long to wait (RFC 9110 §10.2.3), in
// whole seconds rounded up.
func RetryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(WaitSeconds(wait)))
}

// CountWrongCode counts a wrong or reused code against the client's
// address on lim, as a wrong password is counted: package mfa throttles
// per user, and the address limit stops one address from trying codes
// across many accounts. Malformed input and waits are not counted.
func CountWrongCode(ctx context.Context, lim *throttle.Limiter, r *http.Request, err error) error {
	if !errors.Is(err, mfa.ErrInvalidCode) && !errors.Is(err, mfa.ErrReplayed) {
		return nil
	}
	_, ferr := lim.Failure(ctx, throttle.ClientAddress(r))
	return ferr
}
