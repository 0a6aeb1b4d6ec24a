package directory

import (
	"fmt"

	"github.com/gatehouse-id/gatehouse/clientkeys"
)

// maxJWKSURILen bounds a jwks_uri, which the audit log and the fetcher's
// log lines carry.
const maxJWKSURILen = 2000

// validateClientKeys checks the public keys of a private_key_jwt client:
// exactly one of an inline set (public signature keys only, see
// clientkeys.Parse) and a jwks_uri; and that no other client has any.
func validateClientKeys(c *Client) error {
	if c.AuthMethod != AuthPrivateKeyJWT {
		switch {
		case c.JWKS != "":
			return fieldErr("jwks", "only a client that authenticates with private_key_jwt has keys")
		case c.JWKSURI != "":
			return fieldErr("jwks_uri", "only a client that authenticates with private_key_jwt has keys")
		}
		return nil
	}
	switch {
	case c.JWKS == "" && c.JWKSURI == "":
		return fieldErr("jwks", "a private_key_jwt client needs its public keys: a key set (jwks) or where it publishes one (jwks_uri)")
	case c.JWKS != "" && c.JWKSURI != "":
		return fieldErr("jwks_uri", "give either the key set (jwks) or where the client publishes it (jwks_uri), not both")
	case c.JWKS != "":
		if _, err := clientkeys.Parse([]byte(c.JWKS)); err != nil {
			return fieldErr("jwks", "%v", err)
		}
	default:
		if err := validateJWKSURI(c.JWKSURI); err != nil {
			return fieldErr("jwks_uri", "%q: %v", c.JWKSURI, err)
		}
	}
	return nil
}

// validateJWKSURI checks where a client publishes its keys: an https URL
// (plain http only for loopback hosts, as for redirect URIs: a client on a
// developer's machine; the fetcher itself refuses http outside
// development), without a fragment or credentials.
func validateJWKSURI(raw string) error {
	if len(raw) > maxJWKSURILen {
		return fmt.Errorf("must be at most %d bytes", maxJWKSURILen)
	}
	return validateWebURI(raw)
}
