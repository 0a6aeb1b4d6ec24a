package templates

import (
	"regexp"
	"strings"
	"testing"
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
		"enrol":      AccountEnrolPage{CSRFToken: "tok", EnrolID: "e1", Account: "jill@acme", QR: "data:image/png;base64,AAAA", Secret: "ABCD EFGH", Error: MsgCodeMalformed},
		"codes":      AccountRecoveryCodesPage{Codes: []string{"abcde-fghij"}, Regenerated: true},
		"removed":    AccountPage{CSRFToken: "tok", Username: "jill", Policy: "optional", Notice: MsgTOTPRemoved},
		"policy off": AccountPage{CSRFToken: "tok", Username: "jill", Policy: "off", Notice: MsgMFAOff},
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
				if !strings.Contains(m[0], `autocomplete="one-time-code"`) {
					t.Errorf("input %q is not a one-time-code input", m[1])
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
	for _, m := range []Message{MsgAccountFormExpired, MsgMFAOff, MsgAlreadyEnrolled, MsgNotEnrolled, MsgTOTPRequired, MsgEnrolmentExpired, MsgTOTPRemoved} {
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
