package templates

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	until   = Deadline(time.Date(2026, 3, 2, 12, 0, 1, 0, time.UTC))
	consent = AccountSupport{Mode: "consent", Window: 24 * time.Hour, TenantName: "Acme IoT"}
)

// TestAccountPagesAreAccessible renders every account page in its busiest
// state: every input has a label, codes are one-time-code inputs, every id
// that aria-describedby names exists, and there is no script or inline
// style (the CSP would block them).
func TestAccountPagesAreAccessible(t *testing.T) {
	for name, p := range map[string]Page{
		"sign-in":  AccountSignInPage{Notice: MsgAccountSignInFailed},
		"enrolled": AccountPage{CSRFToken: "tok", Username: "jill", TenantName: "Acme", TenantSlug: "acme", Policy: "optional", Enrolled: true, RecoveryCodesLeft: 3, LockedMinutes: 2, Recovery: CodeError{Error: MsgCodeWrong}},
		"remove error": AccountPage{CSRFToken: "tok", Username: "jill", TenantName: "Acme", Policy: "optional", Enrolled: true,
			Remove: CodeError{Error: MsgCodeWait, WaitSeconds: 4}},
		"required":   AccountPage{CSRFToken: "tok", Username: "jill", Policy: "required", Required: true, Reason: "tenant policy", Enrolled: true, Notice: MsgTOTPRequired},
		"not yet":    AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Notice: MsgAccountFormExpired},
		"enrol":      AccountEnrolPage{CSRFToken: "tok", EnrolID: "e1", Account: "jill@acme", QR: "data:image/png;base64,AAAA", Secret: "ABCD EFGH", CodeError: CodeError{Error: MsgCodeMalformed}},
		"codes":      AccountRecoveryCodesPage{Codes: []string{"abcde-fghij"}, Regenerated: true},
		"removed":    AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Notice: MsgTOTPRemoved},
		"policy off": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "off", Notice: MsgMFAOff},
		"support, admin, both open": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Notice: MsgSupportTenantEnabled, NoticeUntil: until,
			Support: AccountSupport{Mode: "consent", Window: 24 * time.Hour, TenantName: "Acme IoT", Own: until, Tenant: until, Admin: true}},
		"password refused": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional",
			Password: AccountPassword{Error: MsgPasswordRefused, Reason: "must be at least 8 characters", ConfirmError: MsgTooLong}},
		"current password wrong": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional",
			Password: AccountPassword{Error: MsgCurrentPasswordWrong, CurrentError: MsgPasswordRequired}},
		"password mismatch": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Password: AccountPassword{Error: MsgPasswordMismatch}},
		"password changed":  AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Notice: MsgPasswordChanged},
		"profile refused": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Profile: AccountProfile{
			Email: "jill@acme.example", Phone: "call me", PreferredLanguage: "fr", ErrorField: "phone", Reason: "must be digits"}},
		"language refused": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Profile: AccountProfile{
			PreferredLanguage: "x!", ErrorField: "preferred_language", Reason: "must be a language tag"}},
		"profile saved": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Notice: MsgProfileSaved},
		"support session": AccountPage{Username: "john", Policy: "optional", Enrolled: true, SupportActor: "jill", SupportActorTenant: "acme-iot",
			Notice: MsgSupportCannotChange, Support: AccountSupport{Mode: "consent", Window: time.Hour, TenantName: "Acme IoT", Admin: true}},
	} {
		t.Run(name, func(t *testing.T) {
			got := render(t, p)
			for _, bad := range []string{"<script", " style=", "Something went wrong"} {
				if strings.Contains(got, bad) {
					t.Errorf("page contains %q", bad)
				}
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
			for _, m := range regexp.MustCompile(`<input id="([^"]+)"[^>]*>`).FindAllStringSubmatch(got, -1) {
				if !strings.Contains(got, `<label for="`+m[1]+`">`) {
					t.Errorf("input %q has no label", m[1])
				}
				// Codes are one-time-code inputs; passwords say which
				// password they are, for password managers.
				want := `autocomplete="one-time-code"`
				switch m[1] {
				case "current-password":
					want = `autocomplete="current-password"`
				case "new-password", "confirm-password":
					want = `autocomplete="new-password"`
				case "display-name":
					want = `autocomplete="name"`
				case "given-name", "family-name":
					want = `autocomplete="` + m[1] + `"`
				case "phone":
					want = `autocomplete="tel"`
				case "job-title":
					want = `autocomplete="organization-title"`
				case "office-location":
					want = `autocomplete="off"`
				}
				if !strings.Contains(m[0], want) {
					t.Errorf("input %q lacks %s", m[1], want)
				}
			}
			if strings.Contains(got, "<form") && !strings.Contains(got, `name="csrf_token" value="tok"`) {
				t.Error("a form without its CSRF token")
			}
		})
	}
}

