// Package keys owns Gatehouse's signing keys and installation secrets.
//
// Private keys never reach storage in clear: they are sealed with AES-256-GCM
// under the key-encryption key (KEK) that the operator supplies in the
// configuration, with the key's id as additional data so that a sealed blob
// cannot be moved to another slot. The Manager loads the keys once, keeps the
// active signer and the public JWKS in memory (the token endpoint signs from
// memory and reads nothing), and creates the first key on the first start.
//
// Rotation (next → active → retired → removed) builds on the same records in
// a later issue; State already carries the life cycle.
package keys
