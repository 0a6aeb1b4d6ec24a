package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Client consents (directory.ClientConsent) are keyed by user and client,
// the table's primary key. The user's purge and the client's deletion
// remove them by the schema's ON DELETE CASCADE (0014).

// PutClientConsent stores c, replacing the consent of its user and client;
// a missing user or client is ErrNotFound.
func (s directoryQueries) PutClientConsent(ctx context.Context, c directory.ClientConsent) error {
	what := fmt.Sprintf("put consent of user %s to client %q", c.UserID, c.ClientID)
	var e encoder
	scopes := e.list(c.Scopes)
	if e.err != nil {
		return fmt.Errorf("%s: %w", what, e.err)
	}
	_, err := s.q.ExecContext(ctx, `INSERT INTO client_consents (user_id, client_id, scopes, granted_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
		c.UserID, c.ClientID, scopes, encTime(c.GrantedAt))
	if err != nil {
		return fmt.Errorf("%s: %w", what, s.writeErr(ctx, err,
			ref{"user", "users", c.UserID}, ref{"client", "clients", c.ClientID}))
	}
	return nil
}

// ClientConsentOf returns the consent of userID to clientID, or ErrNotFound.
func (s directoryQueries) ClientConsentOf(ctx context.Context, userID, clientID string) (directory.ClientConsent, error) {
	what := fmt.Sprintf("get consent of user %s to client %q", userID, clientID)
	c := directory.ClientConsent{UserID: userID, ClientID: clientID}
	var scopes, granted string
	err := s.q.QueryRowContext(ctx, `SELECT scopes, granted_at FROM client_consents WHERE user_id = ? AND client_id = ?`,
		userID, clientID).Scan(&scopes, &granted)
	if err != nil {
		return directory.ClientConsent{}, fmt.Errorf("%s: %w", what, dirErr(err))
	}
	var d decoder
	c.Scopes, c.GrantedAt = d.list(scopes), d.time(granted)
	if d.err != nil {
		return directory.ClientConsent{}, fmt.Errorf("%s: %w", what, d.err)
	}
	return c, nil
}

// DeleteClientConsentsOf removes every consent of userID.
func (s directoryQueries) DeleteClientConsentsOf(ctx context.Context, userID string) error {
	if _, err := s.q.ExecContext(ctx, `DELETE FROM client_consents WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete consents of user %s: %w", userID, dirErr(err))
	}
	return nil
}
