package templates

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
)

// usedKeys returns every message id the pages can ask for: those the
// templates name (t "id", tn "id" as id.one and id.other), "msg.<m>" for
// every Message constant, and the ids the package's Go code names.
func usedKeys(t *testing.T, en catalog) map[string]bool {
	t.Helper()
	used := map[string]bool{"msg.fallback": true}
	call := regexp.MustCompile(`\b(t|tn)\s+"([^"]+)"`)
	err := fs.WalkDir(files, "html", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			if m[1] == "tn" {
				used[m[2]+".one"], used[m[2]+".other"] = true, true
			} else {
				used[m[2]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range messageConstants(t) {
		used["msg."+m] = true
	}
	// The Go code's ids: string literals that name a message, or the stem
	// of a counted one ("unit.minutes").
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		ast.Inspect(pkg, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if _, ok := en[s]; ok {
				used[s] = true
			}
			if _, ok := en[s+".one"]; ok {
				used[s+".one"], used[s+".other"] = true, true
			}
			return true
		})
	}
	return used
}

// messageConstants lists the values of the package's Message constants.
func messageConstants(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, pkg := range pkgs {
		ast.Inspect(pkg, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || vs.Type == nil {
				return true
			}
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Message" {
				return true
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					msgs = append(msgs, s)
				}
			}
			return true
		})
	}
	if len(msgs) < 40 {
		t.Fatalf("found %d Message constants; the test reads nothing", len(msgs))
	}
	return msgs
}

// TestCatalogsAreComplete fails on a message id that a page uses and a
// catalog lacks, on one that a catalog has and nothing uses, and on a
// translation whose placeholders differ from English's.
func TestCatalogsAreComplete(t *testing.T) {
	cats := map[string]catalog{}
	for _, lang := range Languages() {
		raw, err := fs.ReadFile(files, "locales/"+lang.String()+".json")
		if err != nil {
			t.Fatal(err)
		}
		var c catalog
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		cats[lang.String()] = c
	}
	en := cats["en"]
	used := usedKeys(t, en)
	for lang, c := range cats {
		for _, id := range slices.Sorted(maps.Keys(used)) {
			if _, ok := c[id]; !ok {
				t.Errorf("locales/%s.json lacks %q", lang, id)
			}
		}
		for _, id := range slices.Sorted(maps.Keys(c)) {
			if !used[id] {
				t.Errorf("locales/%s.json has %q, which no page uses", lang, id)
			}
			if got, want := placeholders(c[id]), placeholders(en[id]); !slices.Equal(got, want) {
				t.Errorf("locales/%s.json: %q has placeholders %v, English %v", lang, id, got, want)
			}
			if strings.TrimSpace(c[id]) == "" {
				t.Errorf("locales/%s.json: %q is empty", lang, id)
			}
		}
	}
	if _, err := loadCatalogs(); err != nil {
		t.Errorf("loadCatalogs: %v", err)
	}
}

