package templates

import (
	"strings"
	"testing"
)

// TestConsentPage renders the consent page: the application's name, each
// scope in plain words (an unknown one by its name), one form with the
// CSRF token and two named buttons, Allow and Deny.
func TestConsentPage(t *testing.T) {
	for _, tc := range []struct {
		name string
		page ConsentPage
		want []string
	}{
		{"first time", ConsentPage{ClientName: "Fleet Insights", AuthRequestID: "req-1", CSRFToken: "tok", Username: "jill",
			Scopes: []string{"openid", "email", "roles", "telemetry:read"}}, []string{
			"<h1>Allow access?</h1>",
			"<strong>Fleet Insights</strong> is not part of this platform. It asks to use your account.",
			"Signed in as <strong>jill</strong>.",
			"<li>know who you are (your account's identifier)</li>",
			"<li>see your email address</li>",
			"<li>see your roles</li>",
			"<li>use the access named “telemetry:read”</li>",
		}},
		{"asking for more", ConsentPage{ClientName: "Fleet Insights", AuthRequestID: "req-1", CSRFToken: "tok", Username: "jill",
			Scopes: []string{"offline_access"}, Again: true}, []string{
			"You allowed it before; it now asks for more.",
			"<li>stay signed in for you when you are not using it</li>",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.page)
			for _, want := range append(tc.want,
				`<form method="post" action="/login/consent" class="form">`,
				`name="authRequestID" value="req-1"`, `name="csrf_token" value="tok"`,
				`<button type="submit" name="answer" value="allow" class="button" autofocus>Allow</button>`,
				`<button type="submit" name="answer" value="deny" class="button">Deny</button>`,
			) {
				if !strings.Contains(got, want) {
					t.Errorf("page lacks %q:\n%s", want, got)
				}
			}
			if n := strings.Count(got, "<form"); n != 2 && n != 1 {
				t.Errorf("%d forms", n)
			}
			for _, bad := range []string{"<script", " style=", "Something went wrong"} {
				if strings.Contains(got, bad) {
					t.Errorf("page contains %q", bad)
				}
			}
		})
	}
}

// TestConsentPageEscapes: the application's name, the username and an
// unknown scope are text, never markup.
func TestConsentPageEscapes(t *testing.T) {
	got := render(t, ConsentPage{ClientName: `<img src=x>`, Username: `"><b>`, Scopes: []string{"<script>alert(1)</script>"}})
	for _, bad := range []string{"<img src=x>", `"><b>`, "<script>alert"} {
		if strings.Contains(got, bad) {
			t.Errorf("unescaped %q in page:\n%s", bad, got)
		}
	}
}
