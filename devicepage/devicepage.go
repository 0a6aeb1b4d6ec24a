// Package devicepage is the person's side of the OAuth 2.0 device
// authorization grant (RFC 8628): the page at the verification URI where
// a person types the code a device (a gateway, a field tool, a CLI)
// shows, and approves the device by signing in.
//
// The flow:
//
//  1. GET /device shows a form for the code; GET /device?user_code=…
//     (the device's verification_uri_complete) pre-fills it.
//  2. POST /device checks the form (size, CSRF), the per-address
//     throttle (a blocked address gets no answer about its code), then
//     the code: typed in any case, dashes and spaces ignored. An unknown,
//     expired or already answered code counts as a failure against the
//     address: codes are about 35 bits, and the throttle keeps guessing
//     far from finding one within its ten minutes.
//  3. A code that waits for an answer shows which application asks, the
//     code the device should show, what the application may do, and a
//     warning: only continue if the device in front of you started it
//     (RFC 8628 §5.4, remote phishing). This step is never skipped, also
//     not for a code that came pre-filled from a link.
//  4. POST /device/confirm: "deny" answers the device access_denied;
//     "allow" starts the ordinary login (package login: tenant, password,
//     TOTP, support logins, consent for third-party applications) on an
//     authorization request bound to the device's grant and to this
//     browser (its CSRF cookie), and sends the browser to it. The provider
//     finishes it at its callback, in this browser only (a login link
//     passed on to someone else approves nothing), approving
//     the grant for the person who signed in (audited as device.approved,
//     or device.denied after a denied consent) and sending the browser to
//  5. GET /device/done?result=approved|denied|failed: "you may return to
//     your device", "denied", or "start again on your device";
//     result=unavailable (the answer could not be recorded) is the
//     "briefly unavailable, try again" error page.
//
// Every form carries a CSRF token (package formcsrf, bound to the
// browser's gatehouse_csrf cookie) and the pages sit behind
// CrossOriginProtection (templates.Pages). No code is ever logged.
package devicepage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/formcsrf"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// ErrNotFound is what Devices returns, wrapped, for a user code no device
// waits on: unknown, expired, or answered already.
var ErrNotFound = errors.New("devicepage: no device waits for this code")

// Request is what the page shows of a device's request.
type Request struct {
	ClientName string
	Scopes     []string
	// UserCode is the code as the device shows it (XXXX-XXXX).
	UserCode string
}

// Devices is the provider's side: the device grants waiting for a person.
type Devices interface {
	// DeviceRequest returns the request under the typed userCode, or an
	// error wrapping ErrNotFound.
	DeviceRequest(ctx context.Context, userCode string) (Request, error)
	// StartDeviceLogin starts the login that approves it, bound to the
	// browser whose CSRF cookie is browser (only that browser's login
	// approves), and returns where to send the browser (the login page).
	StartDeviceLogin(ctx context.Context, userCode, browser string) (string, error)
	// DenyDevice answers it access_denied.
	DenyDevice(ctx context.Context, userCode string) error
}

// Config is what a Handler needs; Logger and SecureCookies are optional.
type Config struct {
	Devices Devices
	// AddressLimiter counts unknown codes per client address
	// (throttle.ClientAddress).
	AddressLimiter *throttle.Limiter
	// CSRFKey signs the forms' CSRF tokens: at least 32 bytes, the same on
	// every node.
	CSRFKey   []byte
	Templates *templates.Set
	Logger    *slog.Logger
	// SecureCookies marks the CSRF cookie Secure (false only for plain
	// local development).
	SecureCookies bool
}

// Handler serves the device pages.
type Handler struct {
	devices Devices
	address *throttle.Limiter
	key     []byte
	pages   *templates.Pages
	log     *slog.Logger
	secure  bool
}

// csrfPurpose keeps the device forms' tokens apart from other pages'.
const csrfPurpose = "device"

// maxCodeLen bounds what the code field takes: a code with its dash and a
// few spaces is far shorter.
const maxCodeLen = 32

// New checks cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Devices == nil:
		return nil, errors.New("devicepage: Config.Devices is required")
	case cfg.AddressLimiter == nil:
		return nil, errors.New("devicepage: Config.AddressLimiter is required")
	case len(cfg.CSRFKey) < formcsrf.MinKeyLen:
		return nil, errors.New("devicepage: Config.CSRFKey must be at least 32 bytes")
	case cfg.Templates == nil:
		return nil, errors.New("devicepage: Config.Templates is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		devices: cfg.Devices, address: cfg.AddressLimiter, key: append([]byte(nil), cfg.CSRFKey...), log: log,
		pages: templates.NewPages(cfg.Templates, log, "device page", cfg.SecureCookies), secure: cfg.SecureCookies,
	}, nil
}

// Routes registers the pages on mux:
//
//	GET  /device[?user_code=…]  the code form
//	POST /device                the code: the confirmation page
//	POST /device/confirm        allow (to the login) or deny
//	GET  /device/done           the result
func (h *Handler) Routes(mux *http.ServeMux) {
	h.pages.Route(mux, "GET /device", h.showForm)
	h.pages.Route(mux, "POST /device", h.submitCode)
	h.pages.Route(mux, "POST /device/confirm", h.submitConfirm)
	h.pages.Route(mux, "GET /device/done", h.showDone)
}

func (h *Handler) token(w http.ResponseWriter, r *http.Request) string {
	return formcsrf.Sign(h.key, csrfPurpose, formcsrf.Cookie(w, r, h.secure))
}

// showForm serves GET /device.
func (h *Handler) showForm(w http.ResponseWriter, r *http.Request) error {
	code := r.URL.Query().Get("user_code")
	if len(code) > maxCodeLen {
		code = ""
	}
	h.pages.Render(w, r, http.StatusOK, templates.DeviceCodePage{UserCode: code, CSRFToken: h.token(w, r)})
	return nil
}