// everyPage is one value of every page type, with what its words need.
func everyPage() []Page {
	until := Deadline(time.Date(2026, time.March, 2, 12, 0, 0, 0, time.UTC))
	return []Page{
		LoginPage{ClientName: "Things", AuthRequestID: "req-1", Error: MsgTooManyAttempts, RetryMinutes: 3, TenantError: MsgTenantRequired},
		TenantChoicePage{ClientName: "Things", Username: "jill", Error: MsgChooseTenant,
			Tenants: []TenantOption{{ID: "t1", Name: "Acme", Slug: "acme", Level: "customer", Home: true}}},
		SupportPage{ClientName: "Things", ActorUsername: "sam", Username: "jill", TenantName: "Acme", LifetimeMinutes: 30, Error: MsgReasonRequired},
		TOTPPage{ClientName: "Things", CodeError: CodeError{Error: MsgCodeWait, WaitSeconds: 5}},
		EnrolPage{ClientName: "Things", Reason: "requested by the application", Account: "jill@acme", CodeError: CodeError{Error: MsgTOTPLocked, LockMinutes: 4}},
		RecoveryCodesPage{ClientName: "Things", Codes: []string{"abcde-fghij"}},
		NewPasswordPage{ClientName: "Things", Username: "jill", Error: MsgPasswordMismatch, PasswordError: MsgTooLong},
		ErrorPage{Message: MsgRequestExpired, ClientName: "Things"},
		LoggedOutPage{},
		LogoutConfirmPage{Action: "/logout?client_id=things", CSRFToken: "tok"},
		AccountPage{Username: "jill", TenantName: "Acme", Policy: "optional", Required: true, Reason: "role admins", Enrolled: true,
			RecoveryCodesLeft: 3, LockedMinutes: 2, Notice: MsgSupportEnabled, NoticeUntil: until,
			Support: AccountSupport{Mode: "consent", Window: 24 * time.Hour, TenantName: "Acme", Own: until, Admin: true},
			Tenants: []AccountTenant{{ID: "t2", Name: "Globex", Slug: "globex", Home: true}}},
		AccountPage{Username: "jill", TenantName: "Acme", Notice: MsgSwitchNeedsTOTP},
		AccountSignInPage{Notice: MsgAccountSignedOut},
		AccountEnrolPage{Account: "jill@acme", CodeError: CodeError{Error: MsgCodeWrong}},
		AccountRecoveryCodesPage{Codes: []string{"abcde-fghij"}, Regenerated: true},
		SetPasswordPage{Link: LinkInvitation, Username: "pat", TenantName: "Acme", Until: until, ConfirmError: MsgPasswordRequired},
		LinkProblemPage{Link: LinkReset, Problem: MsgLinkExpired},
		PasswordSetPage{Link: LinkReset, Username: "pat", TenantName: "Acme", Strength: "strong", MFARequired: true, PortalName: "Things"},
		ForgotPasswordPage{AuthRequestID: "req-1", Error: MsgTooManyAttempts, RetryMinutes: 2},
		ResetSentPage{ValidMinutes: 30, AuthRequestID: "req-1"},
		ConsentPage{ClientName: "Partner app", Username: "jill", Again: true,
			Scopes: []string{"openid", "profile", "email", "offline_access", "tenant", "roles", "permissions", "gatehouse.admin", "x"}},
		DeviceCodePage{UserCode: "BCDF-GHJK", Error: MsgTooManyAttempts, RetryMinutes: 2},
		DeviceCodePage{Error: MsgDeviceCodeUnknown},
		DeviceConfirmPage{ClientName: "Field tool", UserCode: "BCDF-GHJK", Scopes: []string{"openid", "offline_access"}},
		DeviceDonePage{Result: DeviceApproved}, DeviceDonePage{Result: DeviceDenied}, DeviceDonePage{Result: DeviceFailed},
	}
}

// TestEveryPageInEveryLanguage renders every page in every language: the
// html element names the language, the switch marks it, and no English
// sentence is left where the catalog has a translation.
func TestEveryPageInEveryLanguage(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	// English sentences long enough not to be part of another: each must be
	// gone from a page in a language that words it differently.
	var english []string
	for id, text := range cats["en"] {
		if len(text) >= 20 && !strings.Contains(text, "{") && text != cats["nl"][id] && text != cats["de"][id] {
			english = append(english, text)
		}
	}
	for _, lang := range Languages() {
		for _, p := range everyPage() {
			var b bytes.Buffer
			if err := s.Render(&b, p, Frame{Lang: lang, Path: "/x", Query: url.Values{"authRequestID": {"req-1"}}}); err != nil {
				t.Errorf("%s %s: %v", lang, p.templateName(), err)
				continue
			}
			got := b.String()
			if want := `<html lang="` + lang.String() + `">`; !strings.Contains(got, want) {
				t.Errorf("%s %s: lacks %s", lang, p.templateName(), want)
			}
			if want := `hreflang="` + lang.String() + `" lang="` + lang.String() + `" aria-current="true">`; !strings.Contains(got, want) {
				t.Errorf("%s %s: the switch does not mark the language: lacks %s", lang, p.templateName(), want)
			}
			if strings.Count(got, `aria-current="true"`) != 1 {
				t.Errorf("%s %s: aria-current %d times, want once", lang, p.templateName(), strings.Count(got, `aria-current="true"`))
			}
			for _, link := range []string{`href="/x?authRequestID=req-1&amp;lang=nl" hreflang="nl" lang="nl"`,
				`href="/x?authRequestID=req-1&amp;lang=de" hreflang="de" lang="de"`, `>Nederlands</a>`, `>Deutsch</a>`, `>English</a>`} {
				if !strings.Contains(got, link) {
					t.Errorf("%s %s: the switch lacks %s", lang, p.templateName(), link)
				}
			}
			if lang == language.English {
				continue
			}
			for _, text := range english {
				if strings.Contains(got, text) {
					t.Errorf("%s %s: English left: %q", lang, p.templateName(), text)
				}
			}
		}
	}
}

