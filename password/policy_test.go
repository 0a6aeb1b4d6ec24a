package password

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// runes returns the first n runes of s repeated as often as needed.
func runes(s string, n int) string {
	r := []rune(strings.Repeat(s, n/utf8.RuneCountInString(s)+1))
	return string(r[:n])
}

func TestCheck(t *testing.T) {
	const (
		common = "is one of the most common passwords; choose another"
		guess  = "is too easy to guess: add words or length"
		close  = "is too easy to guess (it is close to your username, email or name)"
	)
	jill := []string{"jill.jones", "jill.jones@example.com", "Jill", "Jones"}
	for _, tc := range []struct {
		name   string
		pw     string
		inputs []string
		reason string // "" when accepted
	}{
		{"passphrase", "correct horse battery staple", nil, ""},
		{"passphrase with inputs", "correct horse battery staple", jill, ""},
		{"two uncommon words", "tamarind gazebo", nil, ""},
		{"spaces kept", "  velvet tractor lamp  ", nil, ""},
		{"8 random ascii", "k9#mPz2w", nil, ""},
		{"8 runes multi-byte", "Żółć#9Ęą", nil, ""},
		{"MaxLength runes", runes("żółw gęśla jaźń ", MaxLength), nil, ""},
		{"7 runes", "k9#mPz2", nil, "must be at least 8 characters"},
		{"7 runes of 14 bytes", "ŻółćĘąś", nil, "must be at least 8 characters"},
		{"empty", "", nil, "must not be empty"},
		{"MaxLength+1 runes", runes("żółw gęśla jaźń ", MaxLength+1), nil, "must be at most 256 characters"},
		{"common", "password1", nil, common},
		{"common any case", "Password", nil, common},
		{"common upper", "QWERTY123", nil, common},
		{"common l33t", "p@ssw0rd", nil, common},
		{"word and year", "sunshine2024!", nil, guess},
		{"name and year", "Jennifer1990", nil, guess},
		{"two common words", "velvet tractor", nil, guess},
		{"keyboard walk", "zxcvbnm,./", nil, guess},
		{"username and year", "jill.jones2024", []string{"jill.jones"}, close},
		{"email local part and year", "jill.jones2024", []string{"jill.jones@example.com"}, close},
		{"names run together", "jilljones!77", jill, close},
		{"same without inputs", "jill.jones2024", nil, guess},
		{"NUL", "correct horse\x00battery", nil, "must not contain control characters such as tabs or line breaks"},
		{"tab", "correct\thorse battery", nil, "must not contain control characters such as tabs or line breaks"},
		{"newline", "correct horse battery\n", nil, "must not contain control characters such as tabs or line breaks"},
		{"DEL", "correct horse\x7fbattery", nil, "must not contain control characters such as tabs or line breaks"},
		{"invalid UTF-8", "correct horse \xff battery", nil, "contains bytes that are not text (invalid UTF-8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := DefaultPolicy.Check(tc.pw, tc.inputs...)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("Check refused: %v (strength %v)", err, s)
				}
				if s < DefaultPolicy.MinStrength || !s.Valid() {
					t.Fatalf("accepted with strength %v", s)
				}
				return
			}
			var weak *WeakError
			if !errors.As(err, &weak) || !errors.Is(err, ErrWeak) {
				t.Fatalf("Check = %v, %v; want a *WeakError %q", s, err, tc.reason)
			}
			if weak.Reason != tc.reason {
				t.Fatalf("Reason = %q; want %q", weak.Reason, tc.reason)
			}
			if err.Error() != "password "+tc.reason {
				t.Fatalf("Error() = %q", err.Error())
			}
			if !s.Valid() {
				t.Fatalf("refused with invalid strength %v", s)
			}
		})
	}
}

func TestCheckStrength(t *testing.T) {
	for _, tc := range []struct {
		name string
		pw   string
		want Strength
	}{
		{"accepted", "correct horse battery staple", VeryStrong},
		{"common", "Password", VeryWeak},
		{"guessable", "velvet tractor", Weak},
		{"too short", "k9#", VeryWeak},
		{"control", "correct horse\x00battery", StrengthUnknown},
		{"too long", strings.Repeat("a", MaxLength+1), StrengthUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, _ := DefaultPolicy.Check(tc.pw); s != tc.want {
				t.Fatalf("Check strength = %v; want %v", s, tc.want)
			}
		})
	}
}

