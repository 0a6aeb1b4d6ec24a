package postgres

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

const serviceColumns = `name, display_name, roles, created_at, updated_at`

// serviceArgs returns sv's column values in serviceColumns order, name first.
func serviceArgs(sv directory.Service) []any {
	return []any{sv.Name, sv.DisplayName, list(sv.Roles), sv.CreatedAt, sv.UpdatedAt}
}

// CreateService stores sv; a taken name is ErrConflict.
func (s directoryQueries) CreateService(ctx context.Context, sv directory.Service) error {
	_, err := s.q.Exec(ctx, `INSERT INTO services (`+serviceColumns+`) VALUES (`+params(5)+`)`, serviceArgs(sv)...)
	if err != nil {
		return fmt.Errorf("create service %q: %w", sv.Name, dirErr(err))
	}
	return nil
}

// UpdateService replaces every field of the service called sv.Name.
func (s directoryQueries) UpdateService(ctx context.Context, sv directory.Service) error {
	tag, err := s.q.Exec(ctx, `UPDATE services SET display_name = $2, roles = $3, created_at = $4, updated_at = $5
		WHERE name = $1`, serviceArgs(sv)...)
	if err != nil {
		return fmt.Errorf("update service %q: %w", sv.Name, dirErr(err))
	}
	return affectedOne(tag, fmt.Sprintf("update service %q", sv.Name))
}

// ServiceByName returns the service called name, or ErrNotFound.
func (s directoryQueries) ServiceByName(ctx context.Context, name string) (directory.Service, error) {
	sv, err := scanService(s.q.QueryRow(ctx, `SELECT `+serviceColumns+` FROM services WHERE name = $1`, name))
	if err != nil {
		return directory.Service{}, fmt.Errorf("get service %q: %w", name, dirErr(err))
	}
	return sv, nil
}

// ListServices returns every service, by name.
func (s directoryQueries) ListServices(ctx context.Context) ([]directory.Service, error) {
	rows, err := s.q.Query(ctx, `SELECT `+serviceColumns+` FROM services ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", dirErr(err))
	}
	ss, err := collect(rows, scanService)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", dirErr(err))
	}
	return ss, nil
}

func scanService(r scanner) (directory.Service, error) {
	var sv directory.Service
	if err := r.Scan(&sv.Name, &sv.DisplayName, &sv.Roles, &sv.CreatedAt, &sv.UpdatedAt); err != nil {
		return directory.Service{}, err
	}
	return sv, nil
}

// DeleteService deletes the service called name, or answers ErrNotFound.
// Nothing refers to it by a foreign key: the Directory checks that no
// user, link, group or client names it first (directory.DeleteServiceFor).
func (s directoryQueries) DeleteService(ctx context.Context, name string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM services WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("delete service %q: %w", name, dirErr(err))
	}
	return affectedOne(tag, fmt.Sprintf("delete service %q", name))
}
