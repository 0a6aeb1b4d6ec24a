package stored

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestSearchText pins the stored search text, which both backends keep
// and which rows written by older binaries hold: the fields lower-cased
// by strings.ToLower, line breaks made spaces, joined by line breaks.
// strings.ToLower knows no language: Turkish İ and I are both i, and ı
// stays ı.
func TestSearchText(t *testing.T) {
	u := directory.User{Username: "omer", Email: "Omer@Example.COM", GivenName: "Ömer", FamilyName: "Dİlek",
		DisplayName: "IŞIK\nÖ"}
	const want = "omer\nomer@example.com\nömer\ndilek\nişik ö\nömer dilek"
	if got := SearchText(u); got != want {
		t.Errorf("SearchText = %q, want %q", got, want)
	}
	for text, want := range map[string]string{"ÖMER": "ömer", "a\nB": "a b", "100%_": "100%_", "İ": "i", "I": "i", "ı": "ı"} {
		if got := SearchQuery(text); got != want {
			t.Errorf("SearchQuery(%q) = %q, want %q", text, got, want)
		}
	}
}
