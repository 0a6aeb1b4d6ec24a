package provider

import (
	"crypto/sha256"
	"sync"

	"github.com/gatehouse-id/gatehouse/claims"
)

// verifiedTokens remembers the access tokens whose signature this node has
// checked, by the SHA-256 of their exact bytes, with the claims they carry.
// Resource servers introspect the same token on every call a device makes,
// portals call userinfo with it, the administration API sees the same
// operator token on every request: without this each of those pays a
// signature verification (ES256: about 70 µs, as much as the rest of the
// request) for a token already verified a moment ago.
//
// Only the signature and the parse are remembered. Everything that can
// change is still checked on every use by verifyAccessToken: that the key
// is still published (a withdrawn key ends its tokens at once), expiry,
// and revocation; and the callers check the person or the support session
// as before. An entry cannot be reached without the token's exact bytes.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedToken
}

// verifiedToken is what a verification established: the claims, and the
// key that signed them.
type verifiedToken struct {
	at       claims.AccessToken
	kid, alg string
}

// maxVerifiedTokens bounds the memory (a few megabytes at most); beyond it
// the map starts again empty, so a flood of distinct tokens costs what it
// did before, a verification each.
const maxVerifiedTokens = 4096

func (v *verifiedTokens) get(sum [sha256.Size]byte) (verifiedToken, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.m[sum]
	return e, ok
}

func (v *verifiedTokens) put(sum [sha256.Size]byte, e verifiedToken) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerifiedTokens {
		v.m = make(map[[sha256.Size]byte]verifiedToken)
	}
	v.m[sum] = e
}
