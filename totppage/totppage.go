// Package totppage is what the login pages and the account page share
// about showing TOTP to a person: drawing a new authenticator secret for an
// enrolment page (Draw), and the answer to a refused code (CodeProblem), so
// that both say the same thing in the same way.
package totppage

import (
	"bytes"
	"context"
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
