package redis_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/ephemeral/redis"
	"github.com/gatehouse-id/gatehouse/ephemeral/redis/redistest"
)

// proxy is a TCP proxy in front of the test Redis that a test can take down
// and bring back, so that a Store sees Redis go away and return without
// anyone stopping the shared Redis. While hung, it accepts connections and
// never answers: a Redis that is stuck, or a network that drops packets.
type proxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	hung  bool
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, addr: "127.0.0.1:0", conns: make(map[net.Conn]bool)}
	p.up()
	t.Cleanup(p.down)
	return p
}

// up listens (again, on the same address) and forwards to the target.
func (p *proxy) up() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr, p.hung = ln, ln.Addr().String(), false
	p.mu.Unlock()
	p.wg.Go(func() { p.serve(ln) })
}

// down stops listening and cuts every connection: Redis is gone.
func (p *proxy) down() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// hang cuts every connection and, from now on, accepts new ones but never
// forwards or answers.
func (p *proxy) hang() {
	p.mu.Lock()
	p.hung = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

func (p *proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		hung := p.hung
		p.conns[c] = true
		p.mu.Unlock()
		if hung {
			p.wg.Go(func() { io.Copy(io.Discard, c); p.drop(c) })
			continue
		}
		p.wg.Go(func() { p.forward(c) })
	}
}

func (p *proxy) forward(c net.Conn) {
	defer p.drop(c)
	r, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.conns[r] = true
	p.mu.Unlock()
	defer p.drop(r)
	done := make(chan struct{})
	go func() { io.Copy(r, c); r.Close(); close(done) }()
	io.Copy(c, r)
	c.Close()
	<-done
}

