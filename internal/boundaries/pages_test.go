package boundaries

import (
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gatehouse-id/gatehouse/"

// pages are the packages that serve pages to people. Each is imported only
// by cmd and imports none of the others, nor the provider, the
// administration API or the OpenID library: what they share lives in
// templates, totppage and internal/formcsrf.
var pages = []string{"account", "totppage", "setpassword", "devicepage"}

// forbiddenForPages are what no page package may depend on.
var forbiddenForPages = []string{"login", "provider", "admin", "account", "setpassword", "devicepage"}

func TestPagesImportNoOtherPages(t *testing.T) {
	for _, p := range pages {
		pkg := module + p
		deps := listDeps(t, pkg)
		for _, path := range deps {
			if path == pkg {
				continue
			}
			if slices.ContainsFunc(forbiddenForPages, func(f string) bool { return path == module+f }) ||
				strings.HasPrefix(path, "github.com/zitadel/") {
				t.Errorf("%s depends on %s", pkg, path)
			}
		}
	}
}

// listDeps is every package pkg depends on, itself included, as the go
// command lists them.
func listDeps(t *testing.T, pkg string) []string {
	t.Helper()
	gotool, err := exec.LookPath("go")
	if err != nil {
		gotool = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := exec.LookPath(gotool); err != nil {
			t.Skip("no go command on PATH or in GOROOT")
		}
	}
	out, err := exec.Command(gotool, "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	var deps []string
	for line := range strings.Lines(string(out)) {
		deps = append(deps, strings.TrimSpace(line))
	}
	if len(deps) < 10 {
		t.Fatalf("go list -deps %s listed %d packages; the test reads nothing", pkg, len(deps))
	}
	return deps
}
