package password

import (
	"fmt"
	"strings"
)

// Strength is how hard a password is to guess: the score of the zxcvbn
// estimator, kept with the user when the password is set so that the admin
// user list can show it without the password. The scores follow the number
// of guesses zxcvbn-go expects an attacker to need: fewer than 10^6
// (VeryWeak), 10^8 (Weak), 10^10 (Fair), 10^12 (Strong), or more
// (VeryStrong).
//
// The order is meaningful (Weak < Fair), and so are the numbers, which are
// what the stores keep: never renumber them.
type Strength int

const (
	// StrengthUnknown is a password whose strength cannot be known: one
	// imported as a hash, or set before estimates were kept.
	StrengthUnknown Strength = -1
	VeryWeak        Strength = 0
	Weak            Strength = 1
	Fair            Strength = 2
	Strong          Strength = 3
	VeryStrong      Strength = 4
)

var strengthNames = [...]string{"very weak", "weak", "fair", "strong", "very strong"}

// String returns the name an administrator reads: "very weak" … "very
// strong", or "unknown".
func (s Strength) String() string {
	switch {
	case s == StrengthUnknown:
		return "unknown"
	case s >= VeryWeak && s <= VeryStrong:
		return strengthNames[s]
	}
	return fmt.Sprintf("Strength(%d)", int(s))
}

// Valid reports whether s is a value this package produces: one of the five
// scores or StrengthUnknown. A store checks what it reads with it: any other
// number is a hand edit or a bug.
func (s Strength) Valid() bool {
	return s >= StrengthUnknown && s <= VeryStrong
}

// ParseStrength is the inverse of String, for configuration: it ignores
// case and takes "_" or "-" for the space ("very_strong").
func ParseStrength(name string) (Strength, error) {
	n := strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(strings.TrimSpace(name)))
	if n == "unknown" {
		return StrengthUnknown, nil
	}
	for i, sn := range strengthNames {
		if n == sn {
			return Strength(i), nil
		}
	}
	return StrengthUnknown, fmt.Errorf("password: unknown strength %q (want very weak, weak, fair, strong, very strong or unknown)", name)
}
