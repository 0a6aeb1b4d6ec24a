package redis

import "context"

// OpTimeout is opTimeout, for the external tests.
const OpTimeout = opTimeout

// ServerAddr returns the address of the single server of rawURL, and false
// for a Unix socket, Sentinel or Cluster URL.
func ServerAddr(rawURL string) (string, bool) {
	c, err := parseURL(rawURL)
	if err != nil || c.single == nil || c.single.Network != "tcp" {
		return "", false
	}
	return c.single.Addr, true
}

// OpenVia is Open of a single-server rawURL, connecting to addr instead of
// the server: everything else (credentials, database, TLS server name) is
// rawURL's.
func OpenVia(ctx context.Context, rawURL, addr, prefix string) (*Store, error) {
	c, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	c.single.Addr = addr
	s := New(c.newClient(), prefix)
	s.owned = true
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// CheckCommand is checkCommand.
func (s *Store) CheckCommand(ctx context.Context, command, lack string) error {
	return s.checkCommand(ctx, command, lack)
}
