package devicepage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/internal/formcsrf"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// devices is a fake provider: one device waits under "BCDF-GHJK"; it
// records what the page asked of it.
type devices struct {
	mu      sync.Mutex
	calls   []string
	outage  bool
	answers int
	// browser is what the last StartDeviceLogin was bound to.
	browser string
}

func (d *devices) note(s string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, s)
	if d.outage {
		return fmt.Errorf("redis: %w", storage.ErrUnavailable)
	}
	return nil
}

func (d *devices) known(code string) bool {
	return strings.ReplaceAll(strings.ToUpper(code), "-", "") == "BCDFGHJK" && d.answers == 0
}

func (d *devices) DeviceRequest(_ context.Context, code string) (Request, error) {
	if err := d.note("request"); err != nil {
		return Request{}, err
	}
	if !d.known(code) {
		return Request{}, ErrNotFound
	}
	return Request{ClientName: "Field tool", UserCode: "BCDF-GHJK", Scopes: []string{"openid"}}, nil
}

func (d *devices) StartDeviceLogin(_ context.Context, code, browser string) (string, error) {
	if err := d.note("start"); err != nil {
		return "", err
	}
	d.mu.Lock()
	d.browser = browser
	d.mu.Unlock()
	return "/login?authRequestID=req-1", nil
}

func (d *devices) DenyDevice(_ context.Context, code string) error {
	if err := d.note("deny"); err != nil {
		return err
	}
	d.answers++
	return nil
}

func newPage(t *testing.T) (*httptest.Server, *http.Client, *devices) {
	t.Helper()
	kv := memory.New(time.Now)
	t.Cleanup(func() { _ = kv.Close() })
	tpl, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	d := &devices{}
	h, err := New(Config{Devices: d, AddressLimiter: throttle.New(kv, "device", throttle.Policy{Limit: 3, Window: time.Minute}),
		CSRFKey: bytes.Repeat([]byte{4}, 32), Templates: tpl})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return srv, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, d
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func send(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodGet {
		resp, err = c.Get(u)
	} else {
		resp, err = c.PostForm(u, form)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func token(t *testing.T, srv *httptest.Server, c *http.Client, query string) string {
	t.Helper()
	_, body := send(t, c, http.MethodGet, srv.URL+"/device"+query, nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form: %.300s", body)
	}
	return m[1]
}

func TestDevicePage(t *testing.T) {
	srv, c, d := newPage(t)
	// The link's code pre-fills the form; an absurd one does not.
	if _, body := send(t, c, http.MethodGet, srv.URL+"/device?user_code=BCDF-GHJK", nil); !strings.Contains(body, `value="BCDF-GHJK"`) {
		t.Errorf("not pre-filled: %.300s", body)
	}
	if _, body := send(t, c, http.MethodGet, srv.URL+"/device?user_code="+strings.Repeat("B", 40), nil); strings.Contains(body, `value="BBBB`) {
		t.Error("an overlong code is echoed")
	}
	tok := token(t, srv, c, "")
	resp, body := send(t, c, http.MethodPost, srv.URL+"/device", url.Values{"csrf_token": {tok}, "user_code": {"bcdf-ghjk"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<strong>Field tool</strong>") {
		t.Fatalf("confirmation: %d %.300s", resp.StatusCode, body)
	}
	resp, _ = send(t, c, http.MethodPost, srv.URL+"/device/confirm", url.Values{"csrf_token": {tok}, "user_code": {"BCDF-GHJK"}, "answer": {"allow"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?authRequestID=req-1" {
		t.Errorf("allow: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The login is bound to this browser: its CSRF cookie.
	u, _ := url.Parse(srv.URL)
	var cookie string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == formcsrf.CookieName {
			cookie = ck.Value
		}
	}
	if cookie == "" || d.browser != cookie {
		t.Errorf("login bound to browser %q, want the CSRF cookie %q", d.browser, cookie)
	}
	resp, _ = send(t, c, http.MethodPost, srv.URL+"/device/confirm", url.Values{"csrf_token": {tok}, "user_code": {"BCDF-GHJK"}, "answer": {"deny"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/device/done?result=denied" {
		t.Errorf("deny: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := send(t, c, http.MethodGet, srv.URL+"/device/done?result=<script>", nil); !strings.Contains(body, "Start again on your device") {
		t.Errorf("unknown result: %.300s", body)
	}
	if want := "request request start request deny"; strings.Join(d.calls, " ") != want {
		t.Errorf("calls %v, want %s", d.calls, want)
	}
}

// TestDevicePageRefusesWithoutChange: a form without its token, with
// another answer, or from a blocked address asks nothing of the provider.
func TestDevicePageRefusesWithoutChange(t *testing.T) {
	srv, c, d := newPage(t)
	tok := token(t, srv, c, "")
	for _, tc := range []struct {
		path   string
		form   url.Values
		status int
	}{
		{"/device", url.Values{"user_code": {"BCDF-GHJK"}}, http.StatusForbidden},
		{"/device", url.Values{"csrf_token": {"forged"}, "user_code": {"BCDF-GHJK"}}, http.StatusForbidden},
		{"/device/confirm", url.Values{"csrf_token": {tok}, "user_code": {"BCDF-GHJK"}, "answer": {"maybe"}}, http.StatusBadRequest},
		{"/device", url.Values{"csrf_token": {tok}}, http.StatusBadRequest},
	} {
		if resp, body := send(t, c, http.MethodPost, srv.URL+tc.path, tc.form); resp.StatusCode != tc.status {
			t.Errorf("%s %v: %d, want %d: %.300s", tc.path, tc.form, resp.StatusCode, tc.status, body)
		}
	}
	if len(d.calls) != 0 {
		t.Errorf("the provider was asked %v", d.calls)
	}
	// Three wrong codes block the address: the right one is not looked up.
	for range 3 {
		send(t, c, http.MethodPost, srv.URL+"/device", url.Values{"csrf_token": {tok}, "user_code": {"ZZZZ-ZZZZ"}})
	}
	d.calls = nil
	resp, _ := send(t, c, http.MethodPost, srv.URL+"/device", url.Values{"csrf_token": {tok}, "user_code": {"BCDF-GHJK"}})
	if resp.StatusCode != http.StatusTooManyRequests || len(d.calls) != 0 {
		t.Errorf("blocked address: %d, calls %v", resp.StatusCode, d.calls)
	}
}

// TestDevicePageOutage: a store that does not answer is a 503 page that
// says to try again, never a 500.
func TestDevicePageOutage(t *testing.T) {
	srv, c, d := newPage(t)
	tok := token(t, srv, c, "")
	d.outage = true
	resp, body := send(t, c, http.MethodPost, srv.URL+"/device", url.Values{"csrf_token": {tok}, "user_code": {"BCDF-GHJK"}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "briefly unavailable") {
		t.Errorf("outage: %d %.300s", resp.StatusCode, body)
	}
	// The provider's answer that it could not record the person's.
	resp, body = send(t, c, http.MethodGet, srv.URL+"/device/done?result=unavailable", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "briefly unavailable") {
		t.Errorf("result unavailable: %d %.300s", resp.StatusCode, body)
	}
}
