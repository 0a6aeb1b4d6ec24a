package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/configuration.md's reference from the code")

const (
	referenceBegin = "<!-- reference: generated from the flags by TestConfigurationReference; go test ./cmd/gatehouse -run TestConfigurationReference -update-docs -->"
	referenceEnd   = "<!-- end of reference -->"
)

// envSuffix is the "(GATEHOUSE_X)" a flag's usage ends with.
var envSuffix = regexp.MustCompile(`\s*\((GATEHOUSE_[A-Z_]+[^)]*)\)$`)

// configurationReference is the table of every setting, as the flags
// define them: name, variable, default and meaning.
func configurationReference(t *testing.T) string {
	t.Helper()
	clearSettingsEnv(t)
	var b strings.Builder
	b.WriteString("| key (flag, file) | environment | default | meaning |\n|---|---|---|---|\n")
	serverFlags().VisitAll(func(f *flag.Flag) {
		def := f.DefValue
		if def != "" {
			def = "`" + def + "`"
		}
		usage := strings.ReplaceAll(envSuffix.ReplaceAllString(f.Usage, ""), "|", `\|`)
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", f.Name, envName(f.Name), def, usage)
	})
	return b.String()
}

// TestConfigurationReference fails when docs/configuration.md's reference
// and the code's settings disagree: a setting added, removed, renamed, or
// with another default or meaning.
func TestConfigurationReference(t *testing.T) {
	const path = "../../docs/configuration.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i, j := strings.Index(text, referenceBegin), strings.Index(text, referenceEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no reference between %q and %q", path, referenceBegin, referenceEnd)
	}
	want := configurationReference(t)
	got := strings.TrimSpace(text[i+len(referenceBegin) : j])
	if got == strings.TrimSpace(want) {
		return
	}
	if *updateDocs {
		text = text[:i+len(referenceBegin)] + "\n\n" + want + "\n" + text[j:]
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/configuration.md's reference differs from the flags; run: go test ./cmd/gatehouse -run TestConfigurationReference -update-docs\n--- want\n%s", want)
}
