package directory_test

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// BenchmarkResolve measures role resolution for a user in two groups with
// direct service roles: the work every person's token does after its reads.
func BenchmarkResolve(b *testing.B) {
	bk := book()
	a := directory.Assignment{TenantRole: "user", Groups: []string{"rotterdam-team", "night-shift"},
		GlobalRoles: []string{"dashboard-editors"}, ServiceRoles: directory.ServiceRoles{"invoices": {"viewer"}}}
	b.ReportAllocs()
	for b.Loop() {
		p := bk.Resolve(a)
		_ = p.Permissions.Strings()
	}
}
