package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage/internal/stored"
)

// Only operator-defined resources are stored; Builtin is not a column, and a
// resource always comes back with it false.
const resourceColumns = `name, description, levels`

// CreateResource stores r; a taken name is ErrConflict.
func (s directoryQueries) CreateResource(ctx context.Context, r directory.Resource) error {
	levels, err := stored.Encode("levels", r.Levels)
	if err != nil {
		return fmt.Errorf("create resource %q: %w", r.Name, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO resources (`+resourceColumns+`) VALUES (?, ?, ?)`,
		r.Name, r.Description, levels)
	if err != nil {
		return fmt.Errorf("create resource %q: %w", r.Name, dirErr(err))
	}
	return nil
}

// UpdateResource replaces every field of the resource called r.Name.
func (s directoryQueries) UpdateResource(ctx context.Context, r directory.Resource) error {
	levels, err := stored.Encode("levels", r.Levels)
	if err != nil {
		return fmt.Errorf("update resource %q: %w", r.Name, err)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE resources SET description = ?, levels = ? WHERE name = ?`,
		r.Description, levels, r.Name)
	if err != nil {
		return fmt.Errorf("update resource %q: %w", r.Name, dirErr(err))
	}
	return affectedOne(res, fmt.Sprintf("update resource %q", r.Name))
}

// ListResources returns the stored resources, by name.
func (s directoryQueries) ListResources(ctx context.Context) ([]directory.Resource, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+resourceColumns+` FROM resources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list resources: %w", err)
	}
	rs, err := collect(rows, scanResource)
	if err != nil {
		return nil, fmt.Errorf("list resources: %w", err)
	}
	return rs, nil
}

func scanResource(sc scanner) (directory.Resource, error) {
	var (
		r      directory.Resource
		levels string
	)
	if err := sc.Scan(&r.Name, &r.Description, &levels); err != nil {
		return directory.Resource{}, err
	}
	var d decoder
	if r.Levels = d.levels(levels); d.err != nil {
		return directory.Resource{}, fmt.Errorf("resource %q: %w", r.Name, d.err)
	}
	return r, nil
}
