package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/gatehouse-id/gatehouse/password"
)

// passwordConfig is the cost of new password hashes (argon2id) and the
// bound on hashes computed at once.
type passwordConfig struct {
	// MemoryMiB, Time and Threads are argon2id's m (in MiB), t and p.
	MemoryMiB, Time, Threads int
	// Concurrency is how many hashes a node computes at once; 0 is one
	// per core. With MemoryMiB it bounds the memory logins can take.
	Concurrency int
}

// OWASP's minimum argon2id configurations trade memory for passes:
// m=19 MiB t=2, m=12 MiB t=3, m=9 MiB t=4, m=7 MiB t=5 (Password Storage
// Cheat Sheet); each costs about 36 MiB·passes or more, and m=7 MiB is the
// least memory the table goes down to.
const (
	minPasswordMemoryMiB = 7
	minPasswordWork      = 35 // MiB × passes
	maxPasswordMemoryMiB = 1024
)

func (p *passwordConfig) bindFlags(fs *flag.FlagSet) {
	def := password.Default
	fs.IntVar(&p.MemoryMiB, "password-memory", envInt("GATEHOUSE_PASSWORD_MEMORY", int(def.Memory/1024)),
		"argon2id memory of new password hashes, in MiB; at least OWASP's minimum (GATEHOUSE_PASSWORD_MEMORY)")
	fs.IntVar(&p.Time, "password-time", envInt("GATEHOUSE_PASSWORD_TIME", int(def.Time)),
		"argon2id passes of new password hashes; memory × passes must reach OWASP's minimum of 35 MiB (GATEHOUSE_PASSWORD_TIME)")
	fs.IntVar(&p.Threads, "password-threads", envInt("GATEHOUSE_PASSWORD_THREADS", int(def.Threads)),
		"argon2id lanes of new password hashes, 1 to 16 (GATEHOUSE_PASSWORD_THREADS)")
	fs.IntVar(&p.Concurrency, "password-concurrency", envInt("GATEHOUSE_PASSWORD_CONCURRENCY", 0),
		"password hashes a node computes at once, others wait; 0 is one per CPU core (GATEHOUSE_PASSWORD_CONCURRENCY)")
}

// resolve fills the defaults of settings left at zero and refuses a cost
// below OWASP's minimum, except in a demo, where a cheap cost lets a laptop
// (or a benchmark of everything but the hash) run many logins.
func (p *passwordConfig) resolve(demo bool) error {
	def := password.Default
	if p.MemoryMiB == 0 {
		p.MemoryMiB = int(def.Memory / 1024)
	}
	if p.Time == 0 {
		p.Time = int(def.Time)
	}
	if p.Threads == 0 {
		p.Threads = int(def.Threads)
	}
	switch {
	case p.MemoryMiB < 1 || p.MemoryMiB > maxPasswordMemoryMiB:
		return fmt.Errorf("GATEHOUSE_PASSWORD_MEMORY / --password-memory must be between 1 and %d (MiB)", maxPasswordMemoryMiB)
	case p.Time < 1 || p.Time > 16:
		return errors.New("GATEHOUSE_PASSWORD_TIME / --password-time must be between 1 and 16")
	case p.Threads < 1 || p.Threads > 16:
		return errors.New("GATEHOUSE_PASSWORD_THREADS / --password-threads must be between 1 and 16")
	case p.Concurrency < 0 || p.Concurrency > 1024:
		return errors.New("GATEHOUSE_PASSWORD_CONCURRENCY / --password-concurrency must be between 0 (one per core) and 1024")
	case !demo && (p.MemoryMiB < minPasswordMemoryMiB || p.MemoryMiB*p.Time < minPasswordWork):
		return fmt.Errorf("GATEHOUSE_PASSWORD_MEMORY × GATEHOUSE_PASSWORD_TIME (%d MiB × %d) is below OWASP's minimum for argon2id "+
			"(19 MiB × 2, 12 × 3, 9 × 4 or 7 × 5); only --demo accepts less", p.MemoryMiB, p.Time)
	}
	return nil
}

// params is the argon2id cost configured.
func (p passwordConfig) params() password.Params {
	return password.Params{Memory: uint32(p.MemoryMiB) * 1024, Time: uint32(p.Time), Threads: uint8(p.Threads)}
}
