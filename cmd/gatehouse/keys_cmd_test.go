package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// The key-encryption keys of the command tests: A is testConfig's.
const (
	kekA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // "0123456789abcdef0123456789abcdef"
	kekB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=" // "fedcba9876543210fedcba9876543210"
)

// gatehouseCmd runs gatehouse with args, as the shell would; after
// clearStorageEnv, nothing is configured beyond the flags.
func gatehouseCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	code = run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// clearStorageEnv empties the variables the commands would read.
func clearStorageEnv(t *testing.T) {
	for _, v := range []string{"GATEHOUSE_DATABASE_URL", "GATEHOUSE_REDIS_URL", "GATEHOUSE_KEK", "GATEHOUSE_KEK_FILE",
		"GATEHOUSE_PREVIOUS_KEK", "GATEHOUSE_PREVIOUS_KEK_FILE", "GATEHOUSE_SIGNING_ALG", "GATEHOUSE_RSA_BITS"} {
		t.Setenv(v, "")
	}
}

// serveOnce builds a node on dir with KEK kek as serve would, runs fn on
// it, and closes it: the first start creates the signing key and secrets.
func serveOnce(t *testing.T, dir, kek string, tune func(*config), fn func(a *app)) {
	t.Helper()
	cfg := testConfig(t, "http://127.0.0.1:1", "", "", "")
	cfg.DataDir, cfg.KEK = dir, kek
	if tune != nil {
		tune(cfg)
	}
	a := buildNode(t, cfg, &clock{})
	defer a.Close()
	if fn != nil {
		fn(a)
	}
}

