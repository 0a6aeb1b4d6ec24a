package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

const serviceColumns = `name, display_name, roles, created_at, updated_at`

// serviceArgs returns sv's column values in serviceColumns order, name first.
func serviceArgs(sv directory.Service) ([]any, error) {
	var e encoder
	args := []any{sv.Name, sv.DisplayName, e.list(sv.Roles), encTime(sv.CreatedAt), encTime(sv.UpdatedAt)}
	return args, e.err
}

// CreateService stores sv; a taken name is ErrConflict.
func (s directoryQueries) CreateService(ctx context.Context, sv directory.Service) error {
	args, err := serviceArgs(sv)
	if err != nil {
		return fmt.Errorf("create service %q: %w", sv.Name, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO services (`+serviceColumns+`) VALUES (?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("create service %q: %w", sv.Name, dirErr(err))
	}
	return nil
}

// UpdateService replaces every field of the service called sv.Name.
func (s directoryQueries) UpdateService(ctx context.Context, sv directory.Service) error {
	args, err := serviceArgs(sv)
	if err != nil {
		return fmt.Errorf("update service %q: %w", sv.Name, err)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE services SET display_name = ?, roles = ?, created_at = ?, updated_at = ?
		WHERE name = ?`, append(args[1:], sv.Name)...)
	if err != nil {
		return fmt.Errorf("update service %q: %w", sv.Name, dirErr(err))
	}
	return affectedOne(res, fmt.Sprintf("update service %q", sv.Name))
}

// ServiceByName returns the service called name, or ErrNotFound.
func (s directoryQueries) ServiceByName(ctx context.Context, name string) (directory.Service, error) {
	sv, err := scanService(s.q.QueryRowContext(ctx, `SELECT `+serviceColumns+` FROM services WHERE name = ?`, name))
	if err != nil {
		return directory.Service{}, fmt.Errorf("get service %q: %w", name, dirErr(err))
	}
	return sv, nil
}

// ListServices returns every service, by name.
func (s directoryQueries) ListServices(ctx context.Context) ([]directory.Service, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+serviceColumns+` FROM services ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	ss, err := collect(rows, scanService)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	return ss, nil
}

func scanService(r scanner) (directory.Service, error) {
	var (
		sv               directory.Service
		roles            string
		created, updated string
	)
	if err := r.Scan(&sv.Name, &sv.DisplayName, &roles, &created, &updated); err != nil {
		return directory.Service{}, err
	}
	var d decoder
	sv.Roles, sv.CreatedAt, sv.UpdatedAt = d.list(roles), d.time(created), d.time(updated)
	if d.err != nil {
		return directory.Service{}, fmt.Errorf("service %q: %w", sv.Name, d.err)
	}
	return sv, nil
}

// DeleteService deletes the service called name, or answers ErrNotFound.
// Nothing refers to it by a foreign key: the Directory checks that no
// user, link, group or client names it first (directory.DeleteServiceFor).
func (s directoryQueries) DeleteService(ctx context.Context, name string) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM services WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("delete service %q: %w", name, dirErr(err))
	}
	return affectedOne(res, fmt.Sprintf("delete service %q", name))
}