// TestPagesSpeakTheLanguage spot-checks some translations and the dates.
func TestPagesSpeakTheLanguage(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	until := Deadline(time.Date(2026, time.March, 2, 12, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		lang language.Tag
		page Page
		want []string
	}{
		{language.Dutch, LoginPage{ClientName: "Things", Error: MsgInvalidCredentials},
			[]string{"<title>Inloggen · Gatehouse</title>", "De tenant, gebruikersnaam of het wachtwoord klopt niet.", `aria-label="Taal"`, ">Wachtwoord vergeten?</a>"}},
		{language.German, LoginPage{Error: MsgTooManyAttempts, RetryMinutes: 5},
			[]string{"<title>Anmelden · Gatehouse</title>", "Zu viele Versuche. Versuchen Sie es in 5 Minuten erneut.", `aria-label="Sprache"`}},
		{language.Dutch, SetPasswordPage{Link: LinkReset, Username: "pat", Until: until},
			[]string{"Deze link werkt tot 2 maart 2026 om 12:00 UTC."}},
		{language.German, SetPasswordPage{Link: LinkReset, Username: "pat", Until: until},
			[]string{"Dieser Link funktioniert bis 2. März 2026 um 12:00 UTC."}},
		{language.English, SetPasswordPage{Link: LinkReset, Username: "pat", Until: until},
			[]string{"This link works until 2 March 2026 at 12:00 UTC."}},
		{language.German, AccountPage{Notice: MsgSupportEnabled, NoticeUntil: until, Policy: "optional", Required: true, Reason: "group night-shift of the home tenant acme"},
			[]string{`Supportzugriff aktiviert bis <time datetime="2026-03-02T12:00:00Z">2. März 2026 um 12:00 UTC</time>.`,
				"Ihre Gruppe night-shift in Ihrem Heimatmandanten acme verlangt das"}},
		{language.Dutch, AccountPage{Policy: "optional", Support: AccountSupport{Mode: "consent", Window: 90 * time.Minute}},
			[]string{"Toegang voor support inschakelen voor 1 uur en 30 minuten</button>", "<h2>Profiel</h2>"}},
	} {
		var b bytes.Buffer
		if err := s.Render(&b, tc.page, Frame{Lang: tc.lang}); err != nil {
			t.Fatalf("%s %s: %v", tc.lang, tc.page.templateName(), err)
		}
		for _, want := range tc.want {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s %s lacks %q", tc.lang, tc.page.templateName(), want)
			}
		}
	}
}

