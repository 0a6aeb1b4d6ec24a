package postgres

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

// BenchmarkQueryEventsSubtree is storage/sqlite's, on PostgreSQL: one page
// of the audit log of a provider whose subtree holds 2,000 customer
// tenants (and of one of them), in a database of 3,003 tenants and 310,000
// events, named by the subtree's ids (ids; list-tenants: listing every
// tenant to pick the subtree's first, as GET /audit did) or by its top
// tenant (subtree). The log is vacuumed, as autovacuum keeps an
// append-only table.
//
//	go test -run '^$' -bench QueryEventsSubtree ./storage/postgres/
func BenchmarkQueryEventsSubtree(b *testing.B) {
	s, err := Open(b.Context(), pgtest.FreshSchemaURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	for _, q := range []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at) VALUES
			('t-root', 'root', 'Root', 'system', NULL, '{t-root}', now(), now()),
			('t-prov', 'prov', 'Provider', 'provider', 't-root', '{t-root,t-prov}', now(), now()),
			('t-prov2', 'prov2', 'Provider 2', 'provider', 't-root', '{t-root,t-prov2}', now(), now())`,
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
		SELECT 't-cust-' || lpad(i::text, 4, '0'), 'cust-' || lpad(i::text, 4, '0'), 'Customer', 'customer', 't-prov',
			ARRAY['t-root', 't-prov', 't-cust-' || lpad(i::text, 4, '0')], now(), now() FROM generate_series(0, 1999) AS i`,
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
		SELECT 't-other-' || lpad(i::text, 4, '0'), 'other-' || lpad(i::text, 4, '0'), 'Customer', 'customer', 't-prov2',
			ARRAY['t-root', 't-prov2', 't-other-' || lpad(i::text, 4, '0')], now(), now() FROM generate_series(0, 999) AS i`,
		// Events one second apart, the tenants taking turns: every third
		// is cust-0000's.
		`INSERT INTO audit_events (` + eventColumns + `)
		SELECT 'e-' || lpad(i::text, 6, '0'), timestamptz '2025-03-14' - i * interval '1 second', 'user.updated',
			CASE WHEN i >= 300000 THEN 't-other-' || lpad((i % 1000)::text, 4, '0')
				WHEN i % 3 = 0 THEN 't-cust-0000'
				ELSE 't-cust-' || lpad(((i - i / 3 - 1) % 2000)::text, 4, '0') END,
			'u-' || i % 500, 'someone', 'u-' || i % 5000, 'someone else', '{}' FROM generate_series(0, 309999) AS i`,
		`VACUUM ANALYZE`,
	} {
		if _, err := s.pool.Exec(b.Context(), q); err != nil {
			b.Fatal(err)
		}
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
