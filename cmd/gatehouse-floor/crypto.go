package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"golang.org/x/crypto/argon2"
)

// cryptoOptions are crypto's command line.
type cryptoOptions struct {
	duration     time.Duration
	runs         int
	argonMemory  uint // MiB
	argonTime    uint
	argonThreads uint
}

func parseCrypto(args []string, stderr io.Writer) (*cryptoOptions, error) {
	o := &cryptoOptions{}
	fs := flag.NewFlagSet("gatehouse-floor crypto", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "d", 2*time.Second, "length of each measured run")
	fs.IntVar(&o.runs, "runs", 3, "runs per measurement; the median is printed")
	fs.UintVar(&o.argonMemory, "argon-memory", 19, "argon2id memory, MiB (Gatehouse's --password-memory)")
	fs.UintVar(&o.argonTime, "argon-time", 2, "argon2id passes (--password-time)")
	fs.UintVar(&o.argonThreads, "argon-threads", 1, "argon2id lanes (--password-threads)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.duration <= 0 || o.duration > time.Minute:
		return nil, errors.New("-d must be between 0 and 1m")
	case o.runs < 1 || o.runs > 9:
		return nil, errors.New("-runs must be between 1 and 9")
	case o.argonMemory < 1 || o.argonMemory > 1024 || o.argonTime < 1 || o.argonTime > 16 || o.argonThreads < 1 || o.argonThreads > 16:
		return nil, errors.New("argon2id: -argon-memory 1..1024 MiB, -argon-time 1..16, -argon-threads 1..16")
	}
	return o, nil
}

// measurement is one primitive, timed by repeating op.
type measurement struct {
	name, param string
	op          func() error
}

// measureCrypto prints, one line per primitive, the median time per
// operation and rate over o.runs runs. It runs on the cores the process
// may use, so pinned (taskset -c 1) it is the per-core floor.
func measureCrypto(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseCrypto(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ms, err := cryptoMeasurements(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# gatehouse-floor crypto: GOMAXPROCS=%d, %d runs of %s, payload %d bytes\n",
		runtime.GOMAXPROCS(0), o.runs, o.duration, len(payload()))
	perOp := make([][]time.Duration, len(ms))
	// Runs interleave the primitives, so that a noisy minute on a shared
	// machine spreads over all of them rather than skewing one.
	for range o.runs {
		for i, m := range ms {
			d, err := timePerOp(ctx, o.duration, m.op)
			if err != nil {
				return fmt.Errorf("%s %s: %w", m.name, m.param, err)
			}
			perOp[i] = append(perOp[i], d)
		}
	}
	for i, m := range ms {
		fmt.Fprintln(stdout, formatLine(m.name, m.param, medianDuration(perOp[i])))
	}
	return nil
}

// cryptoMeasurements are go-jose Sign+CompactSerialize of a token's
// payload with each algorithm, then one argon2id password hash.
func cryptoMeasurements(o *cryptoOptions) ([]measurement, error) {
	p := payload()
	var ms []measurement
	for _, alg := range signingAlgs {
		k, err := newSigningKey(alg)
		if err != nil {
			return nil, err
		}
		ms = append(ms, measurement{"sign", string(alg), func() error { _, err := k.sign(p); return err }})
	}
	password, salt := []byte("correct horse battery staple"), make([]byte, 16)
	_, _ = rand.Read(salt)
	ms = append(ms, measurement{"argon2id", fmt.Sprintf("%dMiB/t%d/p%d", o.argonMemory, o.argonTime, o.argonThreads),
		func() error {
			argon2.IDKey(password, salt, uint32(o.argonTime), uint32(o.argonMemory)*1024, uint8(o.argonThreads), 32)
			return nil
		}})
	return ms, nil
}

// timePerOp repeats op for about d (at least once) and returns the mean
// time of one.
func timePerOp(ctx context.Context, d time.Duration, op func() error) (time.Duration, error) {
	if err := op(); err != nil { // warm caches and lazy tables
		return 0, err
	}
	start := time.Now()
	n := 0
	for {
		if err := op(); err != nil {
			return 0, err
		}
		n++
		if took := time.Since(start); took >= d || ctx.Err() != nil {
			return took / time.Duration(n), ctx.Err()
		}
	}
}

// formatLine is one measurement, fields separated by spaces so that a
// script reads the rate as the 5th: "floor sign ES256 31.2µs/op 32051/s".
func formatLine(name, param string, perOp time.Duration) string {
	us := float64(perOp) / float64(time.Microsecond)
	t := fmt.Sprintf("%.1fµs/op", us)
	if us >= 1000 {
		t = fmt.Sprintf("%.2fms/op", us/1000)
	}
	return fmt.Sprintf("floor %-8s %-12s %12s %8.0f/s", name, param, t, float64(time.Second)/float64(perOp))
}

func medianDuration(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
