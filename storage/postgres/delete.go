package postgres

import (
	"context"
	"fmt"
)

// Deleting global roles and groups, which the administration API does
// (directory.DeleteGlobalRoleFor, DeleteGroupFor) once nothing uses them.
// Users, groups and clients refer to roles and groups by name inside JSON,
// without foreign keys: the Directory checks that none does before it
// deletes.

// DeleteGlobalRole deletes the global role with id, or answers ErrNotFound.
func (s directoryQueries) DeleteGlobalRole(ctx context.Context, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM global_roles WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete global role %s: %w", id, dirErr(err))
	}
	return affectedOne(tag, "delete global role "+id)
}

// DeleteGroup deletes the group with id, or answers ErrNotFound.
func (s directoryQueries) DeleteGroup(ctx context.Context, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM groups WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete group %s: %w", id, dirErr(err))
	}
	return affectedOne(tag, "delete group "+id)
}
