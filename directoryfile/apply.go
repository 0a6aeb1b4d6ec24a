package directoryfile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Result counts what Apply changed. Applying a file a second time gives all
// zeros.
type Result struct {
	ResourcesCreated, ResourcesUpdated int
	ServicesCreated, ServicesUpdated   int
	// A tenant whose settings changed counts as updated, unless Apply
	// created it.
	TenantsCreated, TenantsUpdated int
	RolesCreated, RolesUpdated     int
	GroupsCreated, GroupsUpdated   int
	UsersCreated, UsersUpdated     int
	LinksCreated, LinksUpdated     int
	ClientsCreated, ClientsUpdated int
	// GeneratedSecrets maps the id of each confidential client created
	// without a secret in the file to the secret Gatehouse generated for it.
	// Only its hash is stored: this is the one time anyone sees it.
	GeneratedSecrets map[string]string
}

// kindCount is what Apply did to one kind of entry.
type kindCount struct {
	kind             string // plural, as in the file
	created, updated int
}

// counts lists r's counts in the order Apply applies the kinds.
func (r Result) counts() []kindCount {
	return []kindCount{
		{"resources", r.ResourcesCreated, r.ResourcesUpdated},
		{"services", r.ServicesCreated, r.ServicesUpdated},
		{"tenants", r.TenantsCreated, r.TenantsUpdated},
		{"roles", r.RolesCreated, r.RolesUpdated},
		{"groups", r.GroupsCreated, r.GroupsUpdated},
		{"users", r.UsersCreated, r.UsersUpdated},
		{"links", r.LinksCreated, r.LinksUpdated},
		{"clients", r.ClientsCreated, r.ClientsUpdated},
	}
}

// Summary says what Apply did, kind by kind, for people: "tenants 2
// created, 0 updated; users ...".
func (r Result) Summary() string {
	parts := make([]string, 0, 8)
	for _, c := range r.counts() {
		parts = append(parts, fmt.Sprintf("%s %d created, %d updated", c.kind, c.created, c.updated))
	}
	return strings.Join(parts, "; ")
}

// Changed reports whether Apply changed anything.
func (r Result) Changed() bool {
	for _, c := range r.counts() {
		if c.created+c.updated > 0 {
			return true
		}
	}
	return false
}

// LogValue gives the counts and the ids of clients with generated secrets,
// never the secrets.
func (r Result) LogValue() slog.Value {
	ids := make([]string, 0, len(r.GeneratedSecrets))
	for id := range r.GeneratedSecrets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var attrs []slog.Attr
	for _, c := range r.counts() {
		attrs = append(attrs, slog.Int(c.kind+"_created", c.created), slog.Int(c.kind+"_updated", c.updated))
	}
	attrs = append(attrs, slog.Any("generated_secrets_for", ids))
	return slog.GroupValue(attrs...)
}

