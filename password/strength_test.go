package password

import "testing"

func TestStrengthNames(t *testing.T) {
	for _, tc := range []struct {
		s    Strength
		name string
	}{
		{StrengthUnknown, "unknown"},
		{VeryWeak, "very weak"},
		{Weak, "weak"},
		{Fair, "fair"},
		{Strong, "strong"},
		{VeryStrong, "very strong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.String(); got != tc.name {
				t.Fatalf("String() = %q; want %q", got, tc.name)
			}
			if got, err := ParseStrength(tc.name); err != nil || got != tc.s {
				t.Fatalf("ParseStrength(%q) = %v, %v", tc.name, got, err)
			}
			if !tc.s.Valid() {
				t.Fatal("not Valid")
			}
		})
	}
}

// TestStrengthStored pins the numbers the stores keep.
func TestStrengthStored(t *testing.T) {
	if StrengthUnknown != -1 || VeryWeak != 0 || Weak != 1 || Fair != 2 || Strong != 3 || VeryStrong != 4 {
		t.Fatal("Strength values changed: stored strengths would change meaning")
	}
}

func TestParseStrengthSpellings(t *testing.T) {
	for in, want := range map[string]Strength{
		"Very Strong": VeryStrong,
		"very_strong": VeryStrong,
		"very-weak":   VeryWeak,
		" FAIR ":      Fair,
	} {
		if got, err := ParseStrength(in); err != nil || got != want {
			t.Errorf("ParseStrength(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2", "medium", "verystrong", "very  strong"} {
		if got, err := ParseStrength(in); err == nil {
			t.Errorf("ParseStrength(%q) = %v, no error", in, got)
		}
	}
}

func TestStrengthInvalid(t *testing.T) {
	for _, s := range []Strength{-2, 5, 100} {
		if s.Valid() {
			t.Errorf("%d.Valid() = true", int(s))
		}
		if got, want := s.String(), "Strength("; len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("%d.String() = %q", int(s), got)
		}
	}
}
