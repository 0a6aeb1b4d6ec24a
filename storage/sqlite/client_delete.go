package sqlite

import (
	"context"
	"fmt"
)

// DeleteClient deletes the client with id, or answers ErrNotFound
// (directory.DeleteClientFor). Nothing refers to a client by foreign key:
// refresh tokens name it, and the token endpoint refuses them once it is
// gone.
func (s directoryQueries) DeleteClient(ctx context.Context, id string) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM clients WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete client %q: %w", id, dirErr(err))
	}
	return affectedOne(res, fmt.Sprintf("delete client %q", id))
}
