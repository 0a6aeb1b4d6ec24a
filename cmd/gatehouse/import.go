package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"

	"github.com/gatehouse-id/gatehouse/directoryfile"
)

// importCommand applies a directory file: all of it or, on any error,
// nothing.
func importCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindStorageFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gatehouse import [flags] FILE\n\nLoads tenants, users and clients from a directory file (docs/directory-file.md), idempotently.")
		fs.PrintDefaults()
	}
	if err := cfg.parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	// The server's database and key-encryption key: the key unseals the
	// key that hashes client secrets.
	if err := cfg.resolveStorage(); err != nil {
		return err
	}
	name := fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	f, err := directoryfile.Parse(name, data)
	if err != nil {
		return err
	}
	db, dir, _, err := openDirectory(ctx, &cfg, commandLogger(stderr), options{})
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := f.Apply(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s applied: %s\n", name, res.Summary())
	ids := make([]string, 0, len(res.GeneratedSecrets))
	for id := range res.GeneratedSecrets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(stdout, "client %s: generated secret %s (shown once; store it now)\n", id, res.GeneratedSecrets[id])
	}
	return nil
}

// migrateCommand applies the embedded schema migrations and exits; opening
// the store is what applies them.
func migrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindStorageFlags(fs)
	if err := cfg.parseArgs(fs, args); err != nil {
		return err
	}
	if err := cfg.resolveBackends(); err != nil {
		return err
	}
	db, err := openDurable(ctx, &cfg, commandLogger(stderr))
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	where := cfg.databasePath()
	if cfg.DatabaseURL != "" {
		where = redactDatabaseURL(cfg.DatabaseURL)
	}
	fmt.Fprintf(stdout, "%s: schema up to date\n", where)
	return nil
}

// commandLogger is the log of the one-shot commands: warnings (such as a
// database not ready yet) on stderr.
func commandLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
