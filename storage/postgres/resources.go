package postgres

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Only operator-defined resources are stored; Builtin is not a column, and a
// resource always comes back with it false.
const resourceColumns = `name, description, levels`

// CreateResource stores r; a taken name is ErrConflict.
func (s directoryQueries) CreateResource(ctx context.Context, r directory.Resource) error {
	_, err := s.q.Exec(ctx, `INSERT INTO resources (`+resourceColumns+`) VALUES ($1, $2, $3)`,
		r.Name, r.Description, levelStrings(r.Levels))
	if err != nil {
		return fmt.Errorf("create resource %q: %w", r.Name, dirErr(err))
	}
	return nil
}

// UpdateResource replaces every field of the resource called r.Name.
func (s directoryQueries) UpdateResource(ctx context.Context, r directory.Resource) error {
	tag, err := s.q.Exec(ctx, `UPDATE resources SET description = $2, levels = $3 WHERE name = $1`,
		r.Name, r.Description, levelStrings(r.Levels))
	if err != nil {
		return fmt.Errorf("update resource %q: %w", r.Name, dirErr(err))
	}
	return affectedOne(tag, fmt.Sprintf("update resource %q", r.Name))
}

// ListResources returns the stored resources, by name.
func (s directoryQueries) ListResources(ctx context.Context) ([]directory.Resource, error) {
	rows, err := s.q.Query(ctx, `SELECT `+resourceColumns+` FROM resources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list resources: %w", dirErr(err))
	}
	rs, err := collect(rows, scanResource)
	if err != nil {
		return nil, fmt.Errorf("list resources: %w", dirErr(err))
	}
	return rs, nil
}

func scanResource(sc scanner) (directory.Resource, error) {
	var (
		r   directory.Resource
		lvs []string
	)
	if err := sc.Scan(&r.Name, &r.Description, &lvs); err != nil {
		return directory.Resource{}, err
	}
	r.Levels = levels(lvs)
	return r, nil
}
