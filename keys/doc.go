// Package keys owns Gatehouse's signing keys and installation secrets.
//
// Private keys never reach storage in clear: they are sealed with AES-256-GCM
// under the key-encryption key (KEK) that the operator supplies in the
// configuration, with the key's id as additional data so that a sealed blob
// cannot be moved to another slot. A Sealer may also hold the previous KEK,
// which only opens: that is how the KEK changes without downtime (Rewrap).
//
// # Life cycle
//
// A key is next (scheduled), active (signing), retired (superseded, still
// published) and then removed. None of this is stored: each record carries
// when it is published (PublishAt) and when it starts signing (ActivateAt),
// and Lifecycle derives the rest from all records and the clock: a key
// signs until the next key activates, and stays published until the longest
// token it signed has expired and relying parties' caches have run out.
// Every node holding the same records therefore serves the same JWKS and
// signs with the same key at every moment, however long ago it reloaded.
//
// Maintain brings the records to the schedule under the installation's
// rotation lock (Store.InRotation: a PostgreSQL advisory lock), so that
// exactly one node acts: the first key on the first start, a new key when
// the signing key is due (Config.RotateEvery) or the configured algorithm
// changed, and deleting removed keys. A new key is published only once
// every node has loaded it (twice the reload interval after it is stored),
// and signs only once relying parties have seen it (twice the JWKS max-age
// after that). RotateNow does the same on demand.
//
// The Manager keeps every key that is not removed unsealed in memory and
// signs from memory: the token endpoint reads nothing. Loading checks every
// key (it opens, parses, and matches its public key and algorithm) and
// fails, naming the key, before anything is swapped in: nothing ever signs
// with a half-loaded key set.
package keys
