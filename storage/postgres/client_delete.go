package postgres

import (
	"context"
	"fmt"
)

// DeleteClient deletes the client with id, or answers ErrNotFound
// (directory.DeleteClientFor). Nothing refers to a client by foreign key:
// refresh tokens name it, and the token endpoint refuses them once it is
// gone.
func (s directoryQueries) DeleteClient(ctx context.Context, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM clients WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete client %q: %w", id, dirErr(err))
	}
	return affectedOne(tag, fmt.Sprintf("delete client %q", id))
}
