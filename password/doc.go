// Package password is what Gatehouse does with the passwords people
// choose: it decides whether to accept one, estimates how strong it is, and
// hashes and verifies it.
//
// # Choosing a password
//
// Policy.Check follows NIST SP 800-63B §5.1.1.2: a minimum length (8
// characters, counted in Unicode code points), a blocklist of common and
// breached passwords shipped in the binary (common.go), and no composition
// rules: no required digit, capital or symbol, since people meet those with
// Password1! and they only annoy. Spaces and any Unicode are allowed, and
// there is an upper bound (MaxLength, 256 characters) only to bound the
// work one request causes. On top of the blocklist, an estimate with zxcvbn
// (Estimate) refuses what a guesser would try early although it is on no
// list: a word and a year, a keyboard walk, the person's own username or
// email. Refusals are *WeakError values whose Reason a form can show.
//
// The estimate (a Strength, very weak … very strong) is stored with the user
// so that the admin user list can show who has a weak password without
// anyone seeing it; a password imported as a hash has StrengthUnknown.
//
// # Hashing
//
// Hash and Verify use argon2id (RFC 9106), in the PHC string format that
// other tools (and operators' migrations) read:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
//
// The default cost is OWASP's minimum for argon2id (19 MiB, 2 passes, 1
// lane): about 22 ms on the project machine
// (shared/notes/performance-anchors.md), so a login's floor is one such
// hash. Only human passwords come here: client secrets are high-entropy and
// use a fast keyed hash (directory.SecretHasher).
package password