func TestAccountPageOffersWhatPolicyAllows(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		p                     AccountPage
		enrol, codes, removal bool
	}{
		{"optional, none", AccountPage{Policy: "optional"}, true, false, false},
		{"off, none", AccountPage{Policy: "off"}, false, false, false},
		{"required, none", AccountPage{Policy: "required", Required: true}, true, false, false},
		{"optional, enrolled", AccountPage{Policy: "optional", Enrolled: true}, false, true, true},
		{"off, enrolled", AccountPage{Policy: "off", Enrolled: true}, false, true, true},
		{"role requires it", AccountPage{Policy: "optional", Required: true, Reason: "role admins", Enrolled: true}, false, true, false},
	} {
		got := render(t, tc.p)
		for form, want := range map[string]bool{
			`action="/account/totp/enrol/start"`: tc.enrol,
			`action="/account/totp/recovery"`:    tc.codes,
			`action="/account/totp/remove"`:      tc.removal,
		} {
			if strings.Contains(got, form) != want {
				t.Errorf("%s: %s present = %v, want %v", tc.name, form, !want, want)
			}
		}
	}
	if got := render(t, AccountPage{Policy: "optional", Required: true, Reason: "role admins", Enrolled: true}); !strings.Contains(got, "You cannot turn it off: your role admins requires it.") {
		t.Error("the reason a role gives is not said")
	}
}

func TestAccountMessagesHaveWords(t *testing.T) {
	for _, m := range []Message{MsgAccountFormExpired, MsgMFAOff, MsgAlreadyEnrolled, MsgNotEnrolled, MsgTOTPRequired, MsgEnrolmentExpired, MsgTOTPRemoved,
		MsgSupportEnabled, MsgSupportDisabled, MsgSupportTenantEnabled, MsgSupportTenantDisabled, MsgSupportTenantForbidden, MsgSupportCannotChange,
		MsgPasswordChanged, MsgProfileSaved, MsgProfileUnchanged} {
		if got := render(t, AccountPage{Notice: m}); strings.Contains(got, "Something went wrong") || !strings.Contains(got, `id="notice"`) {
			t.Errorf("account notice %q has no words", m)
		}
	}
	for _, m := range []Message{MsgAccountSignInFailed, MsgAccountSignedOut} {
		if got := render(t, AccountSignInPage{Notice: m}); strings.Contains(got, "Something went wrong") || !strings.Contains(got, `id="notice"`) {
			t.Errorf("sign-in notice %q has no words", m)
		}
	}
}

