package totppage

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func TestURL(t *testing.T) {
	u, err := url.Parse(URL("jill@acme", secret))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Gatehouse:jill@acme" {
		t.Errorf("URL %s", u)
	}
	q := u.Query()
	for k, want := range map[string]string{"secret": secret, "issuer": "Gatehouse", "algorithm": "SHA1", "digits": "6", "period": "30"} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
}

func TestDraw(t *testing.T) {
	s, err := Draw("jill@acme", secret)
	if err != nil {
		t.Fatal(err)
	}
	if s.Account != "jill@acme" || s.Key != "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP" ||
		!strings.HasPrefix(string(s.QR), "data:image/png;base64,iVBOR") {
		t.Errorf("Draw = %.120s", s.QR)
	}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v", s, s, s)} {
		if strings.Contains(out, "JBSW") {
			t.Errorf("the secret shows in %q", out)
		}
	}
}

func TestCodeProblem(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		msg    templates.Message
		retry  string
		ok     bool
	}{
		{nil, 0, "", "", false},
		{errors.New("database down"), 0, "", "", false},
		{mfa.ErrNotEnrolled, 0, "", "", false},
		{fmt.Errorf("x: %w", mfa.ErrMalformed), http.StatusBadRequest, templates.MsgCodeMalformed, "", true},
		{mfa.ErrInvalidCode, http.StatusUnauthorized, templates.MsgCodeWrong, "", true},
		{mfa.ErrReplayed, http.StatusUnauthorized, templates.MsgCodeWrong, "", true},
		{&mfa.WaitError{Wait: 1500 * time.Millisecond}, http.StatusTooManyRequests, templates.MsgCodeWait, "2", true},
		{&mfa.WaitError{Wait: 14 * time.Minute, Locked: true}, http.StatusTooManyRequests, templates.MsgTOTPLocked, "840", true},
	} {
		w := httptest.NewRecorder()
		status, msg, _, ok := CodeProblem(w, tc.err)
		if status != tc.status || msg != tc.msg || ok != tc.ok || w.Header().Get("Retry-After") != tc.retry {
			t.Errorf("CodeProblem(%v) = %d %q %v Retry-After %q", tc.err, status, msg, ok, w.Header().Get("Retry-After"))
		}
	}
}

func TestRounding(t *testing.T) {
	if WaitSeconds(1500*time.Millisecond) != 2 || WaitSeconds(0) != 0 || LockMinutes(0) != 1 || LockMinutes(61*time.Second) != 2 {
		t.Error("rounding")
	}
}

// TestTryCode: a blocked address gets no code checked; a wrong or reused
// code is counted against the address, malformed input and waits are not;
// other errors are the caller's.
func TestTryCode(t *testing.T) {
	kv := memory.New(nil)
	t.Cleanup(func() { _ = kv.Close() })
	lim := throttle.New(kv, "address", throttle.Policy{Limit: 2, Window: time.Minute})
	r := httptest.NewRequest(http.MethodPost, "/login/totp", nil)
	try := func(err error) (*Refusal, error) {
		return TryCode(t.Context(), httptest.NewRecorder(), r, lim, func() error { return err })
	}
	for _, err := range []error{mfa.ErrMalformed, &mfa.WaitError{Wait: time.Second}, mfa.ErrNotEnrolled} {
		try(err)
	}
	if wait, err := lim.Blocked(t.Context(), throttle.ClientAddress(r)); err != nil || wait != 0 {
		t.Fatalf("counted what is not a wrong code: blocked %v, %v", wait, err)
	}
	if got, err := try(nil); got != nil || err != nil {
		t.Errorf("right code: %+v, %v", got, err)
	}
	if got, err := try(mfa.ErrNotEnrolled); got != nil || !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Errorf("other error: %+v, %v", got, err)
	}
	if got, err := try(mfa.ErrInvalidCode); err != nil || got == nil || got.Status != http.StatusUnauthorized || got.Msg != templates.MsgCodeWrong {
		t.Errorf("wrong code: %+v, %v", got, err)
	}
	try(mfa.ErrReplayed)
	called := false
	w := httptest.NewRecorder()
	got, err := TryCode(t.Context(), w, r, lim, func() error { called = true; return nil })
	if err != nil || got == nil || got.Status != http.StatusTooManyRequests || got.Msg != templates.MsgCodeWait || got.Wait <= 0 ||
		w.Header().Get("Retry-After") == "" {
		t.Errorf("blocked address: %+v, %v, Retry-After %q", got, err, w.Header().Get("Retry-After"))
	}
	if called {
		t.Error("a blocked address had its code checked")
	}
}
