package templates

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// checkAccessible checks what every form page must hold: no id twice,
// every aria-describedby naming ids on the page, every input with an id
// labelled, autofocus once, nothing the CSP would block.
func checkAccessible(t *testing.T, got string) {
	t.Helper()
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
	for _, m := range regexp.MustCompile(`<input id="([^"]+)"`).FindAllStringSubmatch(got, -1) {
		if !strings.Contains(got, `<label for="`+m[1]+`">`) {
			t.Errorf("input %q has no label", m[1])
		}
	}
	if n := strings.Count(got, "autofocus"); n != 1 {
		t.Errorf("autofocus appears %d times, want once", n)
	}
	for _, bad := range []string{"<script", " style=", "Something went wrong"} {
		if strings.Contains(got, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestSetPasswordPage(t *testing.T) {
	base := SetPasswordPage{Link: LinkInvitation, Token: "sec-ret", CSRFToken: "tok", Username: "pat", TenantName: "Acme IoT",
		Until: Deadline(time.Date(2026, time.March, 15, 9, 0, 0, 0, time.UTC))}
	with := func(edit func(*SetPasswordPage)) SetPasswordPage {
		p := base
		edit(&p)
		return p
	}
	for _, tc := range []struct {
		name    string
		page    SetPasswordPage
		want    []string
		invalid string // the id of the input marked invalid, if any
	}{
		{"invitation", base, []string{
			"<h1>Choose your password</h1>", `action="/invitation"`,
			"Welcome to <strong>Acme IoT</strong>. Choose the password you will sign in with as <strong>pat</strong>.",
			"This link works until 15 March 2026 at 09:00 UTC.", ">Set password</button>",
		}, ""},
		{"reset", with(func(p *SetPasswordPage) { p.Link = LinkReset }), []string{
			"<h1>Choose a new password</h1>", `action="/password/reset"`,
			"Choose a new password for <strong>pat</strong> at <strong>Acme IoT</strong>.", ">Change password</button>",
		}, ""},
		{"mismatch", with(func(p *SetPasswordPage) { p.Error = MsgPasswordMismatch }),
			[]string{"The two passwords are not the same."}, "confirm-password"},
		{"refused", with(func(p *SetPasswordPage) { p.Error, p.Reason = MsgPasswordRefused, "is too common" }),
			[]string{"The password is too common."}, "new-password"},
		{"throttled", with(func(p *SetPasswordPage) { p.Error, p.RetryMinutes = MsgTooManyAttempts, 7 }),
			[]string{"Too many attempts. Try again in 7 minutes."}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.page)
			for _, want := range append(tc.want,
				`name="token" value="sec-ret"`, `name="csrf_token" value="tok"`,
				"At least 8 characters, not a common password, and not your username.",
				`<input type="text" value="pat" autocomplete="username" hidden readonly>`,
				`aria-describedby="password-rules`,
			) {
				if !strings.Contains(got, want) {
					t.Errorf("page lacks %q:\n%s", want, got)
				}
			}
			checkAccessible(t, got)
			for _, m := range regexp.MustCompile(`<input id="([^"]+)"[^>]*>`).FindAllStringSubmatch(got, -1) {
				in := m[0]
				if !strings.Contains(in, `type="password"`) || !strings.Contains(in, `autocomplete="new-password"`) {
					t.Errorf("input %s: %s", m[1], in)
				}
				if strings.Contains(in, `aria-invalid="true"`) != (m[1] == tc.invalid) {
					t.Errorf("input %s: invalid is wrong: %s", m[1], in)
				}
				if tc.page.Error != "" && !strings.Contains(in, "form-error") {
					t.Errorf("input %s is not described by the form's error", m[1])
				}
			}
		})
	}
}

func TestLinkProblemPage(t *testing.T) {
	for _, tc := range []struct {
		page LinkProblemPage
		want []string
	}{
		{LinkProblemPage{LinkInvitation, MsgLinkExpired}, []string{"Invitation expired", "Ask your administrator to send you a new one."}},
		{LinkProblemPage{LinkInvitation, MsgLinkUsed}, []string{"Sign in with the password you chose", `href="/account"`, `href="/password/forgot"`}},
		{LinkProblemPage{LinkInvitation, MsgLinkNotFound}, []string{"Check that you copied the whole link"}},
		{LinkProblemPage{LinkInvitation, MsgLinkUnusable}, []string{"This account cannot use the invitation.", "Ask your administrator"}},
		{LinkProblemPage{LinkReset, MsgLinkExpired}, []string{"Link expired", "Ask for a new link", `href="/password/forgot"`}},
		{LinkProblemPage{LinkReset, MsgLinkUsed}, []string{"Link already used", `href="/account"`}},
		{LinkProblemPage{LinkReset, MsgLinkNotFound}, []string{"Link not valid", "Check that you copied the whole link"}},
		{LinkProblemPage{LinkReset, MsgLinkUnusable}, []string{"This account cannot use the link."}},
	} {
		t.Run(tc.page.Link+"/"+string(tc.page.Problem), func(t *testing.T) {
			got := render(t, tc.page)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("page lacks %q:\n%s", want, got)
				}
			}
			if strings.Contains(got, "Something went wrong") {
				t.Errorf("no words for the problem")
			}
		})
	}
}

