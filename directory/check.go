package directory

import "github.com/gatehouse-id/gatehouse/password"

// checker returns a Directory that runs BuildUser and BuildClient as pure
// checks: it has no store, a throwaway secret key and a trivial password
// cost (argon2id's minimum, 8 KiB and one pass: microseconds). Running the
// builders themselves, rather than restating their rules, keeps the checks
// from drifting away from what creation enforces.
func checker() *Directory {
	return New(nil, NewSecretHasher(nil), Config{PasswordParams: password.Params{Memory: 8, Time: 1, Threads: 1}})
}

// ValidateNewUser checks nu as CreateUser would, apart from the tenant's
// existence, without hashing its password at full cost. It returns the first
// problem found, as a *FieldError.
func ValidateNewUser(nu NewUser) error {
	_, err := checker().BuildUser(Tenant{}, nu)
	return err
}

// ValidateNewClient checks c and secret as CreateClient would: ValidateClient
// plus the rules on the secret (at least 32 characters; none for a public
// client).
func ValidateNewClient(c Client, secret string) error {
	_, _, err := checker().BuildClient(c, secret)
	return err
}
