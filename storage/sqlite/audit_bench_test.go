package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
)

// BenchmarkQueryEventsSubtree reads one page of the audit log of a
// provider whose subtree holds 2,000 customer tenants (and of one of
// them), in a database of 3,003 tenants and 310,000 events: 100 events a
// customer, and 100,000 more for cust-0000, and 10 each for the 1,000 customers
// of another provider. The page is named the old way, by the subtree's ids
// (ids: the list alone; list-tenants: as GET /audit did, listing every
// tenant to pick the subtree's first), and the new, by its top tenant
// (subtree).
//
//	go test -run '^$' -bench QueryEventsSubtree ./storage/sqlite/
func BenchmarkQueryEventsSubtree(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "gatehouse.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	fill := []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at) VALUES
			('t-root', 'root', 'Root', 'system', NULL, '["t-root"]', @created, @created),
			('t-prov', 'prov', 'Provider', 'provider', 't-root', '["t-root","t-prov"]', @created, @created),
			('t-prov2', 'prov2', 'Provider 2', 'provider', 't-root', '["t-root","t-prov2"]', @created, @created)`,
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999)
		INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
		SELECT printf('t-cust-%04d', i), printf('cust-%04d', i), 'Customer', 'customer', 't-prov',
			json_array('t-root', 't-prov', printf('t-cust-%04d', i)), @created, @created FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
		INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
		SELECT printf('t-other-%04d', i), printf('other-%04d', i), 'Customer', 'customer', 't-prov2',
			json_array('t-root', 't-prov2', printf('t-other-%04d', i)), @created, @created FROM n`,
		// Events one second apart, the tenants taking turns: every third
		// is cust-0000's.
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 309999)
		INSERT INTO audit_events (` + eventColumns + `)
		SELECT printf('e-%06d', i), strftime('%Y-%m-%dT%H:%M:%S.000000000Z', '2025-03-14', '-' || i || ' seconds'),
			'user.updated', CASE
				WHEN i >= 300000 THEN printf('t-other-%04d', i % 1000)
				WHEN i % 3 = 0 THEN 't-cust-0000'
				ELSE printf('t-cust-%04d', (i - i / 3 - 1) % 2000) END,
			'u-' || (i % 500), 'someone', 'u-' || (i % 5000), 'someone else', '{}' FROM n`,
	}
	created := sql.Named("created", encTime(time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)))
	for _, q := range fill {
		if _, err := s.db.ExecContext(b.Context(), q, created); err != nil {
			b.Fatal(err)
		}
	}
	var counts []int
	for _, id := range []string{"t-cust-0000", "t-cust-0001", "t-other-0001"} {
		var n int
		if err := s.db.QueryRowContext(b.Context(), `SELECT count(*) FROM audit_events WHERE tenant_id = ?`, id).Scan(&n); err != nil {
			b.Fatal(err)
		}
		counts = append(counts, n)
	}
	if !slices.Equal(counts, []int{100000 + 100, 100, 10}) {
		b.Fatalf("events of cust-0000, cust-0001 and other-0001: %v", counts)
	}
	subtree := func(root string) []string {
		ts, err := s.ListTenants(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		for _, t := range ts {
			if slices.Contains(t.Path, root) {
				ids = append(ids, t.ID)
			}
		}
		return ids
	}
	page := func(b *testing.B, q audit.Query) {
		es, more, err := s.QueryEvents(b.Context(), q)
		if err != nil || len(es) != q.PageSize() || !more {
			b.Fatalf("%d events, more %v, %v", len(es), more, err)
		}
	}
	for _, root := range []string{"t-prov", "t-cust-0000", "t-cust-0001"} {
		ids := subtree(root)
		for _, limit := range []int{50, audit.ListLimit} {
			if root == "t-cust-0001" && limit > 100 {
				continue // it has 100 events
			}
			name := fmt.Sprintf("%s/tenants=%d/limit=%d", root, len(ids), limit)
			b.Run(name+"/ids", func(b *testing.B) {
				for b.Loop() {
					page(b, audit.Query{TenantIDs: ids, Limit: limit})
				}
			})
			b.Run(name+"/list-tenants", func(b *testing.B) {
				for b.Loop() {
					page(b, audit.Query{TenantIDs: subtree(root), Limit: limit})
				}
			})
			b.Run(name+"/subtree", func(b *testing.B) {
				for b.Loop() {
					page(b, audit.Query{Subtree: root, Limit: limit})
				}
			})
		}
	}
}
