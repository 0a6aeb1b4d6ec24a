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

	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/templates"
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
