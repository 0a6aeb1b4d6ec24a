package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
)

const mfaUsage = `Usage: gatehouse mfa status|unlock|reset [flags] TENANT USERNAME

  status   whether the user has TOTP, recovery codes left, and any lock
  unlock   lift a lock after too many wrong codes (audited)
  reset    remove the user's TOTP and recovery codes; the user enrols again
           at the next login where policy requires it (audited)

The command runs as the operator against the configured database and Redis
(GATEHOUSE_DATABASE_URL, GATEHOUSE_REDIS_URL, GATEHOUSE_KEK); flags go before
TENANT and USERNAME. Without Redis, locks live in a server's memory, which this
command cannot reach: status and unlock refuse, and reset removes TOTP only.
`

// mfaCommand lets an operator help a person locked out of TOTP.
func mfaCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs, action, err := actionFlags("mfa", mfaUsage, &cfg, args, stderr)
	if err != nil {
		return err
	}
	if fs.NArg() != 2 || (action != "status" && action != "unlock" && action != "reset") {
		fs.Usage()
		return errUsage
	}
	if err := cfg.resolveStorage(); err != nil {
		return err
	}
	if cfg.RedisURL == "" && action != "reset" {
		// Locks and counters live in Redis, or in a lone server's memory,
		// which this command cannot reach: it would report no lock and
		// "unlock" nothing.
		return errors.New("status and unlock need the servers' Redis (GATEHOUSE_REDIS_URL); without Redis, restart the server to clear its locks, or use reset")
	}
	log := commandLogger(stderr)
	db, dir, sealer, err := openDirectory(ctx, &cfg, log, options{})
	if err != nil {
		return err
	}
	defer db.Close()
	kv, err := openVolatile(ctx, &cfg, log, time.Now)
	if err != nil {
		return err
	}
	defer kv.Close()
	svc, err := newMFA(ctx, db, kv, sealer, audit.New(db, time.Now, log), time.Now, nil)
	if err != nil {
		return err
	}
	tenantSlug, username := fs.Arg(0), fs.Arg(1)
	tenant, err := dir.Store().TenantBySlug(ctx, directory.NormalizeSlug(tenantSlug))
	if err == nil {
		var u directory.User
		if u, err = dir.Store().UserByUsername(ctx, tenant.ID, directory.NormalizeUsername(username)); err == nil {
			return runMFAAction(ctx, svc, action, mfa.Subject{UserID: u.ID, Username: u.Username, TenantID: tenant.ID, TenantSlug: tenant.Slug}, stdout)
		}
	}
	if errors.Is(err, directory.ErrNotFound) {
		return fmt.Errorf("no user %q in tenant %q", username, tenantSlug)
	}
	return err
}

func runMFAAction(ctx context.Context, svc *mfa.Service, action string, sub mfa.Subject, stdout io.Writer) error {
	operator := mfa.Actor{ID: "operator", Name: "operator (command line)"}
	name := sub.Username + "@" + sub.TenantSlug
	switch action {
	case "unlock":
		if err := svc.Unlock(ctx, operator, sub); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: TOTP unlocked\n", name)
	case "reset":
		if err := svc.Reset(ctx, operator, sub); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: TOTP removed; the user enrols again at the next login where policy requires it\n", name)
	}
	st, err := svc.Status(ctx, sub)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: enrolled %t, recovery codes left %d", name, st.Enrolled, st.RecoveryCodesLeft)
	if st.LockedFor > 0 {
		fmt.Fprintf(stdout, ", locked for %s", st.LockedFor.Round(time.Second))
	}
	fmt.Fprintln(stdout)
	return nil
}

// actionFlags parses "ACTION [flags] ARGS..." for an operator command that
// takes the storage settings: the flag set (for its arguments), the
// action, or errUsage with the usage printed.
func actionFlags(name, usage string, cfg *config, args []string, stderr io.Writer) (*flag.FlagSet, string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindStorageFlags(fs)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	if len(args) == 0 {
		fs.Usage()
		return nil, "", errUsage
	}
	if err := cfg.parseArgs(fs, args[1:]); err != nil {
		return nil, "", err
	}
	return fs, args[0], nil
}
