package directoryfile_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directoryfile"
)

// TestDocumentedExample keeps the full example in docs/directory-file.md
// valid: it must parse and apply.
func TestDocumentedExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/directory-file.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Format\n")
	if !ok {
		t.Fatal("docs/directory-file.md has no Format section")
	}
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example in the Format section")
	}
	f, err := directoryfile.Parse("docs/directory-file.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := newDirectory(t)
	res, err := f.Apply(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	if res.TenantsCreated != 3 || res.UsersCreated != 1 || res.ClientsCreated != 2 || len(res.GeneratedSecrets) != 2 {
		t.Errorf("example applied as %+v", res)
	}
}
