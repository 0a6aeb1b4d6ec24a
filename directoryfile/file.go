package directoryfile

import (
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Version is the only version of the format there is.
const Version = 1

// File is a parsed directory file. Its entries are as written, apart from
// the defaults Parse fills in (a user's role, a client's auth_method, a
// tenant's settings).
type File struct {
	Name      string // the name problems are reported against, usually the path
	Version   int
	Resources []Resource
	Services  []Service
	Tenants   []Tenant
	Roles     []Role
	Groups    []Group
	Users     []User
	Clients   []Client
}

// Tenant is one entry of tenants.
type Tenant struct {
	Slug   string
	Name   string
	Level  directory.Level
	Parent string // slug; empty for the system tenant
	// Settings are the tenant's settings; a tenant without any in the file
	// gets those of a new tenant (user_roles [readers]; mfa, support and
	// branding inherited from the parent).
	Settings directory.TenantSettings
	src      entry
	settings entry // the settings mapping; src when the file has none
}

// User is one entry of users. Password and PasswordHash are initial
// credentials, used only when Apply creates the user.
type User struct {
	Tenant            string // slug
	Username          string
	Email             string
	EmailVerified     bool
	GivenName         string
	FamilyName        string
	DisplayName       string
	PreferredLanguage string
	Phone             string
	JobTitle          string
	OfficeLocation    string
	Role              directory.TenantRole
	GlobalRoles       []string
	ServiceRoles      directory.ServiceRoles
	Groups            []string
	Owner             string // username of a user of the same tenant; empty for none
	Password          string
	PasswordHash      string
	Disabled          bool
	Links             []Link
	src               entry
}

// Link is one entry of a user's links: a tenant other than its home that it
// may act in (an external user), and what it holds there.
type Link struct {
	Tenant       string // slug
	Role         directory.TenantRole
	GlobalRoles  []string
	ServiceRoles directory.ServiceRoles
	Groups       []string
	src          entry
}

func (l Link) assignment() directory.Assignment {
	return directory.Assignment{TenantRole: l.Role, GlobalRoles: l.GlobalRoles, ServiceRoles: l.ServiceRoles, Groups: l.Groups}
}

// LogValue leaves out the password and its hash.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant", u.Tenant), slog.String("username", u.Username))
}

// Client is one entry of clients.
type Client struct {
	ID                     string
	Name                   string
	Type                   directory.ClientType
	AuthMethod             directory.AuthMethod
	Secret                 string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	InitiateLoginURI       string // the portal's login page, for people done with an invitation or a reset
	ThirdParty             bool   // an integrator's application: people consent before it gets a code
	JWKS                   string // private_key_jwt: the public key set, as JSON text
	JWKSURI                string // private_key_jwt: where the client publishes its key set instead
	GrantTypes             []string
	Scopes                 []string
	DefaultScopes          []string
	Services               []string
	Tenant                 string // slug; optional
	GlobalRoles            []string
	ServiceRoles           directory.ServiceRoles
	InsecureSkipPKCE       bool
	AccessTokenLifetime    time.Duration
	IDTokenLifetime        time.Duration
	RefreshTokenLifetime   time.Duration
	src                    entry

	// BackchannelLogoutURI receives logout tokens; BackchannelLogoutSessionRequired: the portal needs sid.
	BackchannelLogoutURI             string
	BackchannelLogoutSessionRequired bool
}

// LogValue leaves out the secret.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", c.ID), slog.String("type", string(c.Type)))
}

