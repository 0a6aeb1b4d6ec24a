package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
)

// newUsersWorld is a real SQLite directory, audit log and TOTP store
// behind the API, with the seed services and:
//
//	sys: sam (admin)
//	└── acme: ada (admin), rita (user, in night-shift, which requires
//	    │     TOTP), erin (webshop:read-only, has TOTP), frank (erin's),
//	    │     olga (creators: users:read and users:create), pete (olga's)
//	    └── contoso: cara (admin)
func newUsersWorld(t *testing.T) *apiWorld {
	t.Helper()
	ctx := t.Context()
	st, d := newTree(t)
	for _, svc := range directory.SeedServices {
		if _, _, err := d.PutService(ctx, st, svc); err != nil {
			t.Fatal(err)
		}
	}
	p, err := directory.ParsePermission("users:create")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutGlobalRole(ctx, st, "acme", directory.GlobalRole{Name: "creators", Permissions: []directory.Permission{p}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutGroup(ctx, st, "acme", directory.Group{Name: "night-shift", RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	w := newWorld(d)
	w.addUsers(t,
		directory.NewUser{TenantSlug: "sys", Username: "sam", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser, Groups: []string{"night-shift"}},
		directory.NewUser{TenantSlug: "acme", Username: "erin", TenantRole: directory.TenantRoleUser,
			ServiceRoles: directory.ServiceRoles{"webshop": {"read-only"}}},
		directory.NewUser{TenantSlug: "acme", Username: "frank", TenantRole: directory.TenantRoleUser, Owner: "erin"},
		directory.NewUser{TenantSlug: "acme", Username: "olga", TenantRole: directory.TenantRoleUser, GlobalRoles: []string{"creators"}},
		directory.NewUser{TenantSlug: "contoso", Username: "cara", TenantRole: directory.TenantRoleAdmin},
	)
	olga, err := d.CallerForUser(ctx, w.users["acme/olga"], "", "")
	if err != nil {
		t.Fatal(err)
	}
	pete, err := d.CreateUserFor(ctx, olga, directory.NewUser{TenantSlug: "acme", Username: "pete", TenantRole: directory.TenantRoleUser})
	if err != nil {
		t.Fatal(err)
	}
	w.users["acme/pete"] = pete.ID
	if err := st.PutTOTPCredential(ctx, mfa.Credential{UserID: w.users["acme/erin"], SealedSecret: []byte("sealed"), CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	w.serve(t, st, Config{Credentials: st})
	return w
}

// usernames lists the usernames of a list's users.
func usernames(body map[string]any) []string {
	var out []string
	users, _ := body["users"].([]any)
	for _, u := range users {
		out = append(out, u.(map[string]any)["username"].(string))
	}
	return out
}

func TestUserMFA(t *testing.T) {
	w := newUsersWorld(t)
	for _, tc := range []struct {
		user               string
		enrolled, required bool
	}{
		{"acme/erin", true, false},
		{"acme/rita", false, true}, // night-shift requires TOTP
		{"acme/ada", false, false},
	} {
		status, body := w.do(t, "acme/rita", "GET", "/users/"+w.users[tc.user], "")
		if status != http.StatusOK {
			t.Fatalf("%s: %d %v", tc.user, status, body)
		}
		m, _ := body["mfa"].(map[string]any)
		if m["enrolled"] != tc.enrolled || m["required"] != tc.required {
			t.Errorf("%s: mfa %v, want enrolled %v, required %v", tc.user, body["mfa"], tc.enrolled, tc.required)
		}
	}
	// The list shows it too, and filters on it.
	status, body := w.do(t, "acme/ada", "GET", "/tenants/acme/users", "")
	if status != http.StatusOK || len(usernames(body)) != 6 {
		t.Fatalf("the list: %d %v", status, body)
	}
	for _, u := range body["users"].([]any) {
		u := u.(map[string]any)
		m := u["mfa"].(map[string]any)
		if name := u["username"]; m["enrolled"] != (name == "erin") || m["required"] != (name == "rita") {
			t.Errorf("%s in the list: mfa %v", name, m)
		}
	}
	status, body = w.do(t, "acme/ada", "GET", "/tenants/acme/users?mfa=enrolled", "")
	if status != http.StatusOK || !slices.Equal(usernames(body), []string{"erin"}) {
		t.Fatalf("mfa=enrolled: %d %v", status, body)
	}
	if m := body["users"].([]any)[0].(map[string]any)["mfa"].(map[string]any); m["enrolled"] != true || m["required"] != false {
		t.Errorf("erin in the list: mfa %v", m)
	}
	status, body = w.do(t, "acme/ada", "GET", "/tenants/acme/users?mfa=not_enrolled", "")
	if want := []string{"ada", "frank", "olga", "pete", "rita"}; status != http.StatusOK || !slices.Equal(usernames(body), want) {
		t.Errorf("mfa=not_enrolled: %d %v, want %v", status, usernames(body), want)
	}
	// A user's changes answer with it as well.
	status, body = w.do(t, "acme/ada", "PATCH", "/users/"+w.users["acme/erin"], `{"display_name":"Erin"}`)
	if m, _ := body["mfa"].(map[string]any); status != http.StatusOK || m["enrolled"] != true {
		t.Errorf("PATCH: %d %v", status, body)
	}
}

func TestListUsersQuery(t *testing.T) {
	w := newUsersWorld(t)
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"by username", "", []string{"ada", "erin", "frank", "olga", "pete", "rita"}},
		{"down", "sort=-username", []string{"rita", "pete", "olga", "frank", "erin", "ada"}},
		{"service role", "service_role=webshop:read-only", []string{"erin"}},
		{"service role nobody holds", "service_role=webshop:quotation", nil},
	} {
		status, body := w.do(t, "acme/ada", "GET", "/tenants/acme/users?"+tc.query, "")
		if status != http.StatusOK || !slices.Equal(usernames(body), tc.want) {
			t.Errorf("%s: %d %v, want %v", tc.name, status, usernames(body), tc.want)
		}
	}
	// Every sort, two at a time: each user once, in order.
	for _, sort := range []string{"username", "-username", "created", "-created"} {
		var got []string
		query := url.Values{"sort": {sort}, "limit": {"2"}}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("sort %s: pages never end", sort)
			}
			status, body := w.do(t, "acme/ada", "GET", "/tenants/acme/users?"+query.Encode(), "")
			if status != http.StatusOK {
				t.Fatalf("sort %s: %d %v", sort, status, body)
			}
			got = append(got, usernames(body)...)
			next, _ := body["next_cursor"].(string)
			if next == "" {
				break
			}
			query.Set("cursor", next)
		}
		if len(got) != 6 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 6 {
			t.Errorf("sort %s: %v", sort, got)
		}
		if sort == "created" && (got[0] != "ada" || got[len(got)-1] != "pete") {
			t.Errorf("sort created: %v", got)
		}
		if sort == "-username" && !slices.IsSortedFunc(got, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Errorf("sort -username: %v", got)
		}
	}
	// A cursor of one sort is refused with another.
	_, body := w.do(t, "acme/ada", "GET", "/tenants/acme/users?sort=created&limit=1", "")
	cursor := body["next_cursor"].(string)
	for _, tc := range []struct{ query, field string }{
		{"sort=-created&cursor=" + cursor, "cursor"},
		{"cursor=" + cursor, "cursor"},
		{"cursor=ada", "cursor"},
		{"sort=email", "sort"},
		{"mfa=yes", "mfa"},
		{"service_role=webshop", "service_role"},
		{"limit=0", "limit"},
	} {
		status, body := w.do(t, "acme/ada", "GET", "/tenants/acme/users?"+tc.query, "")
		if status != http.StatusBadRequest || problemField(body) != tc.field {
			t.Errorf("%s: %d %v, want 400 on %s", tc.query, status, body, tc.field)
		}
	}
	if status, _ := w.do(t, "contoso/cara", "GET", "/tenants/acme/users?sort=bad", ""); status != http.StatusNotFound {
		t.Errorf("out of reach: %d", status)
	}
}

func TestCopyRolesAPI(t *testing.T) {
	w := newUsersWorld(t)
	path := func(who string) string { return "/users/" + w.users[who] + "/roles/copy" }
	body := func(from, mode string) string { return `{"from":"` + w.users[from] + `","mode":"` + mode + `"}` }
	for _, tc := range []struct {
		name, who, path, body string
		status                int
		field                 string
	}{
		{"no token", "", path("acme/rita"), body("acme/erin", "merge"), http.StatusUnauthorized, ""},
		{"a reader", "acme/rita", path("acme/pete"), body("acme/erin", "merge"), http.StatusForbidden, ""},
		{"out of reach", "contoso/cara", path("acme/rita"), body("acme/erin", "merge"), http.StatusNotFound, ""},
		{"olga manages only hers", "acme/olga", path("acme/rita"), body("acme/olga", "merge"), http.StatusForbidden, ""},
		{"olga grants nothing she lacks", "acme/olga", path("acme/pete"), body("acme/erin", "merge"), http.StatusUnprocessableEntity, "service_roles"},
		{"a sub-user holds at most what its owner holds", "acme/ada", path("acme/frank"), body("acme/olga", "merge"), http.StatusUnprocessableEntity, "global_roles"},
		{"a source out of reach", "contoso/cara", path("contoso/cara"), body("acme/erin", "merge"), http.StatusUnprocessableEntity, "from"},
		{"a source of another tenant", "acme/ada", path("acme/rita"), body("contoso/cara", "merge"), http.StatusUnprocessableEntity, "from"},
		{"no source", "acme/ada", path("acme/rita"), `{"mode":"merge"}`, http.StatusUnprocessableEntity, "from"},
		{"no mode", "acme/ada", path("acme/rita"), `{"from":"x"}`, http.StatusUnprocessableEntity, "mode"},
		{"an unknown mode", "acme/ada", path("acme/rita"), body("acme/erin", "swap"), http.StatusUnprocessableEntity, "mode"},
		{"a wrong type", "acme/ada", path("acme/rita"), `{"from":1,"mode":"merge"}`, http.StatusBadRequest, "from"},
		{"an unknown field", "acme/ada", path("acme/rita"), `{"from":"x","mode":"merge","roles":[]}`, http.StatusBadRequest, "roles"},
		{"olga copies her own onto hers", "acme/olga", path("acme/pete"), body("acme/olga", "merge"), http.StatusOK, ""},
		{"merge", "acme/ada", path("acme/rita"), body("acme/erin", "merge"), http.StatusOK, ""},
		{"merge again changes nothing", "acme/ada", path("acme/rita"), body("acme/erin", "merge"), http.StatusOK, ""},
		{"replace", "acme/ada", path("acme/rita"), body("acme/olga", "replace"), http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := w.stepAudited(t, apiStep{tc.name, tc.who, "POST", tc.path, tc.body, tc.status, tc.field},
				tc.status == http.StatusOK && tc.name != "merge again changes nothing")
			switch tc.name {
			case "merge":
				e := w.lastEvent(t)
				if e.Action != "user.roles_copied" || e.Target != w.users["acme/rita"] || e.Details["from"] != "erin" ||
					e.Details["from_id"] != w.users["acme/erin"] || e.Details["mode"] != "merge" ||
					e.Details["service_roles"] != " → webshop:read-only" || e.Details["address"] == "" {
					t.Errorf("event %+v", e)
				}
				if groups, _ := got["groups"].([]any); len(groups) != 1 || groups[0] != "night-shift" {
					t.Errorf("merged groups %v", got["groups"])
				}
			case "replace":
				e := w.lastEvent(t)
				if e.Details["mode"] != "replace" || e.Details["global_roles"] != " → creators" ||
					e.Details["groups"] != "night-shift → " || e.Details["service_roles"] != "webshop:read-only → " {
					t.Errorf("event %+v", e)
				}
				if m, _ := got["mfa"].(map[string]any); m["required"] != false {
					t.Errorf("rita out of night-shift: mfa %v", got["mfa"])
				}
			}
		})
	}
}

func TestSetOwnerAPI(t *testing.T) {
	w := newUsersWorld(t)
	path := func(who string) string { return "/users/" + w.users[who] + "/owner" }
	owner := func(who string) string { return `{"owner":"` + w.users[who] + `"}` }
	for _, tc := range []struct {
		name, who, path, body string
		status                int
		field                 string
	}{
		{"a reader", "acme/rita", path("acme/frank"), `{"owner":null}`, http.StatusForbidden, ""},
		{"owning is not enough", "acme/olga", path("acme/pete"), `{"owner":null}`, http.StatusForbidden, ""},
		{"out of reach", "contoso/cara", path("acme/frank"), `{"owner":null}`, http.StatusNotFound, ""},
		{"owner absent", "acme/ada", path("acme/frank"), `{}`, http.StatusUnprocessableEntity, "owner"},
		{"owner empty", "acme/ada", path("acme/frank"), `{"owner":""}`, http.StatusUnprocessableEntity, "owner"},
		{"owner a number", "acme/ada", path("acme/frank"), `{"owner":7}`, http.StatusBadRequest, "owner"},
		{"an unknown field", "acme/ada", path("acme/frank"), `{"owner":null,"by":"x"}`, http.StatusBadRequest, "by"},
		{"an owner of another tenant", "acme/ada", path("acme/frank"), owner("contoso/cara"), http.StatusUnprocessableEntity, "owner"},
		{"a cycle", "acme/ada", path("acme/erin"), owner("acme/frank"), http.StatusUnprocessableEntity, "owner"},
		{"itself", "acme/ada", path("acme/frank"), owner("acme/frank"), http.StatusUnprocessableEntity, "owner"},
		{"more than the owner holds", "acme/ada", path("acme/erin"), owner("acme/rita"), http.StatusUnprocessableEntity, "owner"},
		{"set", "acme/ada", path("acme/frank"), owner("acme/ada"), http.StatusOK, ""},
		{"the same", "acme/ada", path("acme/frank"), owner("acme/ada"), http.StatusOK, ""},
		{"clear", "acme/ada", path("acme/frank"), `{"owner":null}`, http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := w.stepAudited(t, apiStep{tc.name, tc.who, "PUT", tc.path, tc.body, tc.status, tc.field},
				tc.status == http.StatusOK && tc.name != "the same")
			switch tc.name {
			case "set":
				e := w.lastEvent(t)
				if e.Action != "user.owner_changed" || e.Target != w.users["acme/frank"] || e.Details["owner"] != "erin → ada" ||
					e.Details["owner_id"] != w.users["acme/erin"]+" → "+w.users["acme/ada"] {
					t.Errorf("event %+v", e)
				}
				if got["owner"] != w.users["acme/ada"] {
					t.Errorf("owner %v", got["owner"])
				}
			case "clear":
				if e := w.lastEvent(t); e.Details["owner"] != "ada → " {
					t.Errorf("event %+v", e)
				}
				if _, ok := got["owner"]; ok {
					t.Errorf("owner %v after clearing", got["owner"])
				}
			}
		})
	}
}