// Apply brings the directory in line with f: it creates what is missing and
// updates what differs, matching resources and services by name, tenants by
// slug, roles and groups by tenant and name, users by tenant and username,
// links by user and tenant, clients by id. It is idempotent and
// all-or-nothing: everything happens in one transaction, so if any entry
// fails (a rule of the tenant tree, a reference to something missing, a
// sub-user granted more than its owner holds, a uniqueness conflict with
// what is stored) nothing is kept, and the error is an *Error naming the
// entries.
//
// The kinds are applied in the order they depend on each other: resources,
// services, tenants (parents first), roles, groups, tenant settings, users
// (owners first), links, clients. Every entry is checked (each Put
// validates its entry fully before writing it) so that one run reports all
// the problems it can, except that an entry referring to one that failed
// is skipped rather than reported again; the first error from the store
// itself ends the run, since a transaction that saw a failed write may not
// be usable any more.
func (f *File) Apply(ctx context.Context, d *directory.Directory) (Result, error) {
	var res Result
	err := d.Store().InTx(ctx, func(s directory.Store) error {
		res = Result{}
		a := &applier{d: d, s: s, problems: problems{file: f.Name}, failed: map[ref]bool{},
			tenantChange: map[string]directory.Change{}, res: &res}
		for _, step := range []func(context.Context, *File) error{
			a.resources, a.services, a.tenants, a.roles, a.groups, a.settings, a.users, a.links, a.clients,
		} {
			if err := step(ctx, f); err != nil {
				break // errStop: the store failed, and said so in a's problems
			}
		}
		return a.err()
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// applier applies one file inside one transaction.
type applier struct {
	d *directory.Directory
	s directory.Store
	problems
	// failed holds what could not be applied, so that what refers to it is
	// skipped rather than reported again.
	failed map[ref]bool
	// tenantChange holds what PutTenant did to each tenant, by slug.
	tenantChange map[string]directory.Change
	res          *Result
}

// ref names an entity of the directory by its natural key.
type ref struct {
	kind   string // "resource", "service", "tenant", "settings", "role", "group", "user", "link", "client"
	tenant string // slug, for roles, groups and users
	name   string
}

func tenantRef(slug string) ref { return ref{kind: "tenant", name: directory.NormalizeSlug(slug)} }

func userRef(tenant, username string) ref {
	return ref{kind: "user", tenant: directory.NormalizeSlug(tenant), name: directory.NormalizeUsername(username)}
}

// errStop ends a run at the first store error, already recorded.
var errStop = errors.New("stop")

// put records the outcome of applying the entry e, which stands for self:
// on err it records the problem, marks self failed and returns false, with
// errStop if the store itself failed, which ends the run.
func (a *applier) put(e entry, self ref, err error, alias map[string]string) (bool, error) {
	if err == nil {
		return true, nil
	}
	a.failed[self] = true
	var fe *directory.FieldError
	if errors.As(err, &fe) {
		a.fieldError(e, fe, alias)
		return false, nil
	}
	a.list = append(a.list, Problem{
		File: a.file, Line: e.at.Line, Column: e.at.Column, Path: e.path,
		Message: "cannot be stored: " + err.Error(), Err: err,
	})
	return false, errStop
}

// fieldError is parser.fieldError for the applier's problems.
func (a *applier) fieldError(e entry, fe *directory.FieldError, alias map[string]string) {
	p := parser{problems: problems{file: a.file}}
	p.fieldError(e, fe, alias)
	a.list = append(a.list, p.list...)
}

// anyFailed reports whether any of refs failed.
func (a *applier) anyFailed(refs ...ref) bool {
	for _, r := range refs {
		if a.failed[r] {
			return true
		}
	}
	return false
}

// assignmentRefs returns what an assignment in tenant refers to: the
// tenant, its roles and groups, and the services.
func assignmentRefs(tenant string, roles []string, sr directory.ServiceRoles, groups []string) []ref {
	slug := directory.NormalizeSlug(tenant)
	refs := []ref{tenantRef(slug)}
	for _, r := range roles {
		refs = append(refs, ref{kind: "role", tenant: slug, name: r})
	}
	for _, g := range groups {
		refs = append(refs, ref{kind: "group", tenant: slug, name: g})
	}
	for svc := range sr {
		refs = append(refs, ref{kind: "service", name: svc})
	}
	return refs
}

func count(ch directory.Change, created, updated *int) {
	switch ch {
	case directory.Created:
		*created++
	case directory.Updated:
		*updated++
	}
}

// parentsFirst returns the indexes 0..n-1 ordered so that each comes after
// its parent within the file (parent returns an index, or -1 for a parent
// that is not in the file or none). The entries of a cycle are left out and
// each passed to cyclic; those below a cycle are kept, after it, for the
// caller to skip as depending on a failed entry.
func parentsFirst(n int, parent func(i int) int, cyclic func(i int)) []int {
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]int, n)
	order := make([]int, 0, n)
	for i := range n {
		var path []int // i and its ancestors not yet ordered, i first
		j := i
		for j >= 0 && state[j] == unseen {
			state[j] = onPath
			path = append(path, j)
			j = parent(j)
		}
		if j >= 0 && state[j] == onPath { // the walk came back to j: a cycle
			k := slices.Index(path, j)
			for _, c := range path[k:] {
				state[c] = done
				cyclic(c)
			}
			path = path[:k]
		}
		for _, c := range slices.Backward(path) {
			state[c] = done
			order = append(order, c)
		}
	}
	return order
}
