// Package check holds the two assertions every conformance suite of the
// project (audittest, directorytest, grantstest, keystest, mfatest,
// onetimetest) makes on a store's answers, so that they fail alike and
// are written once.
package check

import (
	"errors"
	"testing"
)

// MustDo fails the test at once if err is not nil: a step the test builds
// on, not what it checks.
func MustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// WantErr fails the test at once unless err wraps want (errors.Is), or is
// nil when want is nil.
func WantErr(t testing.TB, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("error = %v, want nil", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error = %v, want one wrapping %v", err, want)
	}
}