// TestArgumentsAreEscaped: a placeholder's value is text, whatever the
// language.
func TestArgumentsAreEscaped(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	const evil = `<script>alert(1)</script>"&`
	for _, lang := range Languages() {
		var b bytes.Buffer
		if err := s.Render(&b, TenantChoicePage{Username: evil, ClientName: evil}, Frame{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "<script>") || !strings.Contains(b.String(), "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;") {
			t.Errorf("%s: argument not escaped: %s", lang, b.String())
		}
	}
}

func TestLanguage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		query  string
		cookie string
		hints  []string
		accept string
		want   string
	}{
		{"nothing: English", "", "", nil, "", "en"},
		{"Accept-Language", "", "", nil, "de-DE,de;q=0.9,en;q=0.5", "de"},
		{"Accept-Language, first supported", "", "", nil, "fr-FR, nl;q=0.8, de;q=0.5", "nl"},
		{"Accept-Language unsupported", "", "", nil, "fr, es;q=0.5", "en"},
		{"preferred language beats Accept-Language", "", "", []string{"", "nl"}, "de", "nl"},
		{"ui_locales beat the preferred language", "", "", []string{"de", "nl"}, "en", "de"},
		{"first supported ui_locale", "", "", []string{"fr", "nl-BE", "de"}, "", "nl"},
		{"cookie beats the hints", "", "de", []string{"nl", "nl"}, "nl", "de"},
		{"query beats the cookie", "nl", "de", []string{"de"}, "de", "nl"},
		{"regional variants", "de-AT", "", nil, "", "de"},
		{"regional Dutch hint", "", "", []string{"nl-BE"}, "", "nl"},
		{"English variant", "", "", []string{"en-GB"}, "de", "en"},
		{"junk query ignored", "<script>", "nl", nil, "", "nl"},
		{"unsupported query ignored", "fr", "", nil, "de", "de"},
		{"junk cookie ignored", "", "x\x01y", []string{"de"}, "", "de"},
		{"overlong hint ignored", "", "", []string{strings.Repeat("de-", 40)}, "nl", "nl"},
		{"junk Accept-Language ignored", "", "", nil, ";;;q=x", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := "/login"
			if tc.query != "" {
				target += "?lang=" + url.QueryEscape(tc.query)
			}
			r := httptest.NewRequest(http.MethodGet, target, nil)
			if tc.cookie != "" {
				r.Header.Set("Cookie", LangCookie+"="+tc.cookie)
			}
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			if got := Language(r, tc.hints...).String(); got != tc.want {
				t.Errorf("Language = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestLanguageSwitch: the switch's link sets the cookie the next pages
// follow; the pages keep the parameters they need in its links; and a
// form's answer that cannot be shown again has no switch.
func TestLanguageSwitch(t *testing.T) {
	set, err := New()
	if err != nil {
		t.Fatal(err)
	}
	pages := NewPages(set, nil, "test page", true)
	mux := http.NewServeMux()
	var page Page
	pages.Route(mux, "/", func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodPost {
			if err := ParseForm(w, r); err != nil {
				return err
			}
		}
		pages.Render(w, r, http.StatusOK, page, "de")
		return nil
	})
	do := func(method, target string, form url.Values, cookie string) (*http.Response, string) {
		t.Helper()
		var r *http.Request
		if form != nil {
			r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			r = httptest.NewRequest(method, target, nil)
		}
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: LangCookie, Value: cookie})
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Result(), w.Body.String()
	}

	page = SetPasswordPage{Link: LinkInvitation, Username: "pat", Token: "sec-ret"}
	resp, body := do(http.MethodGet, "/invitation?token=sec-ret&lang=nl-BE", nil, "")
	var c *http.Cookie
	for _, rc := range resp.Cookies() {
		if rc.Name == LangCookie {
			c = rc
		}
	}
	if c == nil || c.Value != "nl" || c.Path != "/" || c.MaxAge != 365*24*3600 || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("switch cookie: %+v", c)
	}
	if !strings.Contains(body, `<html lang="nl">`) ||
		!strings.Contains(body, `href="/invitation?lang=de&amp;token=sec-ret" hreflang="de"`) ||
		!strings.Contains(body, `href="/invitation?lang=nl&amp;token=sec-ret" hreflang="nl" lang="nl" aria-current="true"`) {
		t.Errorf("switched page: %s", body)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Error("a page whose links carry a token sends a Referer")
	}

	// The cookie wins over the handler's hint (de) on the next page.
	if _, body := do(http.MethodGet, "/invitation?token=sec-ret", nil, c.Value); !strings.Contains(body, `<html lang="nl">`) {
		t.Errorf("the cookie is not followed: %.300s", body)
	}
	// Without cookie or query, the hint.
	if _, body := do(http.MethodGet, "/invitation?token=sec-ret", nil, ""); !strings.Contains(body, `<html lang="de">`) {
		t.Errorf("the hint is not followed: %.300s", body)
	}
	// Junk sets no cookie.
	if resp, _ := do(http.MethodGet, "/login?lang=xx-junk-junk", nil, ""); len(resp.Cookies()) != 0 {
		t.Errorf("junk lang set %v", resp.Cookies())
	}

	// A form's answer: the switch goes to the page that shows the form.
	page = LoginPage{AuthRequestID: "req-1", Error: MsgInvalidCredentials}
	_, body = do(http.MethodPost, "/login", url.Values{"authRequestID": {"req-1"}, "password": {"hunter2"}}, "")
	if !strings.Contains(body, `href="/login?authRequestID=req-1&amp;lang=en"`) || strings.Contains(body, "hunter2") {
		t.Errorf("login form answer's switch: %s", body)
	}
	page = SetPasswordPage{Link: LinkReset, Username: "pat", Token: "sec-ret", Error: MsgPasswordMismatch}
	_, body = do(http.MethodPost, "/password/reset", url.Values{"token": {"sec-ret"}, "new_password": {"a"}}, "")
	if !strings.Contains(body, `href="/password/reset?lang=en&amp;token=sec-ret"`) {
		t.Errorf("set-password form answer's switch: %s", body)
	}
	// Codes shown once: a switch would lose them.
	page = AccountRecoveryCodesPage{Codes: []string{"abcde-fghij"}}
	if _, body := do(http.MethodPost, "/account/totp/recovery", url.Values{}, ""); strings.Contains(body, `class="languages"`) {
		t.Errorf("codes shown once have a switch: %s", body)
	}
}
