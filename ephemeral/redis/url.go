package redis

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// clientName names Gatehouse's connections in CLIENT LIST, unless the URL
// sets client_name.
const clientName = "gatehouse"

// dialerRetries replaces go-redis's default of 5 dial attempts per
// connection: a command whose dial fails is retried as a whole anyway
// (max_retries), so five attempts inside each of those only delay the
// answer that Redis is down.
const dialerRetries = 1

// config is a parsed URL: exactly one of its fields is set, by the topology
// the scheme chose.
type config struct {
	single   *goredis.Options
	failover *goredis.FailoverOptions
	cluster  *goredis.ClusterOptions
}

// NewClient returns a go-redis client for rawURL, in one of the forms of the
// package documentation. It does not connect: the first command does. The
// error names the URL's problem without quoting the URL, which may hold a
// password.
func NewClient(rawURL string) (goredis.UniversalClient, error) {
	c, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return c.newClient(), nil
}

func (c *config) newClient() goredis.UniversalClient {
	switch {
	case c.failover != nil:
		return goredis.NewFailoverClient(c.failover)
	case c.cluster != nil:
		return goredis.NewClusterClient(c.cluster)
	default:
		return goredis.NewClient(c.single)
	}
}

// parseURL chooses the topology by scheme and leaves the rest to go-redis's
// parser for it, then checks and completes the options.
func parseURL(rawURL string) (*config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, urlError(describeParseError(err))
	}
	// go-redis's parsers know only redis and rediss; give them the URL with
	// the topology suffix removed. The scheme ends at the first colon.
	var base, mode string
	switch u.Scheme {
	case "redis", "rediss", "unix":
	case "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster":
		base, mode, _ = strings.Cut(u.Scheme, "+")
	case "":
		return nil, urlError("no scheme; want redis://host:6379/0 or another form of the documentation")
	default:
		return nil, urlError(fmt.Sprintf("scheme %q is not one of redis, rediss, unix, redis+sentinel, rediss+sentinel, redis+cluster, rediss+cluster (as in redis://host:6379/0)", u.Scheme))
	}
	rest := rawURL[strings.IndexByte(rawURL, ':'):]
	switch mode {
	case "sentinel":
		o, err := goredis.ParseFailoverURL(base + rest)
		if err != nil {
			return nil, urlError(err.Error())
		}
		if o.MasterName == "" {
			return nil, urlError("a Sentinel URL needs master_name=<the name the Sentinels monitor>")
		}
		if o.RouteByLatency || o.RouteRandomly || o.ReplicaOnly {
			return nil, urlError("route_by_latency, route_randomly and replica_only send reads to replicas, which lag: not supported")
		}
		o.ContextTimeoutEnabled = true
		o.ClientName = cmp.Or(o.ClientName, clientName)
		o.DialerRetries = cmp.Or(o.DialerRetries, dialerRetries)
		return &config{failover: o}, nil
	case "cluster":
		o, err := goredis.ParseClusterURL(base + rest)
		if err != nil {
			return nil, urlError(err.Error())
		}
		if o.ReadOnly || o.RouteByLatency || o.RouteRandomly {
			return nil, urlError("read_only, route_by_latency and route_randomly send reads to replicas, which lag: not supported")
		}
		o.ContextTimeoutEnabled = true
		o.ClientName = cmp.Or(o.ClientName, clientName)
		o.DialerRetries = cmp.Or(o.DialerRetries, dialerRetries)
		return &config{cluster: o}, nil
	}
	o, err := goredis.ParseURL(rawURL)
	if err != nil {
		q := u.Query()
		switch {
		case q.Has("master_name"):
			return nil, urlError(err.Error() + " (a Sentinel URL starts with redis+sentinel://)")
		case q.Has("addr"):
			return nil, urlError(err.Error() + " (a URL with several addresses starts with redis+sentinel:// or redis+cluster://)")
		}
		return nil, urlError(err.Error())
	}
	o.ContextTimeoutEnabled = true
	o.ClientName = cmp.Or(o.ClientName, clientName)
	o.DialerRetries = cmp.Or(o.DialerRetries, dialerRetries)
	return &config{single: o}, nil
}

func urlError(msg string) error {
	return fmt.Errorf("ephemeral/redis: Redis URL: %s", msg)
}

// describeParseError says what is wrong with a URL that net/url refuses,
// without quoting it: url.Parse's errors repeat the whole URL, and their
// detail (an escape, a port) can be a piece of the password, for a password
// with an unencoded "/" or "%" breaks the URL exactly there.
func describeParseError(err error) string {
	const hint = "; percent-encode special characters in the password (@ as %40, / as %2F, % as %25)"
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var esc url.EscapeError
	var host url.InvalidHostError
	switch msg := err.Error(); {
	case errors.As(err, &esc):
		return "invalid %-escape" + hint
	case errors.As(err, &host):
		return "invalid character in host" + hint
	case strings.HasPrefix(msg, "invalid port"):
		return "invalid port" + hint
	case strings.Contains(msg, "invalid userinfo"):
		return "invalid user name or password" + hint
	case strings.Contains(msg, "control character"):
		return "control character in URL"
	case strings.Contains(msg, "missing protocol scheme"):
		return "no scheme; want redis://host:6379/0 or another form of the documentation"
	default:
		return "malformed URL" + hint
	}
}

// RedactURL returns rawURL with its passwords replaced by "xxxxx", for logs
// and error messages: the userinfo's password and, in the Sentinel form, the
// password query parameter. A URL that does not parse is not echoed at all.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable Redis URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// CheckURL reports whether rawURL is a Redis URL Open can use, without
// connecting: gatehouse config check names a malformed one before a start
// would.
func CheckURL(rawURL string) error {
	_, err := parseURL(rawURL)
	return err
}
