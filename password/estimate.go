package password

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go"
	"github.com/ccojocar/zxcvbn-go/adjacency"
	"github.com/ccojocar/zxcvbn-go/match"
	"github.com/ccojocar/zxcvbn-go/matching"
)

// estimateRunes is how much of a password Estimate looks at. zxcvbn-go
// looks up every substring in each of its dictionaries, so its cost grows
// with the square of the length: measured against one argon2id hash at
// Default cost, a passphrase of 64 runes costs about 1% of a hash, of 128
// runes 5%, of 256 runes nearly half. Keyboard walks cost more (zxcvbn-go
// parses its keyboard layout again for each one it finds): 64 runes of
// "1qaz" cost a tenth to a sixth of a hash, the most any password costs.
// 64 runes is more than an estimate needs: a 64-rune prefix that is not a
// short pattern repeated scores VeryStrong. The rest of a longer password
// is still hashed, and counts for MinLength.
const estimateRunes = 64

// leetBudget bounds zxcvbn-go's l33t matcher, which runs the dictionaries
// once per way of reading the substitution characters back as letters
// ("1" as i or l, "@" or "4" as a, …): a password holding all of them has
// hundreds of readings, and 64 runes of it cost ten argon2id hashes. The
// matcher is skipped when leetReadings × runes² exceeds this: four readings
// of 64 runes (as dear as a keyboard walk), sixty-four of 16 runes.
// Ordinary substitutions have one reading ("p@ssw0rd"), and a password
// holding that many different substitution characters is not a dictionary
// word in disguise.
const leetBudget = 4 * estimateRunes * estimateRunes

// Estimate returns how hard pw is to guess, with zxcvbn-go, given
// userInputs: what the person's password should not resemble (username,
// email address, names). A password on the blocklist is VeryWeak whatever
// zxcvbn says. Only the first estimateRunes runes are looked at, so that
// one call costs at most a fraction of an argon2id hash, whatever pw is.
func Estimate(pw string, userInputs ...string) Strength {
	s, _ := estimate(pw, userInputs)
	return s
}

// estimate is Estimate that also reports whether a match on a user input is
// part of the guess zxcvbn found, for Check's message.
func estimate(pw string, userInputs []string) (s Strength, byUserInput bool) {
	if isCommon(pw) {
		return VeryWeak, false
	}
	pw, n := firstRunes(pw, estimateRunes)
	var skip []func(match.Matcher) bool
	if leetReadings(pw)*n*n > leetBudget {
		skip = append(skip, matching.FilterL33tMatcher)
	}
	r := zxcvbn.PasswordStrength(pw, userWords(userInputs), skip...)
	for _, m := range r.MatchSequence {
		if m.DictionaryName == userInputsDictionary {
			byUserInput = true
		}
	}
	return Strength(max(0, min(r.Score, int(VeryStrong)))), byUserInput
}

// userInputsDictionary is the name zxcvbn-go gives matches on userInputs.
const userInputsDictionary = "user_inputs"

// firstRunes returns the first n runes of s and how many runes that is.
func firstRunes(s string, n int) (string, int) {
	i := 0
	for end := range s {
		if i == n {
			return s[:end], n
		}
		i++
	}
	return s, i
}

// leetReadings is an upper bound on the number of readings zxcvbn-go's
// l33t matcher tries for pw: the product, over the letters of its table,
// of how many of that letter's substitutes pw holds, times, for each
// character the table gives to several letters ("1" for i and l), the
// number of those letters.
func leetReadings(pw string) int {
	readings := 1
	letters := map[string]int{} // substitute -> letters it stands for in pw
	for _, subs := range adjacency.GraphMap["l33t"].Graph {
		found := 0
		for _, sub := range subs {
			if strings.Contains(pw, sub) {
				found++
				letters[sub]++
			}
		}
		readings *= max(found, 1)
	}
	for _, n := range letters {
		if n > 1 {
			readings *= n
		}
	}
	return readings
}

// userWords returns what zxcvbn should treat as the person's own words:
// each input lower-cased, the part of an email address before the @, the
// words of these (jill, jones in "jill.jones") and their words run
// together (jilljones). Words shorter than 3 runes are dropped: "li" would
// make any password holding those two letters look weaker. nil when there
// is nothing, which zxcvbn-go reads as no user inputs.
func userWords(inputs []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	for _, in := range inputs {
		in = strings.ToLower(strings.TrimSpace(in))
		if in == "" {
			continue
		}
		add(in)
		if local, _, ok := strings.Cut(in, "@"); ok {
			in = local
			add(in)
		}
		words := strings.FieldsFunc(in, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for _, w := range words {
			if utf8.RuneCountInString(w) >= 3 {
				add(w)
			}
		}
		if len(words) > 1 {
			add(strings.Join(words, ""))
		}
	}
	return out
}
