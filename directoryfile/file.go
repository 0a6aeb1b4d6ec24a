package directoryfile

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Version is the only version of the format there is.
const Version = 1

// File is a parsed directory file. Its entries are as written, apart from
// the defaults Parse fills in (a user's role, a client's auth_method).
type File struct {
	Name    string // the name problems are reported against, usually the path
	Version int
	Tenants []Tenant
	Users   []User
	Clients []Client
}

// Tenant is one entry of tenants.
type Tenant struct {
	Slug   string
	Name   string
	Level  directory.Level
	Parent string // slug; empty for the system tenant
	src    entry
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
	Role              directory.TenantRole
	Password          string
	PasswordHash      string
	Disabled          bool
	src               entry
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
	GrantTypes             []string
	Scopes                 []string
	Tenant                 string // slug; optional
	InsecureSkipPKCE       bool
	AccessTokenLifetime    time.Duration
	IDTokenLifetime        time.Duration
	RefreshTokenLifetime   time.Duration
	src                    entry
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
func Parse(name string, data []byte) (*File, error) {
	p := &parser{problems: problems{file: name}}
	root, ok := p.document(data)
	if !ok {
		return nil, p.err()
	}
	f := &File{Name: name}
	p.mapping("", root, []field{
		{key: "version", required: true, decode: version(&f.Version)},
		{key: "tenants", decode: list("tenants", func(path string, n *yaml.Node) {
			f.Tenants = append(f.Tenants, p.tenant(path, n))
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
	})
	t.src = e
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

func levels() string {
	s := make([]string, len(directory.Levels))
	for i, l := range directory.Levels {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
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
		{key: "role", decode: str(&u.Role)},
		{key: "password", decode: str(&u.Password)},
		{key: "password_hash", decode: str(&u.PasswordHash)},
		{key: "disabled", decode: boolean(&u.Disabled)},
	})
	u.src = e
	if _, set := e.keys["role"]; !set {
		u.Role = directory.TenantRoleUser
	}
	if !ok {
		return u
	}
	// ValidateNewUser stops at the first problem; replacing each bad value
	// with a good one and asking again finds the others.
	nu := u.newUser()
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
		case "role":
			nu.TenantRole = directory.TenantRoleUser
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
		PreferredLanguage: u.PreferredLanguage, TenantRole: u.Role,
		Password: u.Password, PasswordHash: u.PasswordHash, Disabled: u.Disabled,
	}
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
	slugs := map[string]first{}
	for _, t := range f.Tenants {
		s := directory.NormalizeSlug(t.Slug)
		dup(slugs, s, fmt.Sprintf("tenant %q", s), t.src, "slug")
	}
	names, emails := map[string]first{}, map[string]first{}
	for _, u := range f.Users {
		tenant, name := directory.NormalizeSlug(u.Tenant), directory.NormalizeUsername(u.Username)
		dup(names, tenant+"\x00"+name, fmt.Sprintf("user %q in tenant %q", name, tenant), u.src, "username")
		if email := strings.TrimSpace(u.Email); email != "" {
			// The store compares addresses without regard to case.
			dup(emails, tenant+"\x00"+strings.ToLower(email), fmt.Sprintf("email %q in tenant %q", email, tenant), u.src, "email")
		}
	}
	ids := map[string]first{}
	for _, c := range f.Clients {
		dup(ids, c.ID, fmt.Sprintf("client %q", c.ID), c.src, "id")
	}
}
