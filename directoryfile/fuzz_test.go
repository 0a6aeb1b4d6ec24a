package directoryfile_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directoryfile"
)

// FuzzParse checks that Parse never panics and that whatever it refuses, it
// refuses with an *Error whose every line names the file.
func FuzzParse(f *testing.F) {
	f.Add(base)
	for _, tc := range badFiles() {
		f.Add(tc.file)
	}
	f.Add("version: 1\nclients:\n  - &c {id: a, name: A, type: public, grant_types: [authorization_code], redirect_uris: &u [x]}\n  - *c\nusers: *u\n")
	f.Add("version: 1\ntenants: &a [*a]\n")
	f.Fuzz(func(t *testing.T, src string) {
		file, err := directoryfile.Parse("f.yaml", []byte(src))
		if err == nil {
			if file == nil || file.Version != directoryfile.Version {
				t.Fatalf("accepted %q as %+v", src, file)
			}
			return
		}
		e, ok := err.(*directoryfile.Error)
		if !ok || len(e.Problems) == 0 {
			t.Fatalf("error %#v is not an *Error with problems", err)
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "f.yaml") {
				t.Fatalf("problem line %q does not name the file", line)
			}
		}
	})
}
