package directoryfile_test

// accessBadFiles are the bad files about who may do what: resources,
// services, roles, groups, what users and clients hold, owners and links.
func accessBadFiles() []badFile {
	return []badFile{
		{
			name: "new kinds: wrong types",
			file: `version: 1
resources: {name: dashboards}
services:
  - name: things-manager
    roles: editor
tenants:
  - slug: contoso
    name: Contoso
    level: customer
    parent: acme-iot
    settings: [readers]
groups:
  - tenant: contoso
    name: team
    service_roles: [things-manager]
users:
  - tenant: contoso
    username: dave
    service_roles:
      things-manager: editor
      [webshop]: [quotation]
    links: {tenant: fabrikam}
clients:
  - id: m2m
    name: M2M
    type: confidential
    grant_types: [client_credentials]
    services: things-manager
`,
			want: []string{
				`demo.yaml:2:12: resources: must be a list of resources, each starting with -`,
				`demo.yaml:5:12: services[0].roles: must be a list, like [a, b]`,
				`demo.yaml:11:15: tenants[0].settings: must be a mapping of keys to values`,
				`demo.yaml:15:20: groups[0].service_roles: must be a mapping of services to lists of their roles, like {things-manager: [editor]}`,
				`demo.yaml:20:23: users[0].service_roles.things-manager: must be a list, like [a, b]`,
				`demo.yaml:21:7: users[0].service_roles: a key must be the name of a service`,
				`demo.yaml:22:12: users[0].links: must be a list of links, each starting with -`,
				`demo.yaml:28:15: clients[0].services: must be a list, like [a, b]`,
			},
		},
		{
			name: "new kinds: bad names, permissions and levels",
			file: `version: 1
resources:
  - name: Dashboards
    levels: [customer, planet]
services:
  - name: things manager
    roles: [admin, Read Only]
tenants:
  - slug: contoso
    name: Contoso
    level: customer
    parent: acme-iot
    settings:
      user_roles: [Readers]
      mfa: sometimes
roles:
  - tenant: contoso
    name: fleet:operators
    permissions: [inventory:read, inventory, alarms:write]
groups:
  - tenant: Contoso_BV
    name: team
    global_roles: [Fleet]
    service_roles:
      Things: [editor]
      webshop: [read only]
users:
  - tenant: contoso
    username: dave
    groups: [Team]
    owner: Dave
    links:
      - tenant: fabrikam
        role: owner
        global_roles: ["a b"]
      - tenant: -fab-
clients:
  - id: m2m
    name: M2M
    type: confidential
    grant_types: [client_credentials]
    services: [Things]
    global_roles: [fleet ops]
`,
			want: []string{
				`demo.yaml:3:11: resources[0].name: "Dashboards" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:4:24: resources[0].levels[1]: must be one of system, provider, customer, subcustomer`,
				`demo.yaml:6:11: services[0].name: "things manager" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:7:20: services[0].roles[1]: "Read Only" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:14:20: tenants[0].settings.user_roles[0]: "Readers" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:15:12: tenants[0].settings.mfa: must be off, optional or required (leave it out to inherit the parent's)`,
				`demo.yaml:18:11: roles[0].name: "fleet:operators" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:19:35: roles[0].permissions[1]: "inventory" is not a permission: write resource:access, access one of read, change, create, admin`,
				`demo.yaml:19:46: roles[0].permissions[2]: "alarms:write" is not a permission: write resource:access, access one of read, change, create, admin`,
				`demo.yaml:21:13: groups[0].tenant: must be the slug of a tenant`,
				`demo.yaml:23:20: groups[0].global_roles[0]: "Fleet" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:25:7: groups[0].service_roles.Things: "Things" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:26:17: groups[0].service_roles.webshop[0]: "read only" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:30:14: users[0].groups[0]: "Team" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:31:12: users[0].owner: a user cannot own itself`,
				`demo.yaml:34:15: users[0].links[0].role: must be admin or user`,
				`demo.yaml:35:24: users[0].links[0].global_roles[0]: "a b" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:36:17: users[0].links[1].tenant: must be the slug of a tenant`,
				`demo.yaml:42:16: clients[0].services[0]: "Things" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
				`demo.yaml:43:20: clients[0].global_roles[0]: "fleet ops" must be 1-64 lower-case letters, digits or . _ -, starting and ending with a letter or digit`,
			},
		},
		{
			name: "new kinds: duplicates within the file",
			file: `version: 1
resources:
  - name: dashboards
  - name: dashboards
services:
  - name: webshop
    roles: [quotation]
  - name: webshop
    roles: [read-only]
roles:
  - tenant: contoso
    name: fleet-operators
  - tenant: Contoso
    name: fleet-operators
  - tenant: fabrikam
    name: fleet-operators
groups:
  - tenant: contoso
    name: team
  - tenant: contoso
    name: team
users:
  - tenant: acme-iot
    username: sam
    links:
      - tenant: contoso
      - tenant: fabrikam
      - tenant: CONTOSO
        role: admin
`,
			want: []string{
				`demo.yaml:4:11: resources[1].name: resource "dashboards" is already defined at line 3`,
				`demo.yaml:8:11: services[1].name: service "webshop" is already defined at line 6`,
				`demo.yaml:14:11: roles[1].name: role "fleet-operators" in tenant "contoso" is already defined at line 12`,
				`demo.yaml:21:11: groups[1].name: group "team" in tenant "contoso" is already defined at line 19`,
				`demo.yaml:28:17: users[0].links[2].tenant: the link of "sam" to tenant "contoso" is already defined at line 26`,
			},
		},
		{
			name: "unknown roles, groups and services",
			seed: fullFile,
			file: `version: 1
tenants:
  - slug: fabrikam
    name: Fabrikam GmbH
    level: customer
    parent: acme-iot
    settings:
      user_roles: [readers, fleet-viewers]
groups:
  - tenant: contoso
    name: night-shift
    global_roles: [fleet-operators, night-operators]
  - tenant: contoso
    name: day-shift
    service_roles:
      things-manager: [editor, superuser]
users:
  - tenant: contoso
    username: erin
    global_roles: [fleet-viewers]
    groups: [rotterdam-team, night-owls]
  - tenant: contoso
    username: gina
    global_roles: [fleet-viewers, robots]
  - tenant: contoso
    username: frank
    service_roles:
      webshop: [read-only]
      things-creator: [admin]
clients:
  - id: contoso-m2m
    name: Contoso M2M
    type: confidential
    grant_types: [client_credentials]
    tenant: contoso
    services: [things-manager, invoices]
  - id: contoso-robots
    name: Contoso robots
    type: confidential
    grant_types: [client_credentials]
    tenant: contoso
    global_roles: [devices, robots]
`,
			want: []string{
				`demo.yaml:8:29: tenants[0].settings.user_roles[1]: tenant "fabrikam" has no global role "fleet-viewers"`,
				`demo.yaml:12:37: groups[0].global_roles[1]: tenant "contoso" has no global role "night-operators"`,
				`demo.yaml:16:32: groups[1].service_roles.things-manager[1]: service "things-manager" has no role "superuser" (it has admin, editor, read-only)`,
				`demo.yaml:21:30: users[0].groups[1]: tenant "contoso" has no group "night-owls"`,
				`demo.yaml:24:35: users[1].global_roles[1]: tenant "contoso" has no global role "robots"`,
				`demo.yaml:29:7: users[2].service_roles.things-creator: there is no service "things-creator"`,
				`demo.yaml:36:32: clients[0].services[1]: there is no service "invoices"`,
				`demo.yaml:42:29: clients[1].global_roles[1]: tenant "contoso" has no global role "robots"`,
			},
		},
		{
			name: "permissions",
			seed: fullFile,
			file: `version: 1
roles:
  - tenant: contoso
    name: dashboard-editors
    permissions: [dashboards:admin, reports:read]
  - tenant: contoso
    name: helpdesk
    permissions: [users:read, support:read]
  - tenant: acme-iot
    name: dashboard-viewers
    permissions: [dashboards:read]
  - tenant: contoso
    name: admins
    description: Everything
    permissions: [users:read]
`,
			want: []string{
				`demo.yaml:5:37: roles[0].permissions[1]: "reports:read": there is no resource "reports" in the catalog`,
				`demo.yaml:8:31: roles[1].permissions[1]: "support:read": resource "support" does not apply to a customer tenant`,
				`demo.yaml:11:19: roles[2].permissions[0]: "dashboards:read": resource "dashboards" does not apply to a provider tenant`,
				`demo.yaml:15:18: roles[3].permissions: the admins role holds every permission; its permissions cannot be listed or reduced`,
			},
		},
		{
			name: "granting more than the owner holds",
			seed: fullFile,
			file: `version: 1
users:
  - tenant: contoso
    username: erin
    owner: dave
    global_roles: [fleet-viewers, devices]
  - tenant: contoso
    username: frank
    owner: dave
    service_roles:
      things-manager: [read-only, admin]
  - tenant: contoso
    username: gina
    owner: dave
    role: admin
  - tenant: contoso
    username: hugo
    owner: dave
    groups: [administrators]
  - tenant: contoso
    username: ivy
    owner: nobody
`,
			want: []string{
				`demo.yaml:6:35: users[0].global_roles[1]: owner "dave": cannot grant "devices": it includes inventory:create, which you do not hold (a sub-user holds at most what its owner holds)`,
				`demo.yaml:11:35: users[1].service_roles.things-manager[1]: owner "dave": cannot grant service role things-manager:admin, which you do not hold (a sub-user holds at most what its owner holds)`,
				`demo.yaml:15:11: users[2].role: owner "dave": cannot make anyone an administrator without being one (a sub-user holds at most what its owner holds)`,
				`demo.yaml:19:14: users[3].groups[0]: owner "dave": cannot add anyone to "administrators" without being an administrator (a sub-user holds at most what its owner holds)`,
				`demo.yaml:22:12: users[4].owner: tenant "contoso" has no user "nobody"`,
			},
		},
		{
			name: "owners in a cycle",
			seed: baseFile,
			file: `version: 1
users:
  - tenant: contoso
    username: ann
    owner: ben
  - tenant: contoso
    username: dan
    owner: ann
  - tenant: contoso
    username: ben
    owner: cid
  - tenant: contoso
    username: cid
    owner: ann
`,
			want: []string{
				`demo.yaml:5:12: users[0].owner: the owners form a cycle: a user cannot own itself, directly or not`,
				`demo.yaml:11:12: users[2].owner: the owners form a cycle: a user cannot own itself, directly or not`,
				`demo.yaml:14:12: users[3].owner: the owners form a cycle: a user cannot own itself, directly or not`,
			},
		},
		{
			// What is good (a new role, group, user and link; sam's other
			// links changed) is written before the bad links are found, and
			// undone.
			name: "links",
			seed: fullFile,
			file: `version: 1
roles:
  - tenant: fabrikam
    name: night-operators
    permissions: [operations:admin]
groups:
  - tenant: fabrikam
    name: night-shift
    global_roles: [night-operators]
users:
  - tenant: acme-iot
    username: sam
    global_roles: [support-desk]
    links:
      - tenant: acme-iot
      - tenant: fabrikam
        groups: [night-shift, day-shift]
      - tenant: nowhere
      - tenant: contoso
        role: admin
  - tenant: acme-iot
    username: tess
    links:
      - tenant: fabrikam
        groups: [night-shift]
`,
			want: []string{
				`demo.yaml:15:17: users[0].links[0].tenant: "acme-iot" is the home tenant of "sam"; a link is to another tenant`,
				`demo.yaml:17:31: users[0].links[1].groups[1]: tenant "fabrikam" has no group "day-shift"`,
				`demo.yaml:18:17: users[0].links[2].tenant: no tenant "nowhere"`,
			},
		},
		{
			name: "portal clients: default scopes and roles",
			file: `version: 1
clients:
  - id: portal
    name: Portal
    type: confidential
    redirect_uris: [https://portal.example/cb]
    grant_types: [authorization_code]
    scopes: [profile, tenant]
    default_scopes: [tenant, roles]
    global_roles: [readers]
  - id: portal2
    name: Portal 2
    type: public
    redirect_uris: [https://portal.example/cb]
    grant_types: [authorization_code]
    service_roles: {things-manager: [read-only]}
`,
			want: []string{
				`demo.yaml:9:30: clients[0].default_scopes[1]: "roles" is not one of the client's scopes`,
				`demo.yaml:10:19: clients[0].global_roles: only a machine client (client_credentials) holds roles; a portal's tokens carry the person's`,
				`demo.yaml:16:20: clients[1].service_roles: only a machine client (client_credentials) holds roles; a portal's tokens carry the person's`,
			},
		},
		{
			name: "failures skip what depends on them",
			seed: fullFile,
			file: `version: 1
resources:
  - name: users
services:
  - name: things-manager
    roles: [admin, editor]
  - name: invoices
    roles: []
tenants:
  - slug: umbrella
    name: Umbrella
    level: customer
    parent: gatehouse
roles:
  - tenant: umbrella
    name: anything
  - tenant: contoso
    name: broken
    permissions: [nothing:read]
groups:
  - tenant: contoso
    name: broken-team
    global_roles: [broken]
users:
  - tenant: contoso
    username: erin
    service_roles: {things-manager: [admin]}
  - tenant: umbrella
    username: ulla
  - tenant: contoso
    username: frank
    groups: [broken-team]
    links:
      - tenant: umbrella
clients:
  - id: umbrella-m2m
    name: Umbrella M2M
    type: confidential
    grant_types: [client_credentials]
    tenant: umbrella
`,
			want: []string{
				`demo.yaml:3:11: resources[0].name: "users" is a built-in resource and cannot be redefined`,
				`demo.yaml:6:12: services[0].roles: service "things-manager" has role "read-only"; a role, once given, is never removed: users and clients may hold it`,
				`demo.yaml:8:12: services[1].roles: a service needs at least one role`,
				`demo.yaml:12:12: tenants[0].level: a child of system tenant "gatehouse" must be a provider tenant`,
				`demo.yaml:19:19: roles[1].permissions[0]: "nothing:read": there is no resource "nothing" in the catalog`,
			},
		},
	}
}