func TestCheckPolicy(t *testing.T) {
	lax := Policy{MinLength: 4, MinStrength: VeryWeak}
	if _, err := lax.Check("abcd"); err != nil {
		t.Errorf("lax policy refused abcd: %v", err)
	}
	// The blocklist is a SHALL: it holds whatever MinStrength is.
	if _, err := lax.Check("password"); !errors.Is(err, ErrWeak) {
		t.Errorf("lax policy accepted a common password: %v", err)
	}
	if _, err := (Policy{}).Check(""); err == nil || err.Error() != "password must not be empty" {
		t.Errorf("zero policy, empty password: %v", err)
	}
	strict := Policy{MinLength: 12, MinStrength: VeryStrong}
	for pw, want := range map[string]string{
		"k9#mPz2w":       "must be at least 12 characters",
		"purple monkeys": "is too easy to guess: add words or length",
	} {
		var weak *WeakError
		if _, err := strict.Check(pw); !errors.As(err, &weak) || weak.Reason != want {
			t.Errorf("strict.Check(%q) = %v; want %q", pw, err, want)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		p  Policy
		ok bool
	}{
		{DefaultPolicy, true},
		{Policy{MinLength: 1, MinStrength: VeryWeak}, true},
		{Policy{MinLength: MaxLength, MinStrength: VeryStrong}, true},
		{Policy{}, false},
		{Policy{MinLength: MaxLength + 1, MinStrength: Fair}, false},
		{Policy{MinLength: 8, MinStrength: StrengthUnknown}, false},
		{Policy{MinLength: 8, MinStrength: VeryStrong + 1}, false},
	} {
		if err := tc.p.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v.Validate() = %v; want ok %v", tc.p, err, tc.ok)
		}
	}
}

func TestWeakErrorIs(t *testing.T) {
	if errors.Is(errors.New("password must be at least 8 characters"), ErrWeak) {
		t.Fatal("a plain error matches ErrWeak")
	}
	if errors.Is(&WeakError{"x"}, ErrMalformedHash) {
		t.Fatal("a *WeakError matches ErrMalformedHash")
	}
}

// FuzzCheck: Check and Estimate never panic, their strength is always a
// valid value, and what Check accepts meets the policy.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"correct horse battery staple", "Żółć#9Ęą", "p@ssw0rd", "4@8({[<369!|170$5+7%2", "\xff\xfe", "jill.jones2024"} {
		f.Add(s, "jill.jones@example.com")
	}
	f.Fuzz(func(t *testing.T, pw, input string) {
		s, err := DefaultPolicy.Check(pw, input)
		if !s.Valid() {
			t.Fatalf("Check(%q) strength %v", pw, s)
		}
		if err == nil && (s < DefaultPolicy.MinStrength || utf8.RuneCountInString(pw) < DefaultPolicy.MinLength || isCommon(pw)) {
			t.Fatalf("Check(%q) accepted with strength %v", pw, s)
		}
		if err != nil && !errors.Is(err, ErrWeak) {
			t.Fatalf("Check(%q) = %v, not ErrWeak", pw, err)
		}
		if s := Estimate(pw, input); s < VeryWeak || s > VeryStrong {
			t.Fatalf("Estimate(%q) = %v", pw, s)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	inputs := []string{"jill.jones", "jill.jones@example.com", "Jill", "Jones"}
	isCommon("") // load the list outside the timing: BenchmarkCommonLoad times it
	for _, bc := range []struct{ name, pw string }{
		{"typical", "correct horse battery staple"},
		{"max-length", runes("correct horse battery staple ", MaxLength)},
		{"max-length-multibyte", runes("żółw gęśla jaźń ", MaxLength)},
		// Keyboard walks, the dearest for zxcvbn-go.
		{"max-length-keyboard", runes("1qaz", MaxLength)},
		// Every l33t substitute: the l33t matcher is skipped.
		{"max-length-l33t-all", runes("4@8({[<369!|170$5+7%2", MaxLength)},
		// Four l33t readings of 64 runes: the most the matcher runs on.
		{"max-length-l33t-budget", runes("({[<tuvw", MaxLength)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				DefaultPolicy.Check(bc.pw, inputs...)
			}
		})
	}
}
