package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDecodeNamesFields: a value of the wrong type is a 400 naming the
// field as the body names it, also when the struct it decodes into embeds
// the body it shares with other requests (encoding/json would put the
// embedded struct's Go name in the path).
func TestDecodeNamesFields(t *testing.T) {
	type nested struct {
		Support struct {
			RequireReason bool `json:"require_reason"`
		} `json:"support"`
	}
	type group struct {
		Name string `json:"name"`
		groupBody
	}
	type user struct {
		Username string `json:"username"`
		profileView
		assignmentView
		Settings nested `json:"settings"`
	}
	for _, tc := range []struct {
		body  string
		v     any
		field string
	}{
		{`{"name":1}`, &group{}, "name"},
		{`{"name":"crew","global_roles":"readers"}`, &group{}, "global_roles"},
		{`{"service_roles":{"webshop":"quotation"}}`, &group{}, "service_roles"},
		{`{"email_verified":"yes"}`, &user{}, "email_verified"},
		{`{"groups":[1]}`, &user{}, "groups"},
		{`{"settings":{"support":{"require_reason":"yes"}}}`, &user{}, "settings.support.require_reason"},
		{`{"description":"x","require_mfa":"yes"}`, &groupBody{}, "require_mfa"},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		err := decode(httptest.NewRecorder(), r, tc.v)
		p, _ := err.(*Problem)
		if p == nil || p.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: %v, want a 400 naming %s", tc.body, err, tc.field)
		}
	}
}
