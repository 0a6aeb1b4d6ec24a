package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMFACommandUsage: a malformed command prints the usage (exit 2); status
// and unlock without Redis, where the locks live, refuse naming the
// setting, before anything is opened. (The actions themselves run in
// TestTOTPLockoutAndUnlock and, as the command, in TestTOTPAcrossNodes.)
func TestMFACommandUsage(t *testing.T) {
	clearStorageEnv(t)
	data := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{
		{"mfa"},
		{"mfa", "bogus", "contoso", "carol"},
		{"mfa", "status", "contoso"},
		{"mfa", "reset", "contoso", "carol", "extra"},
		{"mfa", "unlock", "--no-such-flag", "contoso", "carol"},
	} {
		code, out, errOut := gatehouseCmd(t, args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage)", args, code)
		}
		if out != "" || !strings.Contains(errOut, "Usage: gatehouse mfa status|unlock|reset") {
			t.Errorf("%q: stdout %q, stderr %q: want the usage on stderr", args, out, errOut)
		}
	}
	for _, action := range []string{"status", "unlock"} {
		code, out, errOut := gatehouseCmd(t, "mfa", action, "--data-dir", data, "--kek", kekA, "contoso", "carol")
		if code != 1 || out != "" || !strings.Contains(errOut, "GATEHOUSE_REDIS_URL") {
			t.Errorf("mfa %s without Redis: exit %d, stdout %q, stderr %q; want 1 naming GATEHOUSE_REDIS_URL", action, code, out, errOut)
		}
	}
	if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused mfa command made the data folder: %v", err)
	}
}
