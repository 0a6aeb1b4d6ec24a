package templates

import (
	"regexp"
	"strings"
	"testing"
)

func TestDeviceCodePage(t *testing.T) {
	got := render(t, DeviceCodePage{UserCode: "BCDF-GHJK", CSRFToken: "tok-1"})
	for _, want := range []string{
		`<html lang="en">`, `<h1>Connect a device</h1>`,
		`<label for="user_code">`, `id="user_code"`, `aria-describedby="user_code-hint"`, `id="user_code-hint"`,
		`value="BCDF-GHJK"`, `name="csrf_token" value="tok-1"`, `method="post" action="/device"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("device code page lacks %q", want)
		}
	}
	if strings.Contains(got, `role="alert"`) || strings.Count(got, "autofocus") != 1 {
		t.Errorf("device code page without error: alert or autofocus wrong:\n%s", got)
	}
}

// TestDeviceCodePageErrors: each refusal has its own words, tied to the
// field for screen readers.
func TestDeviceCodePageErrors(t *testing.T) {
	for m, want := range map[Message]string{
		MsgDeviceCodeRequired: "Enter the code your device shows.",
		MsgDeviceCodeUnknown:  "That code is not valid",
		MsgTooManyAttempts:    "Too many attempts. Try again in 3 minutes.",
	} {
		got := render(t, DeviceCodePage{Error: m, RetryMinutes: 3})
		for _, w := range []string{want, `id="form-error" role="alert"`, `aria-describedby="user_code-hint form-error"`, `aria-invalid="true"`} {
			if !strings.Contains(got, w) {
				t.Errorf("%s: page lacks %q", m, w)
			}
		}
		ids := map[string]bool{}
		for _, id := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(got, -1) {
			ids[id[1]] = true
		}
		for _, d := range regexp.MustCompile(`aria-describedby="([^"]+)"`).FindAllStringSubmatch(got, -1) {
			for _, id := range strings.Fields(d[1]) {
				if !ids[id] {
					t.Errorf("%s: aria-describedby names missing id %q", m, id)
				}
			}
		}
	}
}

// TestDeviceConfirmPage: the person sees which application asks, the code
// their device should show, and the warning against codes sent by others
// (RFC 8628 §5.4), before anything happens.
func TestDeviceConfirmPage(t *testing.T) {
	got := render(t, DeviceConfirmPage{ClientName: `Field <tool>`, UserCode: "BCDF-GHJK", CSRFToken: "tok-2",
		Scopes: []string{"openid", "offline_access"}})
	for _, want := range []string{
		`<h1>Is this your device?</h1>`, `<strong>Field &lt;tool&gt;</strong> asks to sign in`,
		`<strong>BCDF-GHJK</strong>`, `If someone else gave you this code or link, deny`,
		`<h2 id="device-scopes">`, `<ul aria-labelledby="device-scopes">`, `stay signed in for you`,
		`action="/device/confirm"`, `name="user_code" value="BCDF-GHJK"`, `name="csrf_token" value="tok-2"`,
		`name="answer" value="allow"`, `name="answer" value="deny"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("device confirm page lacks %q", want)
		}
	}
}

func TestDeviceDonePage(t *testing.T) {
	for result, want := range map[string]string{
		DeviceApproved: "You may return to your device", DeviceDenied: "was not given access",
		DeviceFailed: "Start again on your device", "nonsense": "Start again on your device",
	} {
		got := render(t, DeviceDonePage{Result: result})
		if !strings.Contains(got, want) || !strings.Contains(got, `role="status"`) || strings.Count(got, "<h1>") != 1 {
			t.Errorf("result %s: page lacks %q or its heading:\n%s", result, want, got)
		}
	}
}
