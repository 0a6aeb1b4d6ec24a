package directoryfile

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

// The steps of Apply that set up who acts: users, their links to other
// tenants, and clients.

// users applies the users owners first, so that the owner rule (a sub-user
// holds at most what its owner holds) is checked against what the file
// gives the owner. A user whose owners form a cycle within the file is
// reported and left out.
func (a *applier) users(ctx context.Context, f *File) error {
	index := map[ref]int{}
	for i, u := range f.Users {
		if _, dup := index[userRef(u.Tenant, u.Username)]; !dup {
			index[userRef(u.Tenant, u.Username)] = i
		}
	}
	owner := func(i int) int {
		if j, ok := index[userRef(f.Users[i].Tenant, f.Users[i].Owner)]; ok && f.Users[i].Owner != "" {
			return j
		}
		return -1
	}
	cyclic := func(i int) {
		u := f.Users[i]
		a.add(u.src.pos("owner"), join(u.src.path, "owner"), "the owners form a cycle: a user cannot own itself, directly or not")
		a.failed[userRef(u.Tenant, u.Username)] = true
	}
	for _, i := range parentsFirst(len(f.Users), owner, cyclic) {
		u := f.Users[i]
		self := userRef(u.Tenant, u.Username)
		refs := assignmentRefs(u.Tenant, u.GlobalRoles, u.ServiceRoles, u.Groups)
		if u.Owner != "" {
			refs = append(refs, userRef(u.Tenant, u.Owner))
		}
		if a.anyFailed(refs...) {
			a.failed[self] = true
			continue
		}
		_, ch, err := a.d.PutUser(ctx, a.s, u.newUser())
		if ok, err := a.put(u.src, self, err, nil); !ok {
			if err != nil {
				return err
			}
			continue
		}
		count(ch, &a.res.UsersCreated, &a.res.UsersUpdated)
	}
	return nil
}

func (a *applier) links(ctx context.Context, f *File) error {
	for _, u := range f.Users {
		if a.failed[userRef(u.Tenant, u.Username)] {
			continue
		}
		for _, l := range u.Links {
			if a.anyFailed(assignmentRefs(l.Tenant, l.GlobalRoles, l.ServiceRoles, l.Groups)...) {
				continue
			}
			_, ch, err := a.d.PutLink(ctx, a.s, u.Tenant, u.Username, l.Tenant, l.assignment())
			if ok, err := a.put(l.src, ref{kind: "link"}, err, nil); !ok {
				if err != nil {
					return err
				}
				continue
			}
			count(ch, &a.res.LinksCreated, &a.res.LinksUpdated)
		}
	}
	return nil
}

func (a *applier) clients(ctx context.Context, f *File) error {
	for _, c := range f.Clients {
		refs := assignmentRefs(c.Tenant, c.GlobalRoles, c.ServiceRoles, nil)
		for _, svc := range c.Services {
			refs = append(refs, ref{kind: "service", name: svc})
		}
		if a.anyFailed(refs...) {
			continue
		}
		tenantID, ok, err := a.clientTenant(ctx, c)
		if !ok {
			if err != nil {
				return err
			}
			continue
		}
		_, secret, ch, err := a.d.PutClient(ctx, a.s, c.client(tenantID), c.Secret)
		if ok, err := a.put(c.src, ref{kind: "client"}, err, c.aliases()); !ok {
			if err != nil {
				return err
			}
			continue
		}
		count(ch, &a.res.ClientsCreated, &a.res.ClientsUpdated)
		if secret != "" {
			if a.res.GeneratedSecrets == nil {
				a.res.GeneratedSecrets = map[string]string{}
			}
			a.res.GeneratedSecrets[c.ID] = secret
		}
	}
	return nil
}

// clientTenant returns the id of the tenant c acts in, or "" for none.
func (a *applier) clientTenant(ctx context.Context, c Client) (string, bool, error) {
	if c.Tenant == "" {
		return "", true, nil
	}
	t, err := a.s.TenantBySlug(ctx, directory.NormalizeSlug(c.Tenant))
	if errors.Is(err, directory.ErrNotFound) {
		err = &directory.FieldError{Field: "tenant", Reason: fmt.Sprintf("no tenant %q", c.Tenant)}
	}
	if ok, err := a.put(c.src, ref{kind: "client"}, err, nil); !ok {
		return "", false, err
	}
	return t.ID, true, nil
}
