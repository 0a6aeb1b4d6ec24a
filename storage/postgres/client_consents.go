package postgres

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
	_, err := s.q.Exec(ctx, `INSERT INTO client_consents (user_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
		c.UserID, c.ClientID, list(c.Scopes), c.GrantedAt)
	if err != nil {
		return fmt.Errorf("%s: %w", what, writeErr(err,
			ref{"client_consents_user_id_fkey", "user", c.UserID},
			ref{"client_consents_client_id_fkey", "client", c.ClientID}))
	}
	return nil
}

// ClientConsentOf returns the consent of userID to clientID, or ErrNotFound.
func (s directoryQueries) ClientConsentOf(ctx context.Context, userID, clientID string) (directory.ClientConsent, error) {
	c := directory.ClientConsent{UserID: userID, ClientID: clientID}
	err := s.q.QueryRow(ctx, `SELECT scopes, granted_at FROM client_consents WHERE user_id = $1 AND client_id = $2`,
		userID, clientID).Scan(&c.Scopes, &c.GrantedAt)
	if err != nil {
		return directory.ClientConsent{}, fmt.Errorf("get consent of user %s to client %q: %w", userID, clientID, dirErr(err))
	}
	c.GrantedAt = c.GrantedAt.UTC()
	return c, nil
}

// DeleteClientConsentsOf removes every consent of userID.
func (s directoryQueries) DeleteClientConsentsOf(ctx context.Context, userID string) error {
	if _, err := s.q.Exec(ctx, `DELETE FROM client_consents WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("delete consents of user %s: %w", userID, dirErr(err))
	}
	return nil
}
