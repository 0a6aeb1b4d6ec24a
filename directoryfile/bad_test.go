package directoryfile_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directoryfile"
)

// badFile is a file that must be refused, with the exact problems
// reported. A seeded case runs against a store that already holds what
// seed returns (baseFile or fullFile).
type badFile struct {
	name string
	seed func(*testing.T) string
	file string
	want []string
}

func badFiles() []badFile {
	return append([]badFile{
		{
			name: "yaml syntax",
			file: "version: 1\ntenants:\n  - slug: a\n   name: b\n",
			want: []string{
				`demo.yaml:4: invalid YAML: did not find expected '-' indicator`,
			},
		},
		{
			name: "the account page's client id is reserved",
			file: "version: 1\nclients:\n  - id: gatehouse-account\n    name: Mine\n    type: public\n    grant_types: [authorization_code]\n    redirect_uris: [\"https://x.example/cb\"]\n",
			want: []string{
				`demo.yaml:3:9: clients[0].id: "gatehouse-account" is Gatehouse's own account page client, registered at start; choose another id`,
			},
		},
		{
			name: "tab indentation",
			file: "version: 1\ntenants:\n\t- slug: a\n",
			want: []string{
				`demo.yaml:3: invalid YAML: found character that cannot start any token`,
			},
		},
		{
			name: "empty file",
			file: "",
			want: []string{
				`demo.yaml: the file is empty; it must start with version: 1`,
			},
		},
		{
			name: "two documents",
			file: "version: 1\n---\nversion: 1\n",
			want: []string{
				`demo.yaml:2:1: the file must hold one YAML document, not several`,
			},
		},
		{
			name: "not a mapping",
			file: "- version: 1\n",
			want: []string{
				`demo.yaml:1:1: must be a mapping of keys to values`,
			},
		},
		{
			name: "missing version",
			file: "tenants: []\n",
			want: []string{
				`demo.yaml:1:1: missing field "version"`,
			},
		},
		{
			name: "wrong version",
			file: "version: \"1\"\n",
			want: []string{
				`demo.yaml:1:10: version: must be 1`,
			},
		},
		{
			name: "unknown fields",
			file: `version: 1
tenant: []
users:
  - tenant: acme-iot
    username: alice
    passwrd: alice-password
    colour: blue
`,
			want: []string{
				`demo.yaml:2:1: unknown field "tenant" (did you mean "tenants"?)`,
				`demo.yaml:6:5: users[0]: unknown field "passwrd" (did you mean "password"?)`,
				`demo.yaml:7:5: users[0]: unknown field "colour"`,
			},
		},
		{
			name: "duplicate key",
			file: `version: 1
users:
  - tenant: acme-iot
    username: alice
    username: bob
`,
			want: []string{
				`demo.yaml:5:5: users[0]: duplicate key "username" (first at line 4)`,
			},
		},
		{
			name: "wrong types",
			file: `version: 1
tenants: {slug: a}
users:
  - tenant: [acme-iot]
    username: alice
    email_verified: "yes"
clients:
  - id: c1
    name: C1
    type: confidential
    grant_types: client_credentials
    access_token_lifetime: 10
    scopes: [profile, {email: true}]
`,
			want: []string{
				`demo.yaml:2:10: tenants: must be a list of tenants, each starting with -`,
				`demo.yaml:4:13: users[0].tenant: must be a string`,
				`demo.yaml:6:21: users[0].email_verified: must be true or false`,
				`demo.yaml:11:18: clients[0].grant_types: must be a list, like [a, b]`,
				`demo.yaml:12:28: clients[0].access_token_lifetime: must be a duration like 90s, 10m or 720h`,
				`demo.yaml:13:23: clients[0].scopes[1]: must be a string`,
			},
		},
		{
			name: "missing fields",
			file: `version: 1
tenants:
  - name: No slug
users:
  - username: nobody
clients:
  - id: c1
`,
			want: []string{
				`demo.yaml:3:5: tenants[0]: missing field "slug"`,
				`demo.yaml:3:5: tenants[0]: missing field "level"`,
				`demo.yaml:5:5: users[0]: missing field "tenant"`,
				`demo.yaml:7:5: clients[0]: missing field "name"`,
				`demo.yaml:7:5: clients[0]: missing field "type"`,
				`demo.yaml:7:5: clients[0]: missing field "grant_types"`,
			},
		},
		{
			name: "bad tenant fields",
			file: `version: 1
tenants:
  - slug: Acme_IoT
    name: "  "
    level: planet
    parent: -bad-
`,
			want: []string{
				`demo.yaml:3:11: tenants[0].slug: must be 1-63 lower-case letters, digits or '-', not starting or ending with '-'`,
				`demo.yaml:4:11: tenants[0].name: is required`,
				`demo.yaml:5:12: tenants[0].level: must be one of system, provider, customer, subcustomer`,
				`demo.yaml:6:13: tenants[0].parent: must be the slug of a tenant`,
			},
		},
		{
			name: "bad user fields",
			file: `version: 1
users:
  - tenant: acme-iot
    username: jill$john
    email: not-an-address
    role: superuser
    password: short
`,
			want: []string{
				`demo.yaml:4:15: users[0].username: must not contain '$' or ':'`,
				`demo.yaml:5:12: users[0].email: must be an email address like name@example.com`,
				`demo.yaml:6:11: users[0].role: must be admin or user`,
				`demo.yaml:7:15: users[0].password: must be at least 8 characters`,
			},
		},
		{
			name: "bad user profile fields",
			file: `version: 1
users:
  - tenant: acme-iot
    username: jill
    phone: call me maybe
    job_title: "Engineer\tand more"
    office_location: ` + strings.Repeat("x", 101) + `
  - tenant: acme-iot
    username: john
    phone: [020 555 0134]
    job_title: {title: Engineer}
  - tenant: acme-iot
    username: ann
    phone: "` + strings.Repeat("5", 33) + `"
    office_location: "Rotterdam\nDelft"
`,
			want: []string{
				`demo.yaml:5:12: users[0].phone: must be at most 32 digits, spaces or + - ( ), like +31 20 123 4567`,
				`demo.yaml:6:16: users[0].job_title: must be at most 100 printable characters, on one line`,
				`demo.yaml:7:22: users[0].office_location: must be at most 100 printable characters, on one line`,
				`demo.yaml:10:12: users[1].phone: must be a string`,
				`demo.yaml:11:16: users[1].job_title: must be a string`,
				`demo.yaml:14:12: users[2].phone: must be at most 32 digits, spaces or + - ( ), like +31 20 123 4567`,
				`demo.yaml:15:22: users[2].office_location: must be at most 100 printable characters, on one line`,
			},
		},
		{
			name: "password and hash",
			file: `version: 1
users:
  - tenant: acme-iot
    username: alice
    password: alice-password
    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
`,
			want: []string{
				`demo.yaml:5:15: users[0].password: give either password or password_hash, not both`,
			},
		},
		{
			name: "malformed hash",
			file: `version: 1
users:
  - tenant: acme-iot
    username: alice
    password_hash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
`,
			want: []string{
				`demo.yaml:5:20: users[0].password_hash: must be an argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)`,
			},
		},
		{
			name: "bad clients",
			file: `version: 1
clients:
  - id: portal web
    name: Web portal
    type: confidential
    secret: too-short
    redirect_uris:
      - https://portal.example/callback
      - http://portal.example/callback
      - https://portal.example/cb#frag
    grant_types: [authorization_code]
    id_token_lifetime: 25h
    refresh_token_lifetime: -1h
  - id: spa
    name: SPA
    type: public
    secret: a-public-client-has-no-secret-at-all
    insecure_skip_pkce: true
    redirect_uris: [https://spa.example/callback]
    grant_types: [authorization_code]
  - id: machine
    name: Machine
    type: machine
    grant_types: [client_credentials]
  - id: portal2
    name: Portal 2
    type: confidential
    grant_types: [refresh_token]
`,
			want: []string{
				`demo.yaml:3:9: clients[0].id: must be 1-128 letters, digits or . _ -`,
				`demo.yaml:6:13: clients[0].secret: must be at least 32 characters; better, let Gatehouse generate it`,
				`demo.yaml:9:9: clients[0].redirect_uris[1]: "http://portal.example/callback": plain http is only allowed for localhost, 127.0.0.1 and [::1]`,
				`demo.yaml:10:9: clients[0].redirect_uris[2]: "https://portal.example/cb#frag": must not contain a fragment`,
				`demo.yaml:12:24: clients[0].id_token_lifetime: is at most 24h0m0s: access and ID tokens live at most that long (refresh tokens are for longer)`,
				`demo.yaml:13:29: clients[0].refresh_token_lifetime: must not be negative (0 is the server's default)`,
				`demo.yaml:17:13: clients[1].secret: a public client has no secret`,
				`demo.yaml:18:25: clients[1].insecure_skip_pkce: is only allowed for confidential clients`,
				`demo.yaml:23:11: clients[2].type: must be confidential or public`,
				`demo.yaml:28:18: clients[3].grant_types: refresh_token needs authorization_code`,
			},
		},
		{
			name: "bad login pages",
			file: `version: 1
clients:
  - id: web
    name: Web
    type: confidential
    redirect_uris: [https://web.example/cb]
    initiate_login_uri: http://web.example/login
    grant_types: [authorization_code]
  - id: spa
    name: SPA
    type: public
    redirect_uris: [https://spa.example/cb]
    initiate_login_uri: https://spa.example/login#top
    grant_types: [authorization_code]
  - id: machine
    name: Machine
    type: confidential
    initiate_login_uri: https://machine.example/login
    grant_types: [client_credentials]
`,
			want: []string{
				`demo.yaml:7:25: clients[0].initiate_login_uri: "http://web.example/login": plain http is only allowed for localhost, 127.0.0.1 and [::1]`,
				`demo.yaml:13:25: clients[1].initiate_login_uri: "https://spa.example/login#top": must not contain a fragment`,
				`demo.yaml:18:25: clients[2].initiate_login_uri: only a client that signs people in (authorization_code) has a login page`,
			},
		},
		{
			name: "bad back-channel logout",
			file: `version: 1
clients:
  - id: web
    name: Web
    type: confidential
    redirect_uris: [https://web.example/cb]
    backchannel_logout_uri: http://web.example/bcl
    grant_types: [authorization_code]
  - id: spa
    name: SPA
    type: public
    redirect_uris: [https://spa.example/cb]
    backchannel_logout_session_required: true
    grant_types: [authorization_code]
`,
			want: []string{
				`demo.yaml:7:29: clients[0].backchannel_logout_uri: "http://web.example/bcl": plain http is only allowed for localhost, 127.0.0.1 and [::1]`,
				`demo.yaml:13:42: clients[1].backchannel_logout_session_required: needs a backchannel_logout_uri`,
			},
		},
		{
			name: "a third-party machine client",
			file: `version: 1
clients:
  - id: machine
    name: Machine
    type: confidential
    third_party: true
    grant_types: [client_credentials]
`,
			want: []string{
				`demo.yaml:6:18: clients[0].third_party: only a client that signs people in (authorization_code) asks for their consent`,
			},
		},
		{
			name: "duplicates within the file",
			file: `version: 1
tenants:
  - slug: gatehouse
    name: Gatehouse
    level: system
  - slug: Gatehouse
    name: Gatehouse again
    level: system
users:
  - tenant: gatehouse
    username: admin
    email: admin@gatehouse.example
  - tenant: gatehouse
    username: Admin
  - tenant: gatehouse
    username: root
    email: ADMIN@gatehouse.example
clients:
  - id: m2m
    name: M2M
    type: confidential
    grant_types: [client_credentials]
  - id: m2m
    name: M2M again
    type: confidential
    grant_types: [client_credentials]
`,
			want: []string{
				`demo.yaml:6:11: tenants[1].slug: tenant "gatehouse" is already defined at line 3`,
				`demo.yaml:14:15: users[1].username: user "admin" in tenant "gatehouse" is already defined at line 11`,
				`demo.yaml:17:12: users[2].email: email "ADMIN@gatehouse.example" in tenant "gatehouse" is already defined at line 12`,
				`demo.yaml:23:9: clients[1].id: client "m2m" is already defined at line 19`,
			},
		},
		{
			name: "references and tree rules",
			file: `version: 1
tenants:
  - slug: gatehouse
    name: Gatehouse
    level: system
  - slug: contoso
    name: Contoso
    level: customer
    parent: gatehouse
  - slug: orphan
    name: Orphan
    level: provider
    parent: nowhere
  - slug: provider-without-parent
    name: No parent
    level: provider
  - slug: orphan-child
    name: Child of a refused tenant
    level: customer
    parent: orphan
users:
  - tenant: nowhere
    username: alice
  - tenant: orphan
    username: bob
clients:
  - id: m2m
    name: M2M
    type: confidential
    grant_types: [client_credentials]
    tenant: nowhere
`,
			want: []string{
				`demo.yaml:8:12: tenants[1].level: a child of system tenant "gatehouse" must be a provider tenant`,
				`demo.yaml:13:13: tenants[2].parent: no tenant "nowhere"`,
				`demo.yaml:14:5: tenants[3].parent: is required for a provider tenant`,
				`demo.yaml:22:13: users[0].tenant: no tenant "nowhere"`,
				`demo.yaml:31:13: clients[0].tenant: no tenant "nowhere"`,
			},
		},
		{
			name: "support policies",
			file: `version: 1
tenants:
  - slug: gatehouse
    name: Gatehouse
    level: system
    settings:
      support:
        mode: sometimes
        consent_window: 5m
  - slug: acme-iot
    name: Acme IoT
    level: provider
    parent: gatehouse
    settings:
      support:
        mode: Consent
        require_reason: "yes"
        consent_window: 1y
  - slug: contoso
    name: Contoso
    level: customer
    parent: acme-iot
    settings:
      support:
        consent_window: 721h
        require_reasons: true
  - slug: fabrikam
    name: Fabrikam
    level: customer
    parent: acme-iot
    settings:
      support: consent
  - slug: initech
    name: Initech
    level: customer
    parent: acme-iot
    settings:
      support:
        mode: [consent]
        consent_window: -24h
`,
			want: []string{
				`demo.yaml:8:15: tenants[0].settings.support.mode: must be permission or consent (leave it out to inherit the parent's)`,
				`demo.yaml:9:25: tenants[0].settings.support.consent_window: must be between 1h and 720h (30 days), like 24h; leave it out to inherit the parent's`,
				`demo.yaml:16:15: tenants[1].settings.support.mode: must be permission or consent (leave it out to inherit the parent's)`,
				`demo.yaml:17:25: tenants[1].settings.support.require_reason: must be true or false`,
				`demo.yaml:18:25: tenants[1].settings.support.consent_window: must be a duration like 90s, 10m or 720h`,
				`demo.yaml:25:25: tenants[2].settings.support.consent_window: must be between 1h and 720h (30 days), like 24h; leave it out to inherit the parent's`,
				`demo.yaml:26:9: tenants[2].settings.support: unknown field "require_reasons" (did you mean "require_reason"?)`,
				`demo.yaml:32:16: tenants[3].settings.support: must be a mapping of keys to values`,
				`demo.yaml:39:15: tenants[4].settings.support.mode: must be a string`,
				`demo.yaml:40:25: tenants[4].settings.support.consent_window: must be between 1h and 720h (30 days), like 24h; leave it out to inherit the parent's`,
			},
		},
		{
			name: "parents in a cycle",
			file: `version: 1
tenants:
  - slug: a
    name: A
    level: customer
    parent: b
  - slug: b
    name: B
    level: provider
    parent: a
`,
			want: []string{
				`demo.yaml:6:13: tenants[0].parent: the parents form a cycle: a tenant cannot be its own ancestor`,
				`demo.yaml:10:13: tenants[1].parent: the parents form a cycle: a tenant cannot be its own ancestor`,
			},
		},
		{
			name: "second system tenant",
			seed: baseFile,
			file: `version: 1
tenants:
  - slug: root
    name: Root
    level: system
`,
			want: []string{
				`demo.yaml:5:12: tenants[0].level: there is already a system tenant (gatehouse)`,
			},
		},
		{
			name: "level and parent cannot change",
			seed: baseFile,
			file: `version: 1
tenants:
  - slug: gatehouse
    name: Gatehouse
    level: system
  - slug: acme-iot
    name: Acme IoT
    level: customer
    parent: gatehouse
  - slug: contoso
    name: Contoso
    level: customer
    parent: gatehouse
  - slug: fabrikam
    name: Fabrikam
    level: customer
    parent: acme-iot
`,
			want: []string{
				`demo.yaml:8:12: tenants[1].level: tenant "acme-iot" is a provider tenant; a tenant's level cannot change`,
				`demo.yaml:13:13: tenants[2].parent: tenant "contoso" is below "acme-iot"; a tenant cannot move to another parent`,
			},
		},
	}, accessBadFiles()...)
}