// openData opens dir's database directly, to read what the commands did.
func openData(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(dir, "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// platformEvents returns the system tenant's audit events with action.
func platformEvents(t *testing.T, s *sqlite.Store, action string) []audit.Event {
	t.Helper()
	root, err := s.TenantBySlug(t.Context(), "root")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.ListEvents(t.Context(), []string{root.ID}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	for _, e := range evs {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// tableRows parses the table keys list prints: its header, then a map
// from kid to the row's columns.
func tableRows(t *testing.T, out string) map[string][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	h := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "KID ") {
			h = i
		}
	}
	if h < 0 {
		t.Fatalf("no table in:\n%s", out)
	}
	if got := strings.Fields(lines[h]); strings.Join(got, " ") != "KID ALG STATE PUBLISHED PUBLISH AT SIGNS FROM RETIRES AT REMOVED AT" {
		t.Fatalf("header %q", lines[h])
	}
	rows := map[string][]string{}
	for _, l := range lines[h+1:] {
		f := strings.Fields(l)
		if len(f) != 8 {
			t.Fatalf("row %q has %d columns, want 8", l, len(f))
		}
		rows[f[0]] = f
	}
	return rows
}

func TestKeysListAndRotate(t *testing.T) {
	clearStorageEnv(t)
	dir := t.TempDir()
	var first keys.SigningKey
	serveOnce(t, dir, kekA, nil, func(a *app) { first, _ = a.keys.Active() })
	flags := []string{"--data-dir", dir, "--kek", kekA}
	// A system tenant, so that the commands are audited.
	if code, out, errOut := gatehouseCmd(t, append([]string{"import"}, append(flags, "testdata/directory.yaml")...)...); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut := gatehouseCmd(t, append([]string{"keys", "list"}, flags...)...)
	if code != 0 {
		t.Fatalf("keys list: exit %d: %s", code, errOut)
	}
	rows := tableRows(t, out)
	if r := rows[first.ID]; len(rows) != 1 || r == nil || r[1] != "RS256" || r[2] != "active" || r[3] != "true" || r[6] != "-" || r[7] != "-" {
		t.Fatalf("keys list:\n%s", out)
	}

	code, out, errOut = gatehouseCmd(t, append([]string{"keys", "rotate"}, flags...)...)
	if code != 0 {
		t.Fatalf("keys rotate: exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`(?m)^scheduled (\S+) \(RS256\): published at (\S+), signs from (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("keys rotate printed:\n%s", out)
	}
	next := m[1]
	publish, err1 := time.Parse(time.RFC3339, m[2])
	activate, err2 := time.Parse(time.RFC3339, m[3])
	if err1 != nil || err2 != nil || activate.Sub(publish) < 2*5*time.Minute || time.Until(publish) > 2*keyReloadEvery {
		t.Errorf("published at %s, signs from %s", m[2], m[3])
	}
	rows = tableRows(t, out)
	if r := rows[first.ID]; r == nil || r[2] != "active" || r[6] != m[3] {
		t.Errorf("the signing key after rotate: %v, want it to retire at %s", r, m[3])
	}
	if r := rows[next]; len(rows) != 2 || r == nil || r[1] != "RS256" || r[2] != "next" || r[3] != "false" || r[4] != m[2] || r[5] != m[3] {
		t.Errorf("the new key: %v\n%s", r, out)
	}

	code, out, _ = gatehouseCmd(t, append([]string{"keys", "rotate"}, flags...)...)
	if code != 0 || !strings.HasPrefix(out, "a rotation is already scheduled: "+next+" signs from "+m[3]) {
		t.Fatalf("second keys rotate: exit %d\n%s", code, out)
	}
	if rows := tableRows(t, out); len(rows) != 2 {
		t.Errorf("second rotate created a key:\n%s", out)
	}

	evs := platformEvents(t, openData(t, dir), "signing_key.scheduled")
	if len(evs) != 1 {
		t.Fatalf("%d signing_key.scheduled events, want 1 (the second rotate changed nothing): %+v", len(evs), evs)
	}
	if e := evs[0]; e.Actor != "operator" || e.Target != next || e.Details["reason"] != "on_demand" || e.Details["algorithm"] != "RS256" ||
		e.Details["activate_at"] != m[3] || e.Details["publish_at"] != m[2] {
		t.Errorf("audit event %+v", e)
	}

	// The server picks the scheduled key up and keeps signing with the
	// old one until it is due.
	serveOnce(t, dir, kekA, nil, func(a *app) {
		if k, _ := a.keys.Active(); k.ID != first.ID {
			t.Errorf("the server signs with %s before the new key is due", k.ID)
		}
		if st := a.keys.Keys(); len(st) != 2 || st[1].ID != next {
			t.Errorf("the server sees %+v", st)
		}
	})
}

// TestKeysRotateKeepsRSASize: an installation on 3072-bit RSA keys gets a
// 3072-bit key from keys rotate, which has no --rsa-bits of its own.
func TestKeysRotateKeepsRSASize(t *testing.T) {
	clearStorageEnv(t)
	dir := t.TempDir()
	serveOnce(t, dir, kekA, func(c *config) { c.RSABits = 3072 }, nil)
	code, out, errOut := gatehouseCmd(t, "keys", "rotate", "--data-dir", dir, "--kek", kekA)
	if code != 0 {
		t.Fatalf("keys rotate: exit %d: %s", code, errOut)
	}
	recs, err := openData(t, dir).ListKeys(t.Context())
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d keys, %v\n%s", len(recs), err, out)
	}
	for _, r := range recs {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(r.PublicJWK, &jwk); err != nil {
			t.Fatal(err)
		}
		if n := jwk.Key.(*rsa.PublicKey).N.BitLen(); n != 3072 {
			t.Errorf("key %s has %d bits, want 3072", r.ID, n)
		}
	}
}

func TestKeysRewrap(t *testing.T) {
	clearStorageEnv(t)
	dir := t.TempDir()
	// A served installation under KEK A, with a TOTP credential.
	var (
		signing keys.SigningKey
		sub     mfa.Subject
		secret  string
	)
	serveOnce(t, dir, kekA, nil, func(a *app) {
		signing, _ = a.keys.Active()
		applyFile(t, a, "testdata/directory.yaml", mustRead(t, "testdata/directory.yaml"), "http://127.0.0.1:1")
		tn, err := a.directory.Store().TenantBySlug(t.Context(), "contoso")
		if err != nil {
			t.Fatal(err)
		}
		u, err := a.directory.Store().UserByUsername(t.Context(), tn.ID, "carol")
		if err != nil {
			t.Fatal(err)
		}
		sub = mfaSubject(u, "contoso")
		e, err := a.mfa.NewEnrolment(sub)
		if err != nil {
			t.Fatal(err)
		}
		c, err := totp.GenerateCode(e.Secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.mfa.CompleteEnrolment(t.Context(), sub, e.Secret, c); err != nil {
			t.Fatal(err)
		}
		secret = e.Secret
	})
	before, err := openData(t, dir).ListKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	// Rewrap without the key everything is sealed with fails, names the
	// cause, and changes nothing.
	code, _, errOut := gatehouseCmd(t, "keys", "rewrap", "--data-dir", dir, "--kek", kekB)
	if code != 1 || !strings.Contains(errOut, "cannot unseal") {
		t.Fatalf("rewrap without the previous KEK: exit %d: %s", code, errOut)
	}

	code, out, errOut := gatehouseCmd(t, "keys", "rewrap", "--data-dir", dir, "--kek", kekB, "--previous-kek", kekA)
	if code != 0 {
		t.Fatalf("keys rewrap: exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`^re-sealed under the current key-encryption key: (\d+) signing keys and secrets, (\d+) TOTP secrets\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("keys rewrap printed %q", out)
	}
	// One signing key, and the installation secrets a server creates.
	if n, _ := strconv.Atoi(m[1]); n < len(before)+3 {
		t.Errorf("%s signing keys and secrets re-sealed, want the key and every secret", m[1])
	}
	if m[2] != "1" {
		t.Errorf("%s TOTP secrets re-sealed, want 1", m[2])
	}
	store := openData(t, dir)
	if evs := platformEvents(t, store, "kek.rewrapped"); len(evs) != 1 || evs[0].Actor != "operator" ||
		evs[0].Details["stored_keys"] != m[1] || evs[0].Details["mfa_credentials"] != "1" {
		t.Errorf("audit: %+v\n%s", evs, errOut)
	}
	after, err := store.ListKeys(t.Context())
	if err != nil || len(after) != len(before) || bytes.Equal(after[0].Sealed, before[0].Sealed) || !bytes.Equal(after[0].PublicJWK, before[0].PublicJWK) {
		t.Fatalf("the signing key after rewrap: %v", err)
	}

	// Run again (a run cut short is simply run again): nothing is left.
	code, out, _ = gatehouseCmd(t, "keys", "rewrap", "--data-dir", dir, "--kek", kekB, "--previous-kek", kekA)
	if code != 0 || !strings.Contains(out, ": 0 signing keys and secrets, 0 TOTP secrets") {
		t.Errorf("second rewrap: exit %d: %s", code, out)
	}

	// KEK B alone now opens everything: the same signing key, and the
	// TOTP secret, which still verifies.
	serveOnce(t, dir, kekB, nil, func(a *app) {
		if k, _ := a.keys.Active(); k.ID != signing.ID {
			t.Errorf("signing with %s after rewrap, want %s", k.ID, signing.ID)
		}
		c, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if method, err := a.mfa.Verify(t.Context(), sub, c); err != nil || method != mfa.MethodTOTP {
			t.Errorf("the TOTP secret after rewrap: %q, %v", method, err)
		}
	})
	if code, _, errOut := gatehouseCmd(t, "keys", "list", "--data-dir", dir, "--kek", kekB); code != 0 {
		t.Errorf("keys list with KEK B: exit %d: %s", code, errOut)
	}

	// KEK A alone opens nothing any more.
	cfg := testConfig(t, "http://127.0.0.1:1", "", "", "")
	cfg.DataDir, cfg.KEK = dir, kekA
	if _, err := tryBuildNode(t, cfg, &clock{}); err == nil || !strings.Contains(err.Error(), "cannot unseal") {
		t.Fatalf("start with the old KEK after rewrap: %v", err)
	}
	if code, _, errOut := gatehouseCmd(t, "keys", "list", "--data-dir", dir, "--kek", kekA); code != 1 || !strings.Contains(errOut, "cannot unseal") {
		t.Errorf("keys list with the old KEK: exit %d: %s", code, errOut)
	}
}

func TestKeysCommandUsage(t *testing.T) {
	clearStorageEnv(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"keys"},
		{"keys", "bogus"},
		{"keys", "--data-dir", dir, "list"},
		{"keys", "list", "extra"},
		{"keys", "list", "--no-such-flag"},
		{"keys", "rotate", "--data-dir"},
		{"keys", "rewrap", "--kek", kekB, "now"},
	} {
		code, out, errOut := gatehouseCmd(t, args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage)", args, code)
		}
		if out != "" || !strings.Contains(errOut, "Usage: gatehouse keys list|rotate|rewrap") && !strings.Contains(errOut, "flag") {
			t.Errorf("%q: stdout %q, stderr %q: want the usage on stderr", args, out, errOut)
		}
	}
	// Well formed, but without a key-encryption key: a plain failure that
	// says what to set.
	if code, _, errOut := gatehouseCmd(t, "keys", "list", "--data-dir", dir); code != 1 || !strings.Contains(errOut, "GATEHOUSE_KEK") {
		t.Errorf("keys list without a KEK: exit %d: %s", code, errOut)
	}
	if code, _, errOut := gatehouseCmd(t, "keys", "list", "--data-dir", dir, "--kek", kekA, "--previous-kek", "short"); code != 1 ||
		!strings.Contains(errOut, "previous key-encryption key") {
		t.Errorf("keys list with a bad previous KEK: exit %d: %s", code, errOut)
	}
}

// TestKeysDelete: a compromised key goes at once, once its successor
// signs; the key that signs cannot be deleted; an unknown id is an error.
func TestKeysDelete(t *testing.T) {
	clearStorageEnv(t)
	dir := t.TempDir()
	serveOnce(t, dir, kekA, nil, func(*app) {})
	keysOf := func() []keys.Record {
		t.Helper()
		st, err := sqlite.Open(t.Context(), filepath.Join(dir, "gatehouse.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		recs, err := st.ListKeys(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	first := keysOf()[0]
	if code, _, errOut := gatehouseCmd(t, "keys", "delete", "--data-dir", dir, "--kek", kekA, first.ID); code != 1 || !strings.Contains(errOut, "signs now") {
		t.Errorf("deleting the signing key: exit %d: %s", code, errOut)
	}
	if code, _, errOut := gatehouseCmd(t, "keys", "delete", "--data-dir", dir, "--kek", kekA, "no-such-key"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("deleting an unknown key: exit %d: %s", code, errOut)
	}
	if code, _, _ := gatehouseCmd(t, "keys", "rotate", "--data-dir", dir, "--kek", kekA); code != 0 {
		t.Fatalf("rotate: exit %d", code)
	}
	recs := keysOf()
	if len(recs) != 2 {
		t.Fatalf("%d keys after rotate", len(recs))
	}
	// The scheduled key, before it signs, may go (the rotation is undone).
	code, out, errOut := gatehouseCmd(t, "keys", "delete", "--data-dir", dir, "--kek", kekA, recs[1].ID)
	if code != 0 || !strings.Contains(out, "deleted "+recs[1].ID) {
		t.Fatalf("deleting the scheduled key: exit %d: %s %s", code, out, errOut)
	}
	if n := len(keysOf()); n != 1 {
		t.Errorf("%d keys after delete, want 1", n)
	}
	if code, _, _ := gatehouseCmd(t, "keys", "delete", "--data-dir", dir, "--kek", kekA); code != 2 {
		t.Errorf("delete without a key id: exit %d, want 2", code)
	}
}