// postedForm checks what every form of the page checks, in order: the
// size, the CSRF token, the address's throttle. It returns the code the
// form carries, or the code page with the refusal already written (done).
func (h *Handler) postedForm(w http.ResponseWriter, r *http.Request) (code string, done bool, err error) {
	if err := templates.ParseForm(w, r); err != nil {
		return "", false, err
	}
	if !formcsrf.VerifyCookie(h.key, r, r.PostForm.Get(formcsrf.Field), csrfPurpose) {
		return "", false, &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgFormExpired,
			Err: errors.New("device form: CSRF token missing or wrong")}
	}
	code = r.PostForm.Get("user_code")
	if len(code) > maxCodeLen {
		code = code[:maxCodeLen]
	}
	wait, err := h.address.Blocked(r.Context(), throttle.ClientAddress(r))
	if err != nil {
		return "", false, templates.InternalError(fmt.Errorf("device page throttle: %w", err))
	}
	if wait > 0 {
		h.tooMany(w, r, code, wait)
		return "", true, nil
	}
	if code == "" {
		h.pages.Render(w, r, http.StatusBadRequest, templates.DeviceCodePage{Error: templates.MsgDeviceCodeRequired,
			CSRFToken: h.token(w, r)})
		return "", true, nil
	}
	return code, false, nil
}

func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, code string, wait time.Duration) {
	minutes := max(1, int((wait+time.Minute-1)/time.Minute))
	w.Header().Set("Retry-After", fmt.Sprint(int((wait+time.Second-1)/time.Second)))
	h.pages.Render(w, r, http.StatusTooManyRequests, templates.DeviceCodePage{UserCode: code, Error: templates.MsgTooManyAttempts,
		RetryMinutes: minutes, CSRFToken: h.token(w, r)})
}

// request looks up the typed code; an unknown one counts against the
// address and shows the code page again (done).
func (h *Handler) request(w http.ResponseWriter, r *http.Request, code string) (Request, bool, error) {
	ctx := r.Context()
	req, err := h.devices.DeviceRequest(ctx, code)
	if err == nil {
		return req, false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Request{}, false, templates.InternalError(fmt.Errorf("look up device code: %w", err))
	}
	addr := throttle.ClientAddress(r)
	wait, err := h.address.Failure(ctx, addr)
	if err != nil {
		return Request{}, false, templates.InternalError(fmt.Errorf("count unknown device code: %w", err))
	}
	h.log.WarnContext(ctx, "unknown device code", "address", addr)
	if wait > 0 {
		h.tooMany(w, r, code, wait)
		return Request{}, true, nil
	}
	h.pages.Render(w, r, http.StatusBadRequest, templates.DeviceCodePage{UserCode: code, Error: templates.MsgDeviceCodeUnknown,
		CSRFToken: h.token(w, r)})
	return Request{}, true, nil
}

// submitCode serves POST /device: the code typed, the confirmation asked.
func (h *Handler) submitCode(w http.ResponseWriter, r *http.Request) error {
	code, done, err := h.postedForm(w, r)
	if err != nil || done {
		return err
	}
	req, done, err := h.request(w, r, code)
	if err != nil || done {
		return err
	}
	h.pages.Render(w, r, http.StatusOK, templates.DeviceConfirmPage{ClientName: req.ClientName, UserCode: req.UserCode,
		Scopes: req.Scopes, CSRFToken: h.token(w, r)})
	return nil
}

// submitConfirm serves POST /device/confirm: allow goes to the login,
// deny answers the device access_denied.
func (h *Handler) submitConfirm(w http.ResponseWriter, r *http.Request) error {
	code, done, err := h.postedForm(w, r)
	if err != nil || done {
		return err
	}
	answer := r.PostForm.Get("answer")
	if answer != "allow" && answer != "deny" {
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgBadRequest,
			Err: fmt.Errorf("device answer %q", answer)}
	}
	if _, done, err := h.request(w, r, code); err != nil || done {
		return err
	}
	ctx := r.Context()
	if answer == "deny" {
		if err := h.devices.DenyDevice(ctx, code); errors.Is(err, ErrNotFound) {
			http.Redirect(w, r, "/device/done?result="+templates.DeviceFailed, http.StatusSeeOther)
			return nil
		} else if err != nil {
			return templates.InternalError(fmt.Errorf("deny device: %w", err))
		}
		http.Redirect(w, r, "/device/done?result="+templates.DeviceDenied, http.StatusSeeOther)
		return nil
	}
	browser, _ := formcsrf.FromRequest(r) // checked by postedForm
	next, err := h.devices.StartDeviceLogin(ctx, code, browser)
	if errors.Is(err, ErrNotFound) {
		http.Redirect(w, r, "/device/done?result="+templates.DeviceFailed, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("start device login: %w", err))
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// resultUnavailable is the provider's result for an answer it could not
// record (a store or the audit log did not answer): the person may go
// back and try again.
const resultUnavailable = "unavailable"

// showDone serves GET /device/done?result=….
func (h *Handler) showDone(w http.ResponseWriter, r *http.Request) error {
	result := r.URL.Query().Get("result")
	switch result {
	case resultUnavailable:
		return &templates.PageError{Code: http.StatusServiceUnavailable, Msg: templates.MsgUnavailable,
			Err: errors.New("the device's answer could not be recorded")}
	case templates.DeviceApproved, templates.DeviceDenied:
	default:
		result = templates.DeviceFailed
	}
	h.pages.Render(w, r, http.StatusOK, templates.DeviceDonePage{Result: result})
	return nil
}