// Parse reads a directory file. name is what problems are reported against
// (usually the path). Parse checks syntax, shape (known keys of the right
// types) and every rule that needs no store, using package directory's own
// validation; references to tenants and the rules of the tenant tree are
// checked by Apply, which can see what is already stored. An error is an
// *Error listing every problem found.
//
// A tenant's logo is the path of an image file relative to name's folder,
// which Parse reads; a file that names no logo reads nothing.
func Parse(name string, data []byte) (*File, error) {
	p := &parser{problems: problems{file: name}, folder: filepath.Dir(name)}
	defer func() {
		if p.root != nil {
			p.root.Close()
		}
	}()
	root, ok := p.document(data)
	if !ok {
		return nil, p.err()
	}
	f := &File{Name: name}
	p.mapping("", root, []field{
		{key: "version", required: true, decode: version(&f.Version)},
		{key: "resources", decode: list("resources", func(path string, n *yaml.Node) {
			f.Resources = append(f.Resources, p.resource(path, n))
		})},
		{key: "services", decode: list("services", func(path string, n *yaml.Node) {
			f.Services = append(f.Services, p.service(path, n))
		})},
		{key: "tenants", decode: list("tenants", func(path string, n *yaml.Node) {
			f.Tenants = append(f.Tenants, p.tenant(path, n))
		})},
		{key: "roles", decode: list("roles", func(path string, n *yaml.Node) {
			f.Roles = append(f.Roles, p.role(path, n))
		})},
		{key: "groups", decode: list("groups", func(path string, n *yaml.Node) {
			f.Groups = append(f.Groups, p.group(path, n))
		})},
		{key: "users", decode: list("users", func(path string, n *yaml.Node) {
			f.Users = append(f.Users, p.user(path, n))
		})},
		{key: "clients", decode: list("clients", func(path string, n *yaml.Node) {
			f.Clients = append(f.Clients, p.client(path, n))
		})},
	})
	p.duplicates(f)
	if err := p.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func version(dst *int) func(*parser, string, *yaml.Node) bool {
	return func(p *parser, path string, n *yaml.Node) bool {
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(dst) != nil || *dst != Version {
			p.add(posOf(n), path, "must be "+strconv.Itoa(Version))
			return false
		}
		return true
	}
}

func (p *parser) tenant(path string, n *yaml.Node) Tenant {
	var t Tenant
	e, ok := p.mapping(path, n, []field{
		{key: "slug", required: true, decode: str(&t.Slug)},
		{key: "name", required: true, decode: str(&t.Name)},
		{key: "level", required: true, decode: str(&t.Level)},
		{key: "parent", decode: str(&t.Parent)},
		{key: "settings", decode: func(p *parser, path string, n *yaml.Node) bool {
			var ok bool
			t.settings, ok = p.tenantSettings(path, n, &t.Settings)
			return ok
		}},
	})
	t.src = e
	if t.settings.path == "" { // no settings: those of a new tenant
		t.settings, t.Settings = e, directory.TenantSettings{UserRoles: []string{directory.RoleReaders}}
	}
	if !ok {
		return t
	}
	if err := directory.ValidateSlug(directory.NormalizeSlug(t.Slug)); err != nil {
		p.fieldError(e, err, nil)
	}
	if strings.TrimSpace(t.Name) == "" && !e.bad["name"] {
		p.add(e.pos("name"), join(path, "name"), "is required")
	}
	if !t.Level.Valid() && !e.bad["level"] {
		p.add(e.pos("level"), join(path, "level"), "must be one of "+levels())
	}
	if t.Parent != "" && !e.bad["parent"] {
		if err := directory.ValidateSlug(directory.NormalizeSlug(t.Parent)); err != nil {
			p.add(e.pos("parent"), join(path, "parent"), "must be the slug of a tenant")
		}
	}
	return t
}

// tenantSettings decodes a tenant's settings into dst and returns their
// entry, or a zero entry for a null.
func (p *parser) tenantSettings(path string, n *yaml.Node, dst *directory.TenantSettings) (entry, bool) {
	if isNull(resolve(n)) {
		return entry{}, true
	}
	e, ok := p.mapping(path, n, []field{
		{key: "user_roles", decode: strList(&dst.UserRoles)},
		{key: "mfa", decode: str(&dst.MFA)},
		{key: "support", decode: func(p *parser, path string, n *yaml.Node) bool {
			return p.supportPolicy(path, n, &dst.Support)
		}},
		{key: "branding", decode: func(p *parser, path string, n *yaml.Node) bool {
			return p.branding(path, n, &dst.Branding)
		}},
	})
	if !ok {
		return e, false
	}
	if !dst.MFA.Valid() && !e.bad["mfa"] {
		p.add(e.pos("mfa"), join(path, "mfa"), "must be off, optional or required (leave it out to inherit the parent's)")
	}
	if _, set := e.keys["user_roles"]; !set {
		dst.UserRoles = []string{directory.RoleReaders}
	} else if dst.UserRoles == nil {
		dst.UserRoles = []string{} // user_roles: with nothing after it
	}
	p.names(e, "user_roles", dst.UserRoles)
	return e, len(e.bad) == 0
}

// supportPolicy decodes a tenant's support policy into dst; a null is the
// zero policy, which inherits everything from the parent. The rules are
// package directory's (SupportMode.Valid, SupportPolicy.Validate), which
// checks them again when Apply stores the policy; asking them here, field
// by field, lets each problem name its own line.
func (p *parser) supportPolicy(path string, n *yaml.Node, dst *directory.SupportPolicy) bool {
	*dst = directory.SupportPolicy{}
	if isNull(resolve(n)) {
		return true
	}
	e, ok := p.mapping(path, n, []field{
		{key: "mode", decode: str(&dst.Mode)},
		{key: "require_reason", decode: boolean(&dst.RequireReason)},
		{key: "consent_window", decode: duration(&dst.ConsentWindow)},
	})
	if !ok {
		return false
	}
	if !dst.Mode.Valid() && !e.bad["mode"] {
		p.add(e.pos("mode"), join(path, "mode"), "must be permission or consent (leave it out to inherit the parent's)")
		e.bad["mode"] = true
	}
	if (directory.SupportPolicy{ConsentWindow: dst.ConsentWindow}).Validate() != nil && !e.bad["consent_window"] {
		p.add(e.pos("consent_window"), join(path, "consent_window"), fmt.Sprintf(
			"must be between %s and %s (%d days), like 24h; leave it out to inherit the parent's",
			shortDuration(directory.MinConsentWindow), shortDuration(directory.MaxConsentWindow), directory.MaxConsentWindow/(24*time.Hour)))
		e.bad["consent_window"] = true
	}
	return len(e.bad) == 0
}

// shortDuration writes d as a file would: 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (p *parser) user(path string, n *yaml.Node) User {
	var u User
	e, ok := p.mapping(path, n, []field{
		{key: "tenant", required: true, decode: str(&u.Tenant)},
		{key: "username", required: true, decode: str(&u.Username)},
		{key: "email", decode: str(&u.Email)},
		{key: "email_verified", decode: boolean(&u.EmailVerified)},
		{key: "given_name", decode: str(&u.GivenName)},
		{key: "family_name", decode: str(&u.FamilyName)},
		{key: "display_name", decode: str(&u.DisplayName)},
		{key: "preferred_language", decode: str(&u.PreferredLanguage)},
		{key: "phone", decode: str(&u.Phone)},
		{key: "job_title", decode: str(&u.JobTitle)},
		{key: "office_location", decode: str(&u.OfficeLocation)},
		{key: "role", decode: str(&u.Role)},
		{key: "global_roles", decode: strList(&u.GlobalRoles)},
		{key: "service_roles", decode: serviceRoles(&u.ServiceRoles)},
		{key: "groups", decode: strList(&u.Groups)},
		{key: "owner", decode: str(&u.Owner)},
		{key: "password", decode: str(&u.Password)},
		{key: "password_hash", decode: str(&u.PasswordHash)},
		{key: "disabled", decode: boolean(&u.Disabled)},
		{key: "links", decode: list("links", func(path string, n *yaml.Node) {
			u.Links = append(u.Links, p.link(path, n))
		})},
	})
	u.src = e
	if _, set := e.keys["role"]; !set {
		u.Role = directory.TenantRoleUser
	}
	if !ok {
		return u
	}
	// Names are checked here, each at its own line; ValidateNewUser sees
	// only the good ones.
	nu := u.newUser()
	nu.GlobalRoles, nu.ServiceRoles, nu.Groups = p.assignmentNames(e, nu.GlobalRoles, nu.ServiceRoles, nu.Groups)
	// ValidateNewUser stops at the first problem; replacing each bad value
	// with a good one and asking again finds the others.
	reported := map[directory.FieldError]bool{}
	for range 8 {
		fe, ok := asFieldError(directory.ValidateNewUser(nu))
		if !ok || reported[*fe] {
			break
		}
		reported[*fe] = true
		p.fieldError(e, fe, nil)
		switch fe.Field {
		case "username":
			nu.Username = "x"
		case "email":
			nu.Email = ""
		case "phone":
			nu.Phone = ""
		case "job_title":
			nu.JobTitle = ""
		case "office_location":
			nu.OfficeLocation = ""
		case "role":
			nu.TenantRole = directory.TenantRoleUser
		case "owner":
			nu.Owner = ""
		case "password", "password_hash":
			nu.Password, nu.PasswordHash = "", ""
		default:
			return u
		}
	}
	return u
}