// TestAccountSupportSection: what the "Support access" section says and
// offers under each policy, to a user and to an administrator, and that a
// support session gets a banner and no form at all.
func TestAccountSupportSection(t *testing.T) {
	const (
		enableSelf = `<input type="hidden" name="scope" value="self">
<button type="submit" class="button">Enable support access for 24 hours</button>`
		disableSelf = `<input type="hidden" name="scope" value="self">
<button type="submit" class="button">Disable support access</button>`
		enableTenant = `<input type="hidden" name="scope" value="tenant">
<button type="submit" class="button">Enable support access for everyone for 24 hours</button>`
		disableTenant = `<input type="hidden" name="scope" value="tenant">
<button type="submit" class="button">Disable support access for everyone</button>`
	)
	admin := consent
	admin.Admin = true
	open := consent
	open.Own, open.Tenant = until, until
	openAdmin := open
	openAdmin.Admin = true
	permission := AccountSupport{Mode: "permission", Window: 24 * time.Hour, TenantName: "Acme IoT"}
	leftOpen := permission
	leftOpen.Own, leftOpen.Tenant, leftOpen.Admin = until, until, true
	permAdmin := permission
	permAdmin.Admin = true
	for _, tc := range []struct {
		name  string
		p     AccountPage
		forms []string // of the four, those offered
		says  []string
	}{
		{"consent, nothing open", AccountPage{CSRFToken: "tok", Support: consent}, []string{enableSelf},
			[]string{"asks for your consent", "<strong>Disabled.</strong> Support staff cannot sign in as you."}},
		{"consent, own open", AccountPage{CSRFToken: "tok", Support: AccountSupport{Mode: "consent", Window: 24 * time.Hour, TenantName: "Acme IoT", Own: until}},
			[]string{disableSelf}, []string{`<strong>Enabled</strong> until <time datetime="2026-03-02T12:00:01Z">2 March 2026 at 12:00 UTC</time>.`}},
		{"consent, the tenant's open, a user", AccountPage{CSRFToken: "tok", Support: AccountSupport{Mode: "consent", Window: 24 * time.Hour, TenantName: "Acme IoT", Tenant: until}},
			[]string{enableSelf}, []string{"<strong>Not enabled by you</strong>, but your administrators have enabled support access for everyone in Acme IoT"}},
		{"consent, admin", AccountPage{CSRFToken: "tok", Support: admin}, []string{enableSelf, enableTenant}, []string{"<h3>For everyone in Acme IoT</h3>"}},
		{"consent, admin, both open", AccountPage{CSRFToken: "tok", Support: openAdmin}, []string{disableSelf, disableTenant}, nil},
		{"consent, user, both open", AccountPage{CSRFToken: "tok", Support: open}, []string{disableSelf}, nil},
		{"permission", AccountPage{CSRFToken: "tok", Support: permission}, nil,
			[]string{"<strong>Allowed.</strong> Acme IoT lets your provider's support staff sign in as you", "There is nothing to enable"}},
		{"permission, admin", AccountPage{CSRFToken: "tok", Support: permAdmin}, nil, nil},
		{"permission, windows left open", AccountPage{CSRFToken: "tok", Support: leftOpen}, []string{disableSelf, disableTenant},
			[]string{"It would only matter if Acme IoT came to require consent", "this would only matter if Acme IoT came to require consent"}},
		{"support session", AccountPage{SupportActor: "jill", SupportActorTenant: "acme-iot", Policy: "optional", Enrolled: true, Support: openAdmin}, nil,
			[]string{"Support (jill of acme-iot) is acting as this account: its sign-in settings cannot be changed.", `id="support-tenant-state"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.p)
			for _, form := range []string{enableSelf, disableSelf, enableTenant, disableTenant} {
				want := false
				for _, f := range tc.forms {
					want = want || f == form
				}
				if strings.Contains(got, form) != want {
					t.Errorf("form %q present = %v, want %v", form[strings.Index(form, "\n")+1:], !want, want)
				}
			}
			for _, want := range tc.says {
				if !strings.Contains(got, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if tc.p.InSupportSession() && strings.Contains(got, "<form") {
				t.Error("a support session is offered a form")
			}
		})
	}
}

func TestAccountSupportSessionHidesTOTPForms(t *testing.T) {
	for _, p := range []AccountPage{
		{SupportActor: "jill", SupportActorTenant: "acme-iot", Policy: "optional"},
		{SupportActor: "jill", SupportActorTenant: "acme-iot", Policy: "optional", Enrolled: true},
	} {
		got := render(t, p)
		if strings.Contains(got, "<form") || strings.Contains(got, "csrf_token") {
			t.Errorf("support session (enrolled %v) is offered a form", p.Enrolled)
		}
		if !strings.Contains(got, `id="totp-state"`) {
			t.Error("support session does not see the TOTP state")
		}
	}
}

func TestDurationText(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for lang, cases := range map[string]map[time.Duration]string{
		"en": {
			time.Hour: "1 hour", 24 * time.Hour: "24 hours", 36 * time.Hour: "36 hours", 48 * time.Hour: "2 days",
			30 * 24 * time.Hour: "30 days", 90 * time.Minute: "1 hour 30 minutes", 150 * time.Minute: "2 hours 30 minutes",
			61 * time.Minute: "1 hour 1 minute", 45 * time.Minute: "45 minutes",
		},
		"nl": {time.Hour: "1 uur", 24 * time.Hour: "24 uur", 48 * time.Hour: "2 dagen", 90 * time.Minute: "1 uur en 30 minuten", 1 * time.Minute: "1 minuut"},
		"de": {time.Hour: "1 Stunde", 24 * time.Hour: "24 Stunden", 48 * time.Hour: "2 Tage", 90 * time.Minute: "1 Stunde und 30 Minuten", 1 * time.Minute: "1 Minute"},
	} {
		for d, want := range cases {
			if got, err := cats[lang].duration(d); err != nil || string(got) != want {
				t.Errorf("%s: duration(%v) = %q, %v; want %q", lang, d, got, err, want)
			}
		}
	}
}

func TestAccountPasswordMessagesHaveWords(t *testing.T) {
	for m, want := range map[Message]string{
		MsgCurrentPasswordWrong: "Your current password is not right. Nothing was changed.",
		MsgPasswordMismatch:     "The two new passwords are not the same.",
		MsgPasswordRefused:      "The new password must be at least 8 characters. Nothing was changed.",
		MsgTooManyAttempts:      "Too many attempts. Try again in 3 minutes.",
	} {
		got := render(t, AccountPage{CSRFToken: "tok", Password: AccountPassword{Error: m, Reason: "must be at least 8 characters", RetryMinutes: 3}})
		if !strings.Contains(got, `id="password-error"`) || !strings.Contains(got, want) || strings.Contains(got, "Something went wrong") {
			t.Errorf("password refusal %q: want %q in\n%s", m, want, got)
		}
	}
}

// TestAccountPasswordForm: the form is offered outside a support session
// only, with its token.
func TestAccountPasswordForm(t *testing.T) {
	got := render(t, AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional"})
	form := regexp.MustCompile(`(?s)<form method="post" action="/account/password" class="form">.*?</form>`).FindString(got)
	for _, want := range []string{`name="csrf_token" value="tok"`, `name="current_password"`, `name="new_password"`, `name="confirm_password"`,
		`value="jill" autocomplete="username" hidden readonly`} {
		if !strings.Contains(form, want) {
			t.Errorf("password form lacks %q:\n%s", want, form)
		}
	}
	got = render(t, AccountPage{Username: "john", Policy: "optional", SupportActor: "jill", SupportActorTenant: "acme-iot"})
	if strings.Contains(got, "/account/password") || !strings.Contains(got, "Support cannot change this account's password.") {
		t.Errorf("support session is offered the password form:\n%s", got)
	}
}

// TestAccountProfileSection: the username and email are shown read-only,
// the rest is a form with its values; a refusal is said on its field, the
// typed values kept; a stored language the select does not offer stays
// selected; a support session gets no form.
func TestAccountProfileSection(t *testing.T) {
	pr := AccountProfile{Email: "jill@acme.example", DisplayName: "Jill <Smith>", GivenName: "Jill", FamilyName: "Smith",
		Phone: "+31 20 123 4567", JobTitle: "Engineer", OfficeLocation: "Amsterdam", PreferredLanguage: "de"}
	got := render(t, AccountPage{CSRFToken: "tok", Username: "jill", Profile: pr})
	for _, want := range []string{"<h2>Profile</h2>", "<dd>jill</dd>", "<dd>jill@acme.example</dd>",
		"Your administrator changes your email address.", `action="/account/profile"`,
		`name="display_name" type="text" maxlength="100" autocomplete="name" value="Jill &lt;Smith&gt;"`,
		`name="phone" type="tel" maxlength="32" autocomplete="tel" value="&#43;31 20 123 4567"`,
		`name="office_location" type="text" maxlength="100" autocomplete="off" value="Amsterdam"`,
		`<label for="preferred-language">Preferred language</label>`,
		`<option value="">(not set)</option>`, `<option value="en">English</option>`, `<option value="nl">Nederlands</option>`,
		`<option value="de" selected>Deutsch</option>`} {
		if !strings.Contains(got, want) {
			t.Errorf("profile section lacks %q", want)
		}
	}
	if strings.Contains(got, `name="email"`) || strings.Contains(got, `name="username"`) || strings.Contains(got, "field-error") {
		t.Error("the profile form offers the email or username, or shows a refusal")
	}

	pr.Email, pr.PreferredLanguage, pr.Phone, pr.ErrorField, pr.Reason = "", "de-CH", "call me", "phone", "must be at most 32 digits"
	got = render(t, AccountPage{CSRFToken: "tok", Username: "jill", Profile: pr})
	for _, want := range []string{"<dd>(none)</dd>", `id="profile-error"`,
		`<p class="field-error" id="phone-error">Phone must be at most 32 digits.</p>`,
		`value="call me" aria-describedby="phone-error" aria-invalid="true" autofocus>`,
		`<option value="de">Deutsch</option>`, `<option value="de-CH" selected>de-CH</option>`} {
		if !strings.Contains(got, want) {
			t.Errorf("refused profile section lacks %q", want)
		}
	}
	if strings.Count(got, " selected>") != 1 {
		t.Error("not exactly one language selected")
	}

	got = render(t, AccountPage{Username: "john", SupportActor: "jill", SupportActorTenant: "acme-iot", Profile: AccountProfile{Email: "john@acme.example"}})
	if strings.Contains(got, `action="/account/profile"`) || !strings.Contains(got, "Support cannot change this account's profile.") ||
		!strings.Contains(got, "<dd>john@acme.example</dd>") {
		t.Errorf("support session's profile section:\n%s", got)
	}
}
