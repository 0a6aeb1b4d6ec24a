package claims_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Package claims is imported by portals and resource servers, so it must
// stay small: the standard library and go-jose, nothing of Gatehouse's
// storage or of the zitadel op package (STYLE.md, package boundaries).
// claimstest, imported by their tests, is held to the same rule.

const module = "github.com/gatehouse-id/gatehouse/"

// forbiddenDep returns why importing path is forbidden for a package that
// may itself import allowed (its own packages), or "".
func forbiddenDep(path string, standard bool, allowed []string) string {
	for _, a := range allowed {
		if path == a {
			return ""
		}
	}
	for _, prefix := range []string{module, "github.com/zitadel/", "github.com/jackc/", "github.com/redis/", "modernc.org/sqlite"} {
		if strings.HasPrefix(path, prefix) || path == strings.TrimSuffix(prefix, "/") {
			return "never imported by package claims (" + prefix + ")"
		}
	}
	if standard || path == "github.com/go-jose/go-jose/v4" || strings.HasPrefix(path, "github.com/go-jose/go-jose/v4/") {
		return ""
	}
	return "outside the standard library and go-jose"
}

func TestForbiddenDep(t *testing.T) {
	own := []string{module + "claims"}
	for _, tc := range []struct {
		path     string
		standard bool
		wantOK   bool
	}{
		{"net/http", true, true},
		{"github.com/go-jose/go-jose/v4", false, true},
		{"github.com/go-jose/go-jose/v4/json", false, true},
		{module + "claims", false, true},
		{module + "directory", false, false},
		{module + "claims/claimstest", false, false},
		{"github.com/zitadel/oidc/v3/pkg/op", false, false},
		{"github.com/jackc/pgx/v5", false, false},
		{"github.com/redis/go-redis/v9", false, false},
		{"modernc.org/sqlite", false, false},
		{"golang.org/x/crypto/argon2", false, false},
		{"github.com/go-jose/go-jose/v3", false, false},
	} {
		if got := forbiddenDep(tc.path, tc.standard, own) == ""; got != tc.wantOK {
			t.Errorf("forbiddenDep(%q) allows = %v, want %v", tc.path, got, tc.wantOK)
		}
	}
}

func TestImportsNoStorage(t *testing.T) {
	gotool := goTool(t)
	for _, tc := range []struct {
		pkg     string
		allowed []string
	}{
		{module + "claims", []string{module + "claims"}},
		{module + "claims/claimstest", []string{module + "claims", module + "claims/claimstest"}},
	} {
		out, err := exec.Command(gotool, "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", tc.pkg).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("go list -deps %s: %v\n%s", tc.pkg, err, ee.Stderr)
			}
			t.Fatalf("go list -deps %s: %v", tc.pkg, err)
		}
		n := 0
		for line := range strings.Lines(string(out)) {
			path, std, _ := strings.Cut(strings.TrimSpace(line), " ")
			n++
			if why := forbiddenDep(path, std == "true", tc.allowed); why != "" {
				t.Errorf("%s depends on %s: %s", tc.pkg, path, why)
			}
		}
		if n < 10 {
			t.Fatalf("go list -deps %s listed %d packages; the test reads nothing", tc.pkg, n)
		}
	}
}

// goTool finds the go command: on PATH, else in the GOROOT this test was
// built with. The test skips only if there is none.
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(p); err == nil {
		return p
	}
	t.Skip("no go command on PATH or in GOROOT")
	return ""
}