func (u User) newUser() directory.NewUser {
	return directory.NewUser{
		TenantSlug: u.Tenant, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified,
		GivenName: u.GivenName, FamilyName: u.FamilyName, DisplayName: u.DisplayName,
		PreferredLanguage: u.PreferredLanguage, Phone: u.Phone, JobTitle: u.JobTitle, OfficeLocation: u.OfficeLocation,
		TenantRole: u.Role, GlobalRoles: u.GlobalRoles, ServiceRoles: u.ServiceRoles, Groups: u.Groups, Owner: u.Owner,
		Password: u.Password, PasswordHash: u.PasswordHash, Disabled: u.Disabled,
	}
}

func (p *parser) link(path string, n *yaml.Node) Link {
	var l Link
	e, ok := p.mapping(path, n, []field{
		{key: "tenant", required: true, decode: str(&l.Tenant)},
		{key: "role", decode: str(&l.Role)},
		{key: "global_roles", decode: strList(&l.GlobalRoles)},
		{key: "service_roles", decode: serviceRoles(&l.ServiceRoles)},
		{key: "groups", decode: strList(&l.Groups)},
	})
	l.src = e
	if _, set := e.keys["role"]; !set {
		l.Role = directory.TenantRoleUser
	}
	if !ok {
		return l
	}
	p.slugRef(e, "tenant", l.Tenant)
	if !l.Role.Valid() && !e.bad["role"] {
		p.add(e.pos("role"), join(path, "role"), "must be admin or user")
	}
	p.assignmentNames(e, l.GlobalRoles, l.ServiceRoles, l.Groups)
	return l
}

