package password

import (
	"slices"
	"strings"
	"testing"
)

func TestEstimate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pw     string
		inputs []string
		want   Strength
	}{
		{"passphrase", "correct horse battery staple", nil, VeryStrong},
		{"common, in any case", "IloveYou", nil, VeryWeak},
		{"common, strong to zxcvbn", "fktrcfylh", nil, VeryWeak}, // zxcvbn-go alone: 3
		{"word and year", "sunshine2024!", nil, VeryWeak},
		{"username and year", "jill.jones2024", []string{"jill.jones"}, VeryWeak},
		{"without the username", "jill.jones2024", nil, Weak},
		{"empty", "", nil, VeryWeak},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Estimate(tc.pw, tc.inputs...); got != tc.want {
				t.Fatalf("Estimate(%q) = %v; want %v", tc.pw, got, tc.want)
			}
		})
	}
}

// TestEstimateLooksAtPrefix: what follows estimateRunes runes does not
// change the estimate, so that its cost is bounded.
func TestEstimateLooksAtPrefix(t *testing.T) {
	// 64, not estimateRunes: the test is that the bound is this small.
	weak, strong := strings.Repeat("a", 64), "k9#mPz2w tamarind gazebo"
	if got := Estimate(weak + strong); got != VeryWeak {
		t.Fatalf("Estimate(64 a + strong tail) = %v; want very weak", got)
	}
	if got := Estimate(strong + weak); got != VeryStrong {
		t.Fatalf("Estimate(strong head + 64 a) = %v; want very strong", got)
	}
}

func TestFirstRunes(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
		runs int
	}{
		{"abc", 2, "ab", 2},
		{"abc", 3, "abc", 3},
		{"abc", 9, "abc", 3},
		{"żółw", 2, "żó", 2},
		{"", 4, "", 0},
		{"a\xffb", 2, "a\xff", 2},
	} {
		if got, n := firstRunes(tc.s, tc.n); got != tc.want || n != tc.runs {
			t.Errorf("firstRunes(%q, %d) = %q, %d; want %q, %d", tc.s, tc.n, got, n, tc.want, tc.runs)
		}
	}
}

func TestLeetReadings(t *testing.T) {
	for _, tc := range []struct {
		pw   string
		want int
	}{
		{"correct horse", 1},
		{"p@ssw0rd", 1},
		{"p@55w0rd4", 2}, // a: @ or 4
		{"({[<", 4},      // c: one of four
		{"1", 2},         // i or l
		{"1|", 16},       // an upper bound: the matcher tries fewer
		{"({[<tuvw", 4},  // the max-length-l33t-budget benchmark
		{"({[<4@$5", 16},
		{"4@8({[<369!|170$5+7%2", 4608},
	} {
		if got := leetReadings(tc.pw); got != tc.want {
			t.Errorf("leetReadings(%q) = %d; want %d", tc.pw, got, tc.want)
		}
	}
	// The l33t matcher still runs on ordinary substitutions in 64 runes.
	if n := estimateRunes; leetReadings("p@ssw0rd")*n*n > leetBudget {
		t.Error("the l33t matcher is skipped for p@ssw0rd")
	}
}

func TestUserWords(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"", "  "}, nil},
		{[]string{"Jill"}, []string{"jill"}},
		{[]string{"Jill Jones"}, []string{"jill jones", "jill", "jones", "jilljones"}},
		{[]string{"jill.jones@example.com"}, []string{"jill.jones@example.com", "jill.jones", "jill", "jones", "jilljones"}},
		{[]string{"Li Wu"}, []string{"li wu", "liwu"}},
	} {
		if got := userWords(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("userWords(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
