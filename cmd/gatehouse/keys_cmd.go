package main

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/mfa"
)

const keysUsage = `Usage: gatehouse keys list|rotate|rewrap [flags]
       gatehouse keys delete [flags] KID

  list     every signing key: its algorithm, where it is in its life (next,
           active, retired, removed), and when it is published, signs,
           retires and leaves the JWKS
  rotate   schedule a new key of the signing key's algorithm: published at
           once by every node, signing a few minutes later, when relying
           parties have seen it; the current key is retired then, and stays
           published until every token it signed has expired (audited)
  delete   remove a key at once, whatever its schedule: for a compromised
           key, after rotate, once the new key signs (keys list says so);
           tokens it signed stop verifying everywhere within five minutes.
           The key that signs now cannot be deleted (audited)
  rewrap   re-seal every signing key, installation secret and TOTP secret
           under the current key-encryption key (GATEHOUSE_KEK), opening
           them with it or GATEHOUSE_PREVIOUS_KEK; docs/keys.md has the
           steps that change the KEK without downtime (audited)

The command runs as the operator against the configured database
(GATEHOUSE_DATABASE_URL or --data-dir, GATEHOUSE_KEK).
`

// keysCommand manages the signing keys and the key-encryption key.
func keysCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs, action, err := actionFlags("keys", keysUsage, &cfg, args, stderr)
	if err != nil {
		return err
	}
	wantArgs := 0
	if action == "delete" {
		wantArgs = 1
	}
	if fs.NArg() != wantArgs || (action != "list" && action != "rotate" && action != "rewrap" && action != "delete") {
		fs.Usage()
		return errUsage
	}
	if err := cfg.resolveStorage(); err != nil {
		return err
	}
	// The signing settings are the servers' and not flags here: this
	// gives them their defaults, which rotate compares the signing key's
	// with.
	if err := cfg.resolveSigning(); err != nil {
		return err
	}
	log := commandLogger(stderr)
	db, dir, sealer, err := openDirectory(ctx, &cfg, log, options{})
	if err != nil {
		return err
	}
	defer db.Close()
	auditLog := audit.New(db, time.Now, log)
	if action == "rewrap" {
		n, m, err := rewrap(ctx, db, sealer)
		if err != nil {
			return err
		}
		// The detail keys name no secret: the audit log refuses keys
		// that look like one ("secret", "otp").
		recordPlatformEvent(ctx, dir, auditLog, log, audit.Event{Action: "kek.rewrapped", Actor: "operator",
			Details: map[string]string{"stored_keys": strconv.Itoa(n), "mfa_credentials": strconv.Itoa(m)}})
		fmt.Fprintf(stdout, "re-sealed under the current key-encryption key: %d signing keys and secrets, %d TOTP secrets\n", n, m)
		return nil
	}
	kcfg := keysConfig(&cfg, time.Now)
	km, err := keys.Open(ctx, db, sealer, kcfg)
	if err != nil {
		return err
	}
	if action == "delete" {
		gone, err := km.Delete(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		recordPlatformEvent(ctx, dir, auditLog, log, audit.Event{Action: "signing_key.deleted", Actor: "operator",
			Target: gone.ID, TargetName: gone.Algorithm, Details: map[string]string{"algorithm": gone.Algorithm}})
		fmt.Fprintf(stdout, "deleted %s (%s); tokens it signed stop verifying within a JWKS cache lifetime\n\n", gone.ID, gone.Algorithm)
	}
	if action == "rotate" {
		// The new key is like the signing key: of its algorithm
		// (RotateNow) and, for RSA, of its size, which this command is
		// not configured with.
		if k, ok := km.Active(); ok {
			if rk, ok := k.Private.(*rsa.PrivateKey); ok && rk.N.BitLen() != kcfg.RSABits {
				kcfg.RSABits = rk.N.BitLen()
				if km, err = keys.Open(ctx, db, sealer, kcfg); err != nil {
					return err
				}
			}
		}
		ch, err := km.RotateNow(ctx)
		if err != nil {
			return err
		}
		if ch.Created {
			recordKeyChange(ctx, dir, auditLog, log, "operator", ch)
			fmt.Fprintf(stdout, "scheduled %s (%s): published at %s, signs from %s\n\n", ch.Key.ID, ch.Key.Algorithm,
				ch.Key.PublishAt.Format(time.RFC3339), ch.Key.ActivateAt.Format(time.RFC3339))
		} else {
			fmt.Fprintf(stdout, "a rotation is already scheduled: %s signs from %s\n\n", ch.Key.ID, ch.Key.ActivateAt.Format(time.RFC3339))
		}
	}
	return listKeys(km.Keys(), stdout)
}

// listKeys prints the keys' schedule, oldest first.
func listKeys(st []keys.Status, stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KID\tALG\tSTATE\tPUBLISHED\tPUBLISH AT\tSIGNS FROM\tRETIRES AT\tREMOVED AT")
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, s := range st {
		fmt.Fprintf(w, "%s\t%s\t%s\t%t\t%s\t%s\t%s\t%s\n", s.ID, s.Algorithm, s.State, s.Published,
			at(s.PublishAt), at(s.ActivateAt), at(s.RetireAt), at(s.RemoveAt))
	}
	return w.Flush()
}

// rewrap re-seals what the database holds under the current KEK: signing
// keys and installation secrets (n), TOTP secrets (m).
func rewrap(ctx context.Context, db durable, sealer *keys.Sealer) (n, m int, err error) {
	if n, err = keys.Rewrap(ctx, db, sealer); err != nil {
		return n, 0, err
	}
	m, err = mfa.Rewrap(ctx, db, sealer)
	return n, m, err
}