// TestBadFiles checks that each bad file is refused with exactly the
// expected problems, and that the store is left as it was.
func TestBadFiles(t *testing.T) {
	for _, tc := range badFiles() {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := newDirectory(t)
			if tc.seed != nil {
				f, err := directoryfile.Parse("seed.yaml", []byte(tc.seed(t)))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.Apply(t.Context(), d); err != nil {
					t.Fatal(err)
				}
			}
			before := dump(t, d)
			err := parseAndApply(t, d, tc.file)
			if err == nil {
				t.Fatal("accepted a bad file")
			}
			if _, ok := err.(*directoryfile.Error); !ok {
				t.Errorf("error is a %T, want *directoryfile.Error", err)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s\ngo:\n%s", err, strings.Join(tc.want, "\n"), goLines(got))
			}
			if after := dump(t, d); after != before {
				t.Errorf("the store changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// parseAndApply parses file as demo.yaml and applies it if it parses.
func parseAndApply(t *testing.T, d *directory.Directory, file string) error {
	t.Helper()
	f, err := directoryfile.Parse("demo.yaml", []byte(file))
	if err != nil {
		return err
	}
	_, err = f.Apply(t.Context(), d)
	return err
}

// goLines formats problems as Go string literals, to paste into want after
// checking them by eye.
func goLines(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("\t\t\t`" + l + "`,\n")
	}
	return b.String()
}