func (p *proxy) drop(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// openThrough returns a Store that reaches the test Redis through a proxy:
// the test URL's options (TLS server name, credentials, database) with the
// proxy's address.
func openThrough(t *testing.T) (*redis.Store, *proxy) {
	url := redistest.URL(t)
	target, ok := redis.ServerAddr(url)
	if !ok {
		t.Skipf("%s is not a single-server TCP URL; the proxy needs one", redistest.EnvURL)
	}
	p := startProxy(t, target)
	s, err := redis.OpenVia(t.Context(), url, p.addr, redistest.Prefix(t, url))
	if err != nil {
		t.Fatalf("Open through the proxy: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, p
}

// ops are the Store's operations, on a key that is a secret.
func ops(s *redis.Store) map[string]func(context.Context) error {
	const key = "secret-code-1234"
	return map[string]func(context.Context) error{
		"Set":    func(ctx context.Context) error { return s.Set(ctx, key, []byte("v"), time.Minute) },
		"SetNX":  func(ctx context.Context) error { _, err := s.SetNX(ctx, key, []byte("v"), time.Minute); return err },
		"Get":    func(ctx context.Context) error { _, err := s.Get(ctx, key); return err },
		"Take":   func(ctx context.Context) error { _, err := s.Take(ctx, key); return err },
		"Delete": func(ctx context.Context) error { return s.Delete(ctx, key, key+"-2") },
		"Incr":   func(ctx context.Context) error { _, err := s.Incr(ctx, key, time.Minute); return err },
		"TTL":    func(ctx context.Context) error { _, err := s.TTL(ctx, key); return err },
		"Ping":   func(ctx context.Context) error { return s.Ping(ctx) },
	}
}

// call runs op and fails the test if it has not returned long after
// OpTimeout should have ended it: a hang, not a slow answer.
func call(t *testing.T, ctx context.Context, op func(context.Context) error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- op(ctx) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(5 * redis.OpTimeout):
		t.Fatalf("no answer after %v: the Store hangs", 5*redis.OpTimeout)
		return nil
	}
}

// TestRedisGoesAway takes Redis away from a working Store: every operation
// fails with ErrUnavailable instead of hanging, without naming the key; when
// Redis is back, the same Store works again, keys intact.
func TestRedisGoesAway(t *testing.T) {
	s, p := openThrough(t)
	ctx := t.Context()
	if err := s.Set(ctx, "kept", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}

	p.down()
	for name, op := range ops(s) {
		start := time.Now()
		err := call(t, ctx, op)
		t.Logf("%s with Redis down: %v after %v", name, err, time.Since(start).Round(time.Millisecond))
		if !errors.Is(err, ephemeral.ErrUnavailable) {
			t.Errorf("%s with Redis down: %v; want ErrUnavailable", name, err)
		} else if strings.Contains(err.Error(), "secret-code") {
			t.Errorf("%s: error %q names the key", name, err)
		}
	}

	p.up()
	// go-redis redials at once, or, once enough dials have failed, probes
	// once a second before it dials for commands again.
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, err := s.Get(ctx, "kept")
		if err == nil {
			if string(v) != "v" {
				t.Fatalf("Get after Redis came back = %q; want %q", v, "v")
			}
			break
		}
		if !errors.Is(err, ephemeral.ErrUnavailable) {
			t.Fatalf("Get while Redis comes back: %v; want ErrUnavailable or success", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Store still fails 30s after Redis came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for name, op := range ops(s) {
		if err := op(ctx); err != nil && !errors.Is(err, ephemeral.ErrNotFound) {
			t.Errorf("%s after Redis came back: %v", name, err)
		}
	}
}

// TestRedisHangs points a Store at a Redis that accepts connections and
// never answers: an operation ends by the caller's deadline, or by
// OpTimeout when the caller has none, with ErrUnavailable; a caller that
// cancels gets context.Canceled, which is no fault of Redis.
func TestRedisHangs(t *testing.T) {
	s, p := openThrough(t)
	p.hang()

	t.Run("caller deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		err := call(t, ctx, ops(s)["Get"])
		if !errors.Is(err, ephemeral.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Get past the caller's deadline: %v; want ErrUnavailable and DeadlineExceeded", err)
		}
	})
	t.Run("no deadline", func(t *testing.T) {
		if err := call(t, t.Context(), ops(s)["Take"]); !errors.Is(err, ephemeral.ErrUnavailable) {
			t.Fatalf("Take without a deadline: %v; want ErrUnavailable", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		err := call(t, ctx, ops(s)["Incr"])
		if !errors.Is(err, context.Canceled) || errors.Is(err, ephemeral.ErrUnavailable) {
			t.Fatalf("Incr cancelled by the caller: %v; want context.Canceled, not ErrUnavailable", err)
		}
	})
}

// TestOpenUnavailable checks that Open of a Redis that is not there fails
// promptly with ErrUnavailable, which tells start-up to wait and retry,
// while a URL that does not parse does not wrap it.
func TestOpenUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	err = call(t, t.Context(), func(ctx context.Context) error {
		_, err := redis.Open(ctx, "redis://:s3cret@"+addr+"/0", "")
		return err
	})
	if !errors.Is(err, ephemeral.ErrUnavailable) {
		t.Fatalf("Open of a closed port: %v; want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %q holds the password", err)
	}
	if _, err := redis.Open(t.Context(), "redis://"+addr+"/0?nonsense=1", ""); err == nil || errors.Is(err, ephemeral.ErrUnavailable) {
		t.Fatalf("Open of a bad URL: %v; want an error that is not ErrUnavailable", err)
	}
}

// TestCheckCommand checks the start-up probe for commands an old Redis
// lacks, on a command no Redis has.
func TestCheckCommand(t *testing.T) {
	s, err := redis.Open(t.Context(), redistest.URL(t), redistest.Prefix(t, redistest.URL(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CheckCommand(t.Context(), "getdel", "no GETDEL"); err != nil {
		t.Fatalf("GETDEL: %v", err)
	}
	if err := s.CheckCommand(t.Context(), "nosuchcommand", "no such command"); err == nil || !strings.Contains(err.Error(), "no such command") {
		t.Fatalf("a command no Redis has: %v; want an error", err)
	}
}
