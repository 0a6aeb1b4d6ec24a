package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// The configuration file: one YAML file whose keys are the flags' names
// ("issuer", "data-dir", "smtp-host"), each a single value, given with
// --config or GATEHOUSE_CONFIG. Precedence, highest first: a flag on the
// command line, its GATEHOUSE_* environment variable, the file, the
// default. A key that is no setting of the server is an error that names
// it, so that a typo never passes for a setting that was made. One file
// serves every command: a command takes the settings it has (the storage
// commands take the storage settings) and leaves the others.

// envName is the environment variable of the flag name: GATEHOUSE_ and
// the name upper-cased with '-' as '_' ("smtp-host": GATEHOUSE_SMTP_HOST).
func envName(flagName string) string {
	return "GATEHOUSE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// bindConfigFlag registers --config on fs.
func (c *config) bindConfigFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.File, "config", env("GATEHOUSE_CONFIG", ""),
		"YAML file of settings, keyed by these flags' names; flags and GATEHOUSE_* variables override it (GATEHOUSE_CONFIG)")
}

// parseArgs parses args into fs and then applies the configuration file
// named by --config, if any, below the command line and the environment.
func (c *config) parseArgs(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if c.File == "" {
		return nil
	}
	return applyConfigFile(fs, c.File)
}

// applyConfigFile sets fs's flags from the YAML file at path, except those
// given on the command line or in the environment.
func applyConfigFile(fs *flag.FlagSet, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("configuration file: %w", err)
	}
	var settings map[string]any
	if err := yaml.Unmarshal(b, &settings); err != nil {
		return fmt.Errorf("configuration file %s: %w", path, err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	known := serverFlags()
	for _, key := range keys {
		if known.Lookup(key) == nil || key == "config" {
			errs = append(errs, fmt.Errorf("configuration file %s: unknown key %q%s", path, key, suggest(known, key)))
			continue
		}
		value, err := scalar(settings[key])
		if err != nil {
			errs = append(errs, fmt.Errorf("configuration file %s: key %q: %w", path, key, err))
			continue
		}
		if fs.Lookup(key) == nil {
			continue // a setting of the server this command does not take
		}
		if _, inEnv := os.LookupEnv(envName(key)); given[key] || inEnv {
			continue // the command line and the environment win
		}
		if err := fs.Set(key, value); err != nil {
			errs = append(errs, fmt.Errorf("configuration file %s: key %q: %w", path, key, err))
		}
	}
	return errors.Join(errs...)
}

// serverFlags are every setting there is: the server's flags.
func serverFlags() *flag.FlagSet {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.bindFlags(fs)
	return fs
}

// scalar is a YAML value as a flag takes it.
func scalar(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case map[string]any, []any:
		return "", errors.New("want a single value, not a map or a list")
	default:
		return fmt.Sprint(v), nil
	}
}

// suggest names the setting a mistyped key may have meant: one with the
// same letters but '_' for '-', or the other way round.
func suggest(fs *flag.FlagSet, key string) string {
	for _, alt := range []string{strings.ReplaceAll(key, "_", "-"), strings.ToLower(key)} {
		if alt != key && fs.Lookup(alt) != nil {
			return fmt.Sprintf(" (did you mean %q?)", alt)
		}
	}
	return ""
}