func TestPasswordSetPage(t *testing.T) {
	got := render(t, PasswordSetPage{Link: LinkInvitation, Username: "pat", TenantName: "Acme IoT", Strength: "strong",
		MFARequired: true, SignInURL: "/account"})
	for _, want := range []string{"Your password is set", "<strong>pat</strong> at <strong>Acme IoT</strong>",
		"Its estimated strength: <strong>strong</strong>.", "requires two-factor sign-in", `<a class="button" href="/account">Sign in</a>`} {
		if !strings.Contains(got, want) {
			t.Errorf("page lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "signed out") {
		t.Errorf("an invitation signs nobody out")
	}
	got = render(t, PasswordSetPage{Link: LinkReset, Username: "pat", SignInURL: "/account"})
	for _, want := range []string{"Your password is changed", "Every session of this account was signed out"} {
		if !strings.Contains(got, want) {
			t.Errorf("page lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "two-factor") {
		t.Errorf("two-factor note without MFARequired")
	}
}

func TestForgotPasswordPage(t *testing.T) {
	for _, tc := range []struct {
		name string
		page ForgotPasswordPage
		want []string
	}{
		{"empty", ForgotPasswordPage{CSRFToken: "tok"}, []string{`id="tenant" name="tenant" type="text" value="" required maxlength="63"`}},
		{"prefilled", ForgotPasswordPage{CSRFToken: "tok", AuthRequestID: "req 1", Tenant: "acme", Username: "jill"},
			[]string{`value="acme"`, `value="jill"`, `name="authRequestID" value="req 1"`, `<a href="/login?authRequestID=req%201">Back to sign in</a>`}},
		{"fields", ForgotPasswordPage{CSRFToken: "tok", TenantError: MsgTenantRequired, UsernameError: MsgTooLong},
			[]string{`id="tenant-error">Enter your tenant.`, `id="username-error">This is too long.`}},
		{"throttled", ForgotPasswordPage{CSRFToken: "tok", Tenant: "acme", Error: MsgTooManyAttempts, RetryMinutes: 3},
			[]string{"Too many requests. Try again in 3 minutes.", `form-error"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.page)
			for _, want := range append(tc.want, `method="post" action="/password/forgot"`, `name="csrf_token" value="tok"`,
				`autocomplete="organization"`, `autocomplete="username"`) {
				if !strings.Contains(got, want) {
					t.Errorf("page lacks %q:\n%s", want, got)
				}
			}
			checkAccessible(t, got)
			if tc.page.AuthRequestID == "" && strings.Contains(got, "Back to sign in") {
				t.Errorf("back link without a sign-in")
			}
		})
	}
}

func TestResetSentPage(t *testing.T) {
	got := render(t, ResetSentPage{ValidMinutes: 60, AuthRequestID: "req-1"})
	for _, want := range []string{"If an account with that name has an email address, we have sent it a link to choose a new password.",
		"The link works for 60 minutes.", `href="/login?authRequestID=req-1"`} {
		if !strings.Contains(got, want) {
			t.Errorf("page lacks %q:\n%s", want, got)
		}
	}
}

// TestLoginOffersForgotPassword: the login form links to the forgot form
// with the sign-in and what the person typed, query-escaped.
func TestLoginOffersForgotPassword(t *testing.T) {
	got := render(t, LoginPage{AuthRequestID: "req-1", Tenant: "acme", Username: "jill&x"})
	if want := `<a href="/password/forgot?authRequestID=req-1&amp;tenant=acme&amp;username=jill%26x">Forgot password?</a>`; !strings.Contains(got, want) {
		t.Errorf("login page lacks %q:\n%s", want, got)
	}
	got = render(t, LoginPage{AuthRequestID: "req-1"})
	if want := `<a href="/password/forgot?authRequestID=req-1">Forgot password?</a>`; !strings.Contains(got, want) {
		t.Errorf("login page lacks %q", want)
	}
}

func TestSetPasswordPagesEscape(t *testing.T) {
	evil := `"><img src=x>`
	for _, p := range []Page{
		SetPasswordPage{Username: evil, TenantName: evil, Token: evil, Error: MsgPasswordRefused, Reason: "<script>alert(1)</script>"},
		PasswordSetPage{Username: evil, TenantName: evil, Strength: evil, SignInURL: "javascript:alert(1)"},
		ForgotPasswordPage{Tenant: evil, Username: evil, AuthRequestID: evil},
	} {
		got := render(t, p)
		if strings.Contains(got, "<script>alert") || strings.Contains(got, `"><img`) || strings.Contains(got, "javascript:") {
			t.Errorf("%T: unescaped input in page:\n%s", p, got)
		}
	}
}
