package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params is an argon2id cost.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default is the cost new hashes get.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// ErrMalformedHash is returned for a stored hash that is not an argon2id PHC
// string this package can read.
var ErrMalformedHash = errors.New("password: malformed argon2id hash")

// Hash returns the PHC string of pw under p.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	release := acquire()
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	release()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC string encoded, in constant time
// for a given hash.
func Verify(encoded, pw string) (bool, error) {
	return VerifyContext(context.Background(), encoded, pw)
}

// VerifyContext is Verify for a request: while it waits for its turn
// (SetConcurrency), the end of ctx ends it with ctx.Err().
func VerifyContext(ctx context.Context, encoded, pw string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	release, err := acquireContext(ctx)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	release()
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Valid reports whether encoded is an argon2id PHC string Verify can use;
// imports check hashes with it before storing them.
func Valid(encoded string) bool {
	_, _, _, err := decode(encoded)
	return err == nil
}

// BurnContext spends the same work as verifying a password against a hash
// of cost p and then throws the result away. Logins call it for unknown
// users, so that an unknown username costs as much time as a wrong
// password. While it waits for its turn (SetConcurrency), the end of ctx
// ends it with ctx.Err().
func BurnContext(ctx context.Context, pw string, p Params) error {
	var salt [saltLen]byte
	release, err := acquireContext(ctx)
	if err != nil {
		return err
	}
	defer release()
	argon2.IDKey([]byte(pw), salt[:], p.Time, p.Memory, p.Threads, keyLen)
	return nil
}

func decode(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrMalformedHash
	}
	// Refuse costs that would let a stored hash exhaust the server: at most
	// 1 GiB, 100 passes, 16 lanes; at least the argon2 minimums.
	if p.Memory < 8*uint32(p.Threads) || p.Memory > 1<<20 || p.Time < 1 || p.Time > 100 || p.Threads < 1 || p.Threads > 16 {
		return p, nil, nil, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, ErrMalformedHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}