// TestUserProfileFields: phone, job title and office location are set on
// create and on update, checked, audited when they change, and shown.
func TestUserProfileFields(t *testing.T) {
	w := newUsersWorld(t)
	body := w.step(t, apiStep{name: "create", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
		body:   `{"username":"ivy","phone":" +31 (0)20 555-0134 ","job_title":"Field engineer","office_location":"Rotterdam, 3rd floor"}`,
		status: http.StatusCreated})
	for k, v := range map[string]any{"phone": "+31 (0)20 555-0134", "job_title": "Field engineer",
		"office_location": "Rotterdam, 3rd floor", "login_count": 0.0} {
		if body[k] != v {
			t.Errorf("created: %s = %v, want %v", k, body[k], v)
		}
	}
	for _, k := range []string{"last_login_at", "last_login_address", "last_seen_at"} {
		if v, ok := body[k]; ok {
			t.Errorf("created: %s = %v, want it left out before the first login", k, v)
		}
	}
	ivy := "/users/" + body["id"].(string)

	body = w.step(t, apiStep{name: "update", who: "acme/ada", method: "PATCH", path: ivy,
		body: `{"phone":"020 555 0199","office_location":""}`, status: http.StatusOK})
	if body["phone"] != "020 555 0199" || body["job_title"] != "Field engineer" || body["office_location"] != nil {
		t.Errorf("updated: %v", body)
	}
	if _, body = w.do(t, "acme/ada", "GET", ivy, ""); body["phone"] != "020 555 0199" || body["office_location"] != nil {
		t.Errorf("stored: %v", body)
	}
	e := w.lastEvent(t)
	if e.Action != "user.updated" || e.Details["phone"] != "+31 (0)20 555-0134 → 020 555 0199" ||
		e.Details["office_location"] != "Rotterdam, 3rd floor → " || e.Details["job_title"] != "" {
		t.Errorf("audited %s %v", e.Action, e.Details)
	}

	long := strings.Repeat("x", 101)
	for _, st := range []apiStep{
		{name: "create, phone with letters", body: `{"username":"jo","phone":"call me"}`, field: "phone"},
		{name: "create, phone too long", body: `{"username":"jo","phone":"` + strings.Repeat("1", 33) + `"}`, field: "phone"},
		{name: "create, job title on two lines", body: `{"username":"jo","job_title":"a\nb"}`, field: "job_title"},
		{name: "create, office location too long", body: `{"username":"jo","office_location":"` + long + `"}`, field: "office_location"},
		{name: "update, phone with letters", method: "PATCH", path: ivy, body: `{"phone":"+31 ext. 5"}`, field: "phone"},
		{name: "update, job title with a tab", method: "PATCH", path: ivy, body: `{"job_title":"a\tb"}`, field: "job_title"},
		{name: "update, office location too long", method: "PATCH", path: ivy, body: `{"office_location":"` + long + `"}`, field: "office_location"},
	} {
		st.who, st.status = "acme/ada", http.StatusUnprocessableEntity
		if st.method == "" {
			st.method, st.path = "POST", "/tenants/acme/users"
		}
		w.step(t, st)
	}
	// 100 characters are enough, whatever their script.
	w.step(t, apiStep{name: "100 characters", who: "acme/ada", method: "PATCH", path: ivy,
		body: `{"office_location":"` + strings.Repeat("é", 100) + `"}`, status: http.StatusOK})
}

