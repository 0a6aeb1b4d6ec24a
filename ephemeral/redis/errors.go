package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// fail wraps err, the failure of operation op under ctx, for the caller:
//
//   - the caller cancelled: the error wraps context.Canceled and says
//     nothing about Redis;
//   - no answer in time (the operation's or the caller's deadline), no
//     connection, or a Redis that cannot serve for now: the error wraps
//     ephemeral.ErrUnavailable (and the deadline, if one passed);
//   - anything else (a refused command, wrong credentials, a bad
//     certificate) is a fault that retrying will not mend, wrapped as is.
func fail(ctx context.Context, op string, err error) error {
	cerr := ctx.Err()
	switch {
	case errors.Is(cerr, context.Canceled):
		if errors.Is(err, cerr) {
			return fmt.Errorf("ephemeral/redis: %s: %w", op, err)
		}
		return fmt.Errorf("ephemeral/redis: %s: %w: %w", op, cerr, err)
	case cerr != nil && !errors.Is(err, cerr):
		return fmt.Errorf("ephemeral/redis: %s: %w: %w: %w", op, ephemeral.ErrUnavailable, cerr, err)
	case cerr != nil || unavailable(err):
		return fmt.Errorf("ephemeral/redis: %s: %w: %w", op, ephemeral.ErrUnavailable, err)
	default:
		return fmt.Errorf("ephemeral/redis: %s: %w", op, err)
	}
}

// unavailable reports whether err means Redis could not be reached or could
// not serve for now, as opposed to refusing the command.
func unavailable(err error) bool {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, goredis.ErrPoolTimeout),
		errors.Is(err, goredis.ErrPoolExhausted),
		// A Store used after Close, by a request still draining during
		// shutdown: another node can serve it.
		errors.Is(err, goredis.ErrClosed):
		return true
	}
	if !isRedisError(err) {
		return false
	}
	msg := err.Error()
	for _, p := range busyReplies {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// busyReplies are the prefixes of Redis error replies that mean "not now"
// rather than "no": loading a dataset, a replica during failover, no master,
// a cluster slot without a node, a resharding key, too few replicas, a
// script running too long, a failed snapshot blocking writes, full memory
// under noeviction, too many clients.
var busyReplies = []string{
	"LOADING ",
	"READONLY ",
	"MASTERDOWN ",
	"CLUSTERDOWN ",
	"TRYAGAIN ",
	"NOREPLICAS ",
	"BUSY ",
	"MISCONF ",
	"OOM ",
	"ERR max number of clients reached",
}

// isRedisError reports whether err is an error reply from Redis, as opposed
// to a failure to get one.
func isRedisError(err error) bool {
	var rerr goredis.Error
	return errors.As(err, &rerr)
}
