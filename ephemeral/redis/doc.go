// Package redis is the ephemeral.Store of production: Redis, shared by every
// Gatehouse node, so that a flow started on one node can finish on another
// and a code is redeemed once even when two nodes race for it.
//
// # The contract on Redis
//
// Each operation is one Redis command per key, atomic on the server:
//
//	Set     SET key value PX ttl
//	SetNX   SET key value NX PX ttl
//	Get     GET key
//	Take    GETDEL key              (Redis 6.2 or later)
//	Delete  DEL key, one per key, pipelined (Cluster refuses DEL across slots)
//	Incr    a Lua script: INCR key, then PEXPIRE key ttl if the key has no ttl
//	TTL     PTTL key
//
// A ttl is rounded up to whole milliseconds, Redis's resolution, so a key
// lives at least as long as asked. Incr is a script so that the counter and
// its ttl appear together: an INCR followed by a separate PEXPIRE would leave
// a counter without ttl, forever, if the node died between the two. The script
// touches one key, so it runs on Redis Cluster too. A key under the prefix
// without a ttl can only have been written by something else; TTL reports it
// as an error rather than hide it as not found.
//
// # Key prefix
//
// Every key is stored as prefix+key (New and Open default the prefix to
// DefaultPrefix, "gatehouse:"), so several installations, or Gatehouse and
// other applications, can share one Redis and one database without reading
// each other's codes and sessions, and an operator can find Gatehouse's keys
// with SCAN MATCH "gatehouse:*". Every installation sharing a Redis needs its
// own prefix; every node of one installation needs the same one. A prefix
// holding a hash tag ({…}) would put every key in one Cluster slot: don't.
//
// # URL forms
//
// Open and NewClient take a URL in one of go-redis's three forms; the scheme
// chooses the topology:
//
//	redis://[[user]:password@]host[:port][/db][?option=value&…]
//	rediss://…                        the same, over TLS
//	unix://[[user]:password@]/path/to/redis.sock[?db=N&…]
//	redis+sentinel://[[user]:password@]sentinel[:port][/db]?master_name=NAME[&addr=sentinel2:port…][&username=U&password=P]
//	rediss+sentinel://…               the same, over TLS
//	redis+cluster://[[user]:password@]node[:port][?addr=node2:port…]
//	rediss+cluster://…                the same, over TLS
//
// The host defaults to localhost, the port to 6379, the database to 0.
// Examples:
//
//	redis://localhost:6379/0
//	redis://:s3cret@redis.internal:6379/2
//	rediss://gatehouse:s3cret@redis.example.com:6380/0
//	unix:///run/redis/redis.sock?db=1
//	redis+sentinel://sentinel-a:26379/0?master_name=mymaster&addr=sentinel-b:26379&addr=sentinel-c:26379&password=s3cret
//	redis+cluster://gatehouse:s3cret@node-a:6379?addr=node-b:6379&addr=node-c:6379
//
// A user name and password in the userinfo authenticate with Redis ACLs
// (Redis 6) or requirepass (user name left empty, as in ":s3cret@"). Special
// characters in a password must be percent-encoded (@ as %40, / as %2F, % as
// %25). For Sentinel, as in go-redis, the userinfo authenticates with the
// Sentinels, and the query parameters username and password with the master:
// a Redis behind unauthenticated Sentinels is
// redis+sentinel://sentinel-a:26379/0?master_name=mymaster&password=s3cret.
// RedactURL hides both kinds of password for logs. A Cluster URL names one or
// more seed nodes (a managed "configuration endpoint" alone is enough); the
// client discovers the rest. Redis Cluster has only database 0.
//
// Other query parameters are go-redis's, in snake case: dial_timeout,
// read_timeout, write_timeout (durations such as 500ms, or plain seconds),
// max_retries, pool_size, min_idle_conns, client_name, protocol, and more
// (see go-redis ParseURL, ParseFailoverURL and ParseClusterURL); an unknown
// parameter is an error. rediss:// verifies the server certificate against
// the system roots; skip_verify=true turns that off (single server and
// Sentinel only) and is for laptops, never production. Parameters that send
// reads to replicas (Sentinel route_by_latency, route_randomly, replica_only;
// Cluster read_only, route_by_latency, route_randomly) are refused: a replica
// lags its master, and Gatehouse must read what it just wrote.
//
// # Time and failure
//
// Every operation, Ping included, is bounded by opTimeout (2 s) on top of the
// caller's context, so a Redis that is down or hanging costs a request two
// seconds at most, never a hang. The deadline bounds every dial, socket read
// and write and retry (go-redis's ContextTimeoutEnabled, always on here).
// Within it go-redis's own limits apply, with its defaults unless the URL
// sets them: dial_timeout 5 s, read_timeout and write_timeout 5 s, 3 retries
// of a failed command (10 ms to 1 s apart). Gatehouse lowers go-redis's dial
// attempts per connection from 5 to 1 (dialer_retries, which Sentinel and
// Cluster URLs may set): a failed dial fails the command, which is retried
// anyway, and with Redis down an operation then fails in about 0.1 s rather
// than 1.7 s. A context cancelled before an operation is refused, as the
// memory store does; go-redis does not watch for a cancellation during a
// command (only for deadlines), so that waits for the answer or opTimeout.
//
// A failure to reach Redis or to get an answer in time wraps
// ephemeral.ErrUnavailable, as do the replies of a Redis that cannot serve
// for now (LOADING, READONLY, MASTERDOWN, CLUSTERDOWN, TRYAGAIN, NOREPLICAS,
// BUSY, MISCONF, OOM, max clients reached): the caller answers 503 and the
// user tries again. go-redis retries a command whose connection failed, even
// a write; for this contract a retried write errs on the safe side (a code
// taken twice is lost, not redeemed twice; a counter counts one too many; a
// replay guard refuses a fresh code). The same Store recovers by itself once
// Redis is back: it redials, at most about a second after Redis returns.
//
// Errors never contain keys (some embed secrets such as authorization codes)
// or passwords.
package redis