// TestUserLoginStatistics: a user shows its login statistics, one at a
// time and in lists.
func TestUserLoginStatistics(t *testing.T) {
	w := newUsersWorld(t)
	at := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	for i := range 3 {
		if err := w.dir.RecordLogin(t.Context(), w.users["acme/rita"], at.Add(time.Duration(i)*time.Minute), "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]any{"login_count": 3.0, "last_login_at": "2025-03-14T15:11:26.535897Z",
		"last_login_address": "192.0.2.7", "last_seen_at": "2025-03-14T15:11:26.535897Z"}
	status, body := w.do(t, "acme/ada", "GET", "/users/"+w.users["acme/rita"], "")
	if status != http.StatusOK {
		t.Fatalf("GET: %d %v", status, body)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("rita: %s = %v, want %v", k, body[k], v)
		}
	}
	status, body = w.do(t, "acme/ada", "GET", "/tenants/acme/users?q=rita", "")
	if status != http.StatusOK || len(body["users"].([]any)) != 1 {
		t.Fatalf("list: %d %v", status, body)
	}
	listed := body["users"].([]any)[0].(map[string]any)
	for k, v := range want {
		if listed[k] != v {
			t.Errorf("rita in the list: %s = %v, want %v", k, listed[k], v)
		}
	}
	// A change to the user keeps its statistics.
	status, body = w.do(t, "acme/ada", "PATCH", "/users/"+w.users["acme/rita"], `{"display_name":"Rita"}`)
	if status != http.StatusOK || body["login_count"] != 3.0 {
		t.Errorf("PATCH: %d %v", status, body)
	}
	if _, body = w.do(t, "acme/ada", "GET", "/users/"+w.users["acme/rita"], ""); body["login_count"] != 3.0 {
		t.Errorf("after PATCH: %v", body)
	}
}
