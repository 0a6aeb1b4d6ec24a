package templates

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestNewPasswordPage renders the new-password page in each of its
// states: two new-password inputs, each labelled, the form's CSRF token,
// the reason it is asked, the words of each message, every error tied to
// the inputs it concerns, and nothing the CSP would block.
func TestNewPasswordPage(t *testing.T) {
	base := NewPasswordPage{ClientName: "Things Manager", AuthRequestID: "req-1", CSRFToken: "tok", Username: "jill"}
	with := func(edit func(*NewPasswordPage)) NewPasswordPage {
		p := base
		edit(&p)
		return p
	}
	for _, tc := range []struct {
		name    string
		page    NewPasswordPage
		want    []string
		invalid []string // ids of the inputs marked invalid
	}{
		{"first visit", base, []string{
			"<h1>Choose a new password</h1>",
			"Your administrator asks you to choose a new password before you continue to <strong>Things Manager</strong>.",
			"<strong>jill</strong>",
		}, nil},
		{"mismatch", with(func(p *NewPasswordPage) { p.Error = MsgPasswordMismatch }),
			[]string{"The two passwords are not the same. Type the same new password in both fields."}, []string{"confirm-password"}},
		{"refused", with(func(p *NewPasswordPage) { p.Error, p.Reason = MsgPasswordRefused, "must be at least 8 characters" }),
			[]string{"The new password must be at least 8 characters."}, []string{"new-password"}},
		{"throttled", with(func(p *NewPasswordPage) { p.Error, p.RetryMinutes = MsgTooManyAttempts, 1 }),
			[]string{"Too many attempts. Try again in 1 minute."}, nil},
		{"fields", with(func(p *NewPasswordPage) { p.PasswordError, p.ConfirmError = MsgPasswordRequired, MsgTooLong }),
			[]string{`id="new-password-error">Enter a new password.`, `id="confirm-password-error">This is too long.`},
			[]string{"new-password", "confirm-password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.page)
			for _, want := range append(tc.want,
				`method="post" action="/login/new-password"`,
				`name="authRequestID" value="req-1"`, `name="csrf_token" value="tok"`,
				`<label for="new-password">New password</label>`, `<label for="confirm-password">New password again</label>`,
				`<input type="text" value="jill" autocomplete="username" hidden readonly>`,
			) {
				if !strings.Contains(got, want) {
					t.Errorf("page lacks %q:\n%s", want, got)
				}
			}
			for _, bad := range []string{"<script", " style=", "Something went wrong"} {
				if strings.Contains(got, bad) {
					t.Errorf("page contains %q", bad)
				}
			}
			inputs := map[string]string{}
			for _, m := range regexp.MustCompile(`<input id="([^"]+)"[^>]*>`).FindAllStringSubmatch(got, -1) {
				inputs[m[1]] = m[0]
			}
			if len(inputs) != 2 {
				t.Fatalf("%d labelled inputs, want 2: %v", len(inputs), inputs)
			}
			for id, in := range inputs {
				if !strings.Contains(in, `type="password"`) || !strings.Contains(in, `autocomplete="new-password"`) || !strings.Contains(in, `maxlength="1024"`) {
					t.Errorf("input %s: %s", id, in)
				}
				if want := slices.Contains(tc.invalid, id); strings.Contains(in, `aria-invalid="true"`) != want {
					t.Errorf("input %s invalid = %v, want %v", id, !want, want)
				}
				if tc.page.Error != "" && !strings.Contains(in, "form-error") {
					t.Errorf("input %s is not described by the form's error", id)
				}
			}
			if n := strings.Count(got, "autofocus"); n != 1 {
				t.Errorf("autofocus appears %d times, want once", n)
			}
			ids := map[string]bool{}
			for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(got, -1) {
				if ids[m[1]] {
					t.Errorf("id %q twice", m[1])
				}
				ids[m[1]] = true
			}
			for _, m := range regexp.MustCompile(`aria-describedby="([^"]+)"`).FindAllStringSubmatch(got, -1) {
				for _, id := range strings.Fields(m[1]) {
					if !ids[id] {
						t.Errorf("aria-describedby names missing id %q", id)
					}
				}
			}
			if n := strings.Count(got, `role="alert"`); (tc.page.Error != "") != (n == 1) || n > 1 {
				t.Errorf("%d alerts for error %q", n, tc.page.Error)
			}
		})
	}
}

// TestNewPasswordPageEscapes: the policy's reason and the username are
// text, never markup.
func TestNewPasswordPageEscapes(t *testing.T) {
	got := render(t, NewPasswordPage{Username: `"><img src=x>`, Error: MsgPasswordRefused, Reason: "<script>alert(1)</script>"})
	if strings.Contains(got, "<script>alert") || strings.Contains(got, `"><img`) {
		t.Errorf("unescaped input in page:\n%s", got)
	}
}

// TestEveryPageRenders renders one value of every page type: New parses
// each page's template, and a page type whose template was not added to
// pageNames fails here rather than at a login.
func TestEveryPageRenders(t *testing.T) {
	pages := []Page{LoginPage{}, TenantChoicePage{}, SupportPage{}, TOTPPage{}, EnrolPage{}, RecoveryCodesPage{},
		NewPasswordPage{}, ErrorPage{}, LoggedOutPage{}, AccountPage{}, AccountSignInPage{}, AccountEnrolPage{},
		AccountRecoveryCodesPage{}, SetPasswordPage{}, LinkProblemPage{}, PasswordSetPage{}, ForgotPasswordPage{},
		ResetSentPage{}, LogoutConfirmPage{}, ConsentPage{}, DeviceCodePage{}, DeviceConfirmPage{}, DeviceDonePage{}}
	rendered := map[string]bool{}
	for _, p := range pages {
		if got := render(t, p); !strings.Contains(got, "</html>") {
			t.Errorf("%s: not a whole page", p.templateName())
		}
		rendered[p.templateName()] = true
	}
	for _, name := range pageNames {
		if !rendered[name] {
			t.Errorf("page %q is parsed but no page type here renders it", name)
		}
	}
}
