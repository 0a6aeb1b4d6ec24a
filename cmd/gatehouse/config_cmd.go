package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-id/gatehouse/ephemeral/redis"
)

const configUsage = `Usage: gatehouse config check [flags]

Checks the configuration "gatehouse serve" would start with — its flags, the
GATEHOUSE_* variables and the file of --config (GATEHOUSE_CONFIG), in that
order — without starting or connecting to anything. It prints a summary and
exits 0, or names each setting at fault and exits 1. The flags are serve's;
docs/configuration.md lists them all.
`

// configCommand is "gatehouse config check".
func configCommand(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, configUsage)
		return errUsage
	}
	var cfg config
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindFlags(fs)
	fs.Usage = func() { fmt.Fprint(stderr, configUsage); fs.PrintDefaults() }
	if err := cfg.parseArgs(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if err := cfg.check(); err != nil {
		return err
	}
	storage := "embedded SQLite in " + cfg.DataDir
	if cfg.DatabaseURL != "" {
		storage = "PostgreSQL " + redactDatabaseURL(cfg.DatabaseURL)
	}
	ephemeral := "process memory (one node only)"
	if cfg.RedisURL != "" {
		ephemeral = "Redis"
	}
	mail := "outbox only (no SMTP)"
	if cfg.Mail.SMTPHost != "" {
		mail = "SMTP " + cfg.Mail.SMTPHost
	}
	fmt.Fprintf(stdout, "configuration OK\n  issuer:    %s\n  storage:   %s\n  ephemeral: %s\n  mail:      %s\n",
		cfg.Issuer, storage, ephemeral, mail)
	return nil
}

// check is resolve, and the settings resolve leaves to the first
// connection: the database and Redis URLs must parse.
func (c *config) check() error {
	if err := c.resolve(); err != nil {
		return err
	}
	var errs []error
	if c.DatabaseURL != "" {
		if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
			errs = append(errs, errors.New("GATEHOUSE_DATABASE_URL / --database-url: not a PostgreSQL URL or connection string"))
		}
	}
	if c.RedisURL != "" {
		if err := redis.CheckURL(c.RedisURL); err != nil {
			errs = append(errs, fmt.Errorf("GATEHOUSE_REDIS_URL / --redis-url: %w", err))
		}
	}
	return errors.Join(errs...)
}