// slugRef reports the value of key, a reference to a tenant, if it cannot
// be a slug.
func (p *parser) slugRef(e entry, key, slug string) {
	if e.bad[key] || slug == "" {
		return
	}
	if err := directory.ValidateSlug(directory.NormalizeSlug(slug)); err != nil {
		p.add(e.pos(key), join(e.path, key), "must be the slug of a tenant")
	}
}

// names reports each element of the list at key that is not a valid name
// (of a role, group, service or resource) and returns the others.
func (p *parser) names(e entry, key string, list []string) []string {
	if e.bad[key] {
		return nil
	}
	var good []string
	for i, v := range list {
		if fe, ok := asFieldError(directory.ValidateName(key, v)); ok {
			k := key + "[" + strconv.Itoa(i) + "]"
			p.add(e.pos(k), join(e.path, k), fe.Reason)
			continue
		}
		good = append(good, v)
	}
	return good
}

// assignmentNames checks the names of what an entry grants (global_roles,
// service_roles, groups) and returns the good ones.
func (p *parser) assignmentNames(e entry, roles []string, sr directory.ServiceRoles, groups []string) ([]string, directory.ServiceRoles, []string) {
	roles, groups = p.names(e, "global_roles", roles), p.names(e, "groups", groups)
	if e.bad["service_roles"] || sr == nil {
		return roles, nil, groups
	}
	good := directory.ServiceRoles{}
	for _, svc := range slices.Sorted(maps.Keys(sr)) {
		key := "service_roles." + svc
		if fe, ok := asFieldError(directory.ValidateName("service_roles", svc)); ok {
			p.add(e.pos(key), join(e.path, key), fe.Reason)
			continue
		}
		good[svc] = p.names(e, key, sr[svc])
	}
	return roles, good, groups
}

// duplicates reports entries that share a natural key within the file:
// Apply would otherwise quietly let the later one update the earlier.
func (p *parser) duplicates(f *File) {
	type first struct {
		name string
		line int
	}
	dup := func(seen map[string]first, key, name string, e entry, field string) {
		if prev, ok := seen[key]; ok {
			p.add(e.pos(field), join(e.path, field), fmt.Sprintf("%s is already defined at line %d", name, prev.line))
			return
		}
		seen[key] = first{name, e.pos(field).Line}
	}
	resources := map[string]first{}
	for _, r := range f.Resources {
		dup(resources, r.Name, fmt.Sprintf("resource %q", r.Name), r.src, "name")
	}
	services := map[string]first{}
	for _, s := range f.Services {
		dup(services, s.Name, fmt.Sprintf("service %q", s.Name), s.src, "name")
	}
	slugs := map[string]first{}
	for _, t := range f.Tenants {
		s := directory.NormalizeSlug(t.Slug)
		dup(slugs, s, fmt.Sprintf("tenant %q", s), t.src, "slug")
	}
	roles := map[string]first{}
	for _, r := range f.Roles {
		tenant := directory.NormalizeSlug(r.Tenant)
		dup(roles, tenant+"\x00"+r.Name, fmt.Sprintf("role %q in tenant %q", r.Name, tenant), r.src, "name")
	}
	groups := map[string]first{}
	for _, g := range f.Groups {
		tenant := directory.NormalizeSlug(g.Tenant)
		dup(groups, tenant+"\x00"+g.Name, fmt.Sprintf("group %q in tenant %q", g.Name, tenant), g.src, "name")
	}
	names, emails := map[string]first{}, map[string]first{}
	for _, u := range f.Users {
		tenant, name := directory.NormalizeSlug(u.Tenant), directory.NormalizeUsername(u.Username)
		dup(names, tenant+"\x00"+name, fmt.Sprintf("user %q in tenant %q", name, tenant), u.src, "username")
		if email := strings.TrimSpace(u.Email); email != "" {
			// The store compares addresses without regard to case.
			dup(emails, tenant+"\x00"+strings.ToLower(email), fmt.Sprintf("email %q in tenant %q", email, tenant), u.src, "email")
		}
		links := map[string]first{}
		for _, l := range u.Links {
			to := directory.NormalizeSlug(l.Tenant)
			dup(links, to, fmt.Sprintf("the link of %q to tenant %q", name, to), l.src, "tenant")
		}
	}
	ids := map[string]first{}
	for _, c := range f.Clients {
		dup(ids, c.ID, fmt.Sprintf("client %q", c.ID), c.src, "id")
	}
}
