package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/setpassword"
)

const adminUsage = `Usage: gatehouse admin bootstrap [flags]

Makes a new installation administrable: creates the system tenant (if there
is none) and its first administrator, and prints a one-time link, valid for
24 hours, at which that person chooses a password. Run it again for a new
link (the old one stops working) until the administrator has set a password;
from then on, administrators are made through the administration API.

The first start of "gatehouse serve" on an empty database (without --demo)
says to run this command: it does not print the link itself, since a
server's output is often a log that others read.

The command runs as the operator against the configured database
(GATEHOUSE_DATABASE_URL or --data-dir, GATEHOUSE_KEK); the link is on the
issuer (GATEHOUSE_ISSUER or --issuer). Treat the link as a password.
`

// Defaults of a bootstrap: the system tenant and its first administrator.
const (
	bootstrapTenant     = "system"
	bootstrapTenantName = "System"
	bootstrapUsername   = "admin"
)

// adminCommand is "gatehouse admin bootstrap".
func adminCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		cfg config
		b   = directory.Bootstrap{Lifetime: directory.BootstrapLifetime}
	)
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindStorageFlags(fs)
	fs.StringVar(&cfg.Issuer, "issuer", env("GATEHOUSE_ISSUER", ""), "issuer URL the link points to (GATEHOUSE_ISSUER)")
	fs.StringVar(&b.TenantSlug, "tenant", bootstrapTenant, "slug of the system tenant, if it must be created")
	fs.StringVar(&b.TenantName, "tenant-name", bootstrapTenantName, "name of the system tenant, if it must be created")
	fs.StringVar(&b.Username, "username", bootstrapUsername, "username of the first administrator")
	fs.StringVar(&b.Email, "email", "", "email address of the first administrator (optional)")
	fs.Usage = func() { fmt.Fprint(stderr, adminUsage); fs.PrintDefaults() }
	if len(args) == 0 || args[0] != "bootstrap" {
		fs.Usage()
		return errUsage
	}
	if err := cfg.parseArgs(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if cfg.Issuer == "" {
		return errors.New("set the issuer the link points to: --issuer or GATEHOUSE_ISSUER")
	}
	if err := cfg.resolveStorage(); err != nil {
		return err
	}
	log := commandLogger(stderr)
	db, dir, _, err := openDirectory(ctx, &cfg, log, options{})
	if err != nil {
		return err
	}
	defer db.Close()
	return bootstrap(ctx, dir, audit.New(db, time.Now, log), cfg.Issuer, b, stdout)
}

// firstStart tells the operator of a database without a system tenant
// how to make its first administrator. It does not make one itself: the
// link would go to standard output, which in a container is the log, and
// whoever reads the log would own the installation.
func firstStart(ctx context.Context, a *app, cfg *config, log *slog.Logger) error {
	_, err := a.directory.SystemTenant(ctx)
	if errors.Is(err, directory.ErrNotFound) {
		log.Warn("no administrator yet: run \"gatehouse admin bootstrap\" with this node's storage settings and issuer " +
			"to get a one-time link at which the first administrator chooses a password (docs/users.md)")
		return nil
	}
	return err
}

// bootstrap runs b, audits it in the system tenant as the operator's act
// (user.invited, without the link) in the same transaction, and prints the
// link.
func bootstrap(ctx context.Context, dir *directory.Directory, log *audit.Log, issuer string, b directory.Bootstrap,
	stdout io.Writer) error {
	l, err := dir.Bootstrap(ctx, b, func(s directory.Store, l directory.MailLink) error {
		to, ok := s.(audit.Appender)
		if !ok {
			return errors.New("the directory's store does not append audit events in its transactions")
		}
		return log.RecordIn(ctx, to, audit.Event{Action: "user.invited", TenantID: l.Tenant.ID, Actor: "operator",
			ActorName: "operator (command line)", Target: l.User.ID, TargetName: l.User.Username,
			Details: map[string]string{"expires_at": l.ExpiresAt.UTC().Format(time.RFC3339), "bootstrap": "true"}})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, `
The system tenant %q has a pending administrator %q. Open this link before
%s to choose its password. It works once; "gatehouse admin bootstrap" makes
a new one. Treat it as a password.

    %s

`, l.Tenant.Slug, l.User.Username, l.ExpiresAt.UTC().Format("2 Jan 2006 15:04 UTC"), setpassword.InvitationURL(issuer, l.Secret))
	return nil
}
