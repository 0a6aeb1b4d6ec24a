package password

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxLength is the most characters (runes) a password may have. SP 800-63B
// §5.1.1.2: "Verifiers SHOULD permit subscriber-chosen memorized secrets at
// least 64 characters in length"; 256 leaves room for any passphrase a
// person types and bounds what one request makes the server do: at most
// 1 KiB of UTF-8 to hash and lower-case. argon2id's cost hardly depends on
// the input's length; Estimate's does, and it looks at the first
// estimateRunes only.
const MaxLength = 256

// Policy is what a password a person chooses must meet. There are no
// composition rules (a digit, a capital, a symbol): SP 800-63B §5.1.1.2
// says verifiers "SHOULD NOT impose other composition rules", since people
// meet them with predictable patterns (Password1!) that only annoy. Spaces
// and any Unicode are allowed; each code point counts as one character.
type Policy struct {
	// MinLength is the fewest characters (runes) a password may have. An
	// empty password is refused whatever MinLength is.
	MinLength int
	// MinStrength is the lowest Estimate accepted; VeryWeak accepts any.
	MinStrength Strength
}

// DefaultPolicy is what passwords meet unless the operator says otherwise.
//
// MinLength 8 is SP 800-63B's minimum for a chosen secret ("SHALL be at
// least 8 characters in length"). MinStrength Fair (zxcvbn score 2) refuses
// what a guesser tries first, even when it is not on the blocklist: a word
// with digits (sunshine2024!), a name and a year (Jennifer1990), a keyboard
// walk, the person's own username; it accepts two uncommon words (tamarind
// gazebo), three common ones (velvet tractor lamp), or eight characters
// that follow no pattern. Stronger is not asked: Fair already defeats online
// guessing, which logins also throttle, and offline guessing is held back
// by argon2id's cost; a higher bar only makes people write passwords down
// or reuse the one that once passed.
var DefaultPolicy = Policy{MinLength: 8, MinStrength: Fair}

// ErrWeak matches, with errors.Is, every *WeakError.
var ErrWeak = errors.New("password refused by the policy")

// WeakError is a password the policy refuses.
type WeakError struct {
	// Reason says why, for the person choosing the password, as the rest of
	// a sentence that starts with "The password" ("must be at least 8
	// characters"); a form shows it next to the field. It never quotes the
	// password.
	Reason string
}

func (e *WeakError) Error() string { return "password " + e.Reason }

// Is makes errors.Is(err, ErrWeak) true.
func (e *WeakError) Is(target error) bool { return target == ErrWeak }

// Validate reports a policy no password could sensibly meet or that checks
// nothing: for configuration, at start-up.
func (p Policy) Validate() error {
	if p.MinLength < 1 || p.MinLength > MaxLength {
		return fmt.Errorf("password policy: minimum length %d is not between 1 and %d", p.MinLength, MaxLength)
	}
	if p.MinStrength < VeryWeak || p.MinStrength > VeryStrong {
		return fmt.Errorf("password policy: minimum strength %v is not one of very weak … very strong", p.MinStrength)
	}
	return nil
}

// Check returns the Estimate of pw and, when p refuses pw, a *WeakError.
// userInputs are what the person's password should not resemble: their
// username, email address, names.
//
// In order, pw must be valid UTF-8 without control characters (a tab or a
// NUL is a paste or a client's mistake, not something a person can type
// again at a login form), at most MaxLength runes, at least MinLength
// runes, not on the blocklist (whatever MinStrength is: SP 800-63B makes it
// a SHALL), and at least MinStrength. The Strength is StrengthUnknown when
// pw fails one of the first two checks.
func (p Policy) Check(pw string, userInputs ...string) (Strength, error) {
	if !utf8.ValidString(pw) {
		return StrengthUnknown, &WeakError{"contains bytes that are not text (invalid UTF-8)"}
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return StrengthUnknown, &WeakError{"must not contain control characters such as tabs or line breaks"}
		}
	}
	n := utf8.RuneCountInString(pw)
	if n > MaxLength {
		return StrengthUnknown, &WeakError{fmt.Sprintf("must be at most %d characters", MaxLength)}
	}
	s, byUserInput := estimate(pw, userInputs)
	if n == 0 {
		return s, &WeakError{"must not be empty"}
	}
	if n < p.MinLength {
		return s, &WeakError{fmt.Sprintf("must be at least %d characters", p.MinLength)}
	}
	if isCommon(pw) {
		return s, &WeakError{"is one of the most common passwords; choose another"}
	}
	if s < p.MinStrength {
		if byUserInput {
			return s, &WeakError{"is too easy to guess (it is close to your username, email or name)"}
		}
		return s, &WeakError{"is too easy to guess: add words or length"}
	}
	return s, nil
}
