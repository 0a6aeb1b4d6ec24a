package directoryfile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Result counts what Apply changed. Applying a file a second time gives all
// zeros.
type Result struct {
	TenantsCreated, TenantsUpdated int
	UsersCreated, UsersUpdated     int
	ClientsCreated, ClientsUpdated int
	// GeneratedSecrets maps the id of each confidential client created
	// without a secret in the file to the secret Gatehouse generated for it.
	// Only its hash is stored: this is the one time anyone sees it.
	GeneratedSecrets map[string]string
}

// Changed reports whether Apply changed anything.
func (r Result) Changed() bool {
	return r.TenantsCreated+r.TenantsUpdated+r.UsersCreated+r.UsersUpdated+r.ClientsCreated+r.ClientsUpdated > 0
}

// LogValue gives the counts and the ids of clients with generated secrets,
// never the secrets.
func (r Result) LogValue() slog.Value {
	ids := make([]string, 0, len(r.GeneratedSecrets))
	for id := range r.GeneratedSecrets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slog.GroupValue(
		slog.Int("tenants_created", r.TenantsCreated), slog.Int("tenants_updated", r.TenantsUpdated),
		slog.Int("users_created", r.UsersCreated), slog.Int("users_updated", r.UsersUpdated),
		slog.Int("clients_created", r.ClientsCreated), slog.Int("clients_updated", r.ClientsUpdated),
		slog.Any("generated_secrets_for", ids),
	)
}

// Apply brings the directory in line with f: it creates what is missing and
// updates what differs, matching tenants by slug, users by tenant and
// username, clients by id. It is idempotent and all-or-nothing: everything
// happens in one transaction, so if any entry fails (a rule of the tenant
// tree, a reference to a missing tenant, a uniqueness conflict with what is
// stored) nothing is kept, and the error is an *Error naming the entries.
//
// Every entry is checked (each Put validates its entry fully before writing
// it) so that one run reports all the problems it can; the first error from
// the store itself ends the run, since a transaction that saw a failed write
// may not be usable any more.
func (f *File) Apply(ctx context.Context, d *directory.Directory) (Result, error) {
	var res Result
	err := d.Store().InTx(ctx, func(s directory.Store) error {
		a := &applier{d: d, s: s, problems: problems{file: f.Name}, failed: map[string]bool{}}
		res = Result{}
		if err := a.apply(ctx, f, &res); err != nil {
			return err
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
	// failed holds the slugs of tenants that could not be applied, so that
	// what refers to them is skipped rather than reported again.
	failed map[string]bool
}

// errStop ends a run at the first store error, already recorded.
var errStop = errors.New("stop")

func (a *applier) apply(ctx context.Context, f *File, res *Result) error {
	for _, t := range a.tenantOrder(f.Tenants) {
		slug := directory.NormalizeSlug(t.Slug)
		if a.failed[directory.NormalizeSlug(t.Parent)] {
			a.failed[slug] = true
			continue
		}
		_, ch, err := a.d.PutTenant(ctx, a.s, t.Slug, t.Name, t.Level, t.Parent)
		if err := a.check(t.src, err, nil); err != nil {
			a.failed[slug] = true
			if errors.Is(err, errStop) {
				return a.err()
			}
			continue
		}
		count(ch, &res.TenantsCreated, &res.TenantsUpdated)
	}
	for _, u := range f.Users {
		if a.failed[directory.NormalizeSlug(u.Tenant)] {
			continue
		}
		_, ch, err := a.d.PutUser(ctx, a.s, u.newUser())
		if err := a.check(u.src, err, nil); err != nil {
			if errors.Is(err, errStop) {
				return a.err()
			}
			continue
		}
		count(ch, &res.UsersCreated, &res.UsersUpdated)
	}
	for _, c := range f.Clients {
		tenantID, err := a.clientTenant(ctx, c)
		if err != nil {
			if errors.Is(err, errStop) {
				return a.err()
			}
			continue
		}
		_, secret, ch, err := a.d.PutClient(ctx, a.s, c.client(tenantID), c.Secret)
		if err := a.check(c.src, err, c.lists()); err != nil {
			if errors.Is(err, errStop) {
				return a.err()
			}
			continue
		}
		count(ch, &res.ClientsCreated, &res.ClientsUpdated)
		if secret != "" {
			if res.GeneratedSecrets == nil {
				res.GeneratedSecrets = map[string]string{}
			}
			res.GeneratedSecrets[c.ID] = secret
		}
	}
	return nil
}

// check records err against the entry e and returns it; a store error
// comes back as errStop.
func (a *applier) check(e entry, err error, lists map[string][]string) error {
	if err == nil {
		return nil
	}
	var fe *directory.FieldError
	if errors.As(err, &fe) {
		a.fieldError(e, fe, lists)
		return err
	}
	a.list = append(a.list, Problem{
		File: a.file, Line: e.at.Line, Column: e.at.Column, Path: e.path,
		Message: "cannot be stored: " + err.Error(), Err: err,
	})
	return errStop
}

// fieldError is parser.fieldError for the applier's problems.
func (a *applier) fieldError(e entry, fe *directory.FieldError, lists map[string][]string) {
	p := parser{problems: problems{file: a.file}}
	p.fieldError(e, fe, lists)
	a.list = append(a.list, p.list...)
}

// clientTenant returns the id of the tenant c acts in, or "" for none.
func (a *applier) clientTenant(ctx context.Context, c Client) (string, error) {
	if c.Tenant == "" {
		return "", nil
	}
	slug := directory.NormalizeSlug(c.Tenant)
	if a.failed[slug] {
		return "", errors.New("tenant failed")
	}
	t, err := a.s.TenantBySlug(ctx, slug)
	if errors.Is(err, directory.ErrNotFound) {
		err = &directory.FieldError{Field: "tenant", Reason: fmt.Sprintf("no tenant %q", c.Tenant)}
	}
	if err := a.check(c.src, err, nil); err != nil {
		return "", err
	}
	return t.ID, nil
}

func count(ch directory.Change, created, updated *int) {
	switch ch {
	case directory.Created:
		*created++
	case directory.Updated:
		*updated++
	}
}

// tenantOrder returns the tenants parents first, so that a file may list
// them in any order. A tenant whose parents form a cycle within the file is
// reported and left out.
func (a *applier) tenantOrder(tenants []Tenant) []Tenant {
	index := map[string]int{}
	for i, t := range tenants {
		if _, dup := index[directory.NormalizeSlug(t.Slug)]; !dup {
			index[directory.NormalizeSlug(t.Slug)] = i
		}
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := make([]int, len(tenants))
	order := make([]Tenant, 0, len(tenants))
	var visit func(i int) bool
	visit = func(i int) bool {
		switch state[i] {
		case done:
			return true
		case visiting:
			return false
		}
		state[i] = visiting
		t := tenants[i]
		if j, ok := index[directory.NormalizeSlug(t.Parent)]; ok && t.Parent != "" {
			if !visit(j) {
				state[i] = done
				a.add(t.src.pos("parent"), join(t.src.path, "parent"), "the parents form a cycle: a tenant cannot be its own ancestor")
				a.failed[directory.NormalizeSlug(t.Slug)] = true
				return false
			}
		}
		state[i] = done
		order = append(order, t)
		return true
	}
	for i := range tenants {
		visit(i)
	}
	return order
}
