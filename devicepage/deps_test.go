package devicepage_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The device pages, like the login and account pages, are imported
// only by cmd, and import none of them nor the provider (STYLE.md, package
// boundaries): what they share lives in templates, totppage and
// internal/formcsrf.
func TestImportsNoOtherPages(t *testing.T) {
	const module = "github.com/gatehouse-id/gatehouse/"
	gotool, err := exec.LookPath("go")
	if err != nil {
		gotool = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := exec.LookPath(gotool); err != nil {
			t.Skip("no go command on PATH or in GOROOT")
		}
	}
	for _, pkg := range []string{module + "devicepage"} {
		out, err := exec.Command(gotool, "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
			}
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		n := 0
		for line := range strings.Lines(string(out)) {
			path := strings.TrimSpace(line)
			n++
			if path != pkg && (path == module+"login" || path == module+"provider" || path == module+"account" || path == module+"admin" ||
				strings.HasPrefix(path, "github.com/zitadel/")) {
				t.Errorf("%s depends on %s", pkg, path)
			}
		}
		if n < 10 {
			t.Fatalf("go list -deps %s listed %d packages; the test reads nothing", pkg, n)
		}
	}
}
