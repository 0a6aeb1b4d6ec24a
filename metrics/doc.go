// Package metrics is what Gatehouse exports to Prometheus: one Registry
// of its own (never the global default), every name prefixed gatehouse_,
// served in the text exposition format by Metrics.Handler.
//
// What is counted, and where it comes from:
//
//   - HTTP requests and their latency (Middleware), by route pattern as
//     net/http's ServeMux matched it (Request.Pattern), never the raw
//     path: a path is chosen by whoever sends the request, and one label
//     value per path would let anyone grow the registry without bound.
//     The method is one of the standard ones or "other", for the same
//     reason.
//   - Tokens issued (TokenIssued), by grant type and client id, called by
//     the provider after each token response it builds. Client ids are
//     bounded by the clients registered in the directory; a deleted
//     client's series stays until the process restarts.
//   - Logins, TOTP lockouts and support sessions (Audited), derived from
//     the audit events Gatehouse records anyway: every act that matters is
//     audited exactly once, so counting audit actions counts the acts
//     without touching the code that performs them. Only the action, and
//     for a failed login its reason, are read; never who or which tenant.
//   - TOTP failures and throttled requests (TOTPFailed, Throttled), from
//     hooks of the mfa and throttle packages, since neither is audited per
//     attempt.
//   - Signing key age, database and Redis pool statistics, read at scrape
//     time by collectors over functions the caller supplies (SigningKey,
//     DatabasePool, RedisPool): nothing is polled in the background.
//   - The standard Go runtime and process collectors.
//
// No label carries a username, a user id, a tenant id or an address:
// metrics are read by whoever runs the monitoring, not by the tenants'
// administrators, and per-person series would be both a leak and a
// cardinality bomb.
//
// The hot paths (Middleware, TokenIssued) do a map lookup and an atomic
// add per call; the label values they pass are strings the caller
// already holds.
package metrics
