package audit_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []audit.Cursor{
		{Time: time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC), ID: "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"},
		{Time: time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC), ID: "e"},
		{Time: time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), ID: "e:with:colons"},
		{Time: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), ID: "Zoë ☃ /+=?&"},
		{Time: time.Unix(0, 0).UTC(), ID: strings.Repeat("x", audit.MaxValueLen)},
		{Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), ID: "the zero time, with an id"},
	} {
		s := audit.EncodeCursor(c)
		if strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("EncodeCursor(%+v) = %q: not base64url without padding", c, s)
		}
		got, err := audit.DecodeCursor(s)
		if err != nil || got.ID != c.ID || !got.Time.Equal(c.Time) || got.Time.Location() != time.UTC {
			t.Errorf("DecodeCursor(EncodeCursor(%+v)) = %+v, %v", c, got, err)
		}
	}

	// The time is an instant to the microsecond, in UTC.
	in := time.Date(2025, 3, 14, 16, 9, 26, 535897999, time.FixedZone("CET", 3600))
	got, err := audit.DecodeCursor(audit.EncodeCursor(audit.Cursor{Time: in, ID: "e"}))
	if want := in.Truncate(time.Microsecond).UTC(); err != nil || got.Time != want {
		t.Errorf("cursor at %v came back at %v, %v; want %v", in, got.Time, err, want)
	}

	// The zero cursor is "", both ways.
	if s := audit.EncodeCursor(audit.Cursor{}); s != "" {
		t.Errorf("EncodeCursor(zero) = %q, want \"\"", s)
	}
	if c, err := audit.DecodeCursor(""); err != nil || !c.IsZero() {
		t.Errorf(`DecodeCursor("") = %+v, %v; want the zero cursor`, c, err)
	}
}

func TestDecodeCursorRefusesGarbage(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	good := audit.EncodeCursor(audit.Cursor{Time: time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC), ID: "e-1"})
	for name, s := range map[string]string{
		"not base64":              "not a cursor!",
		"standard base64":         base64.StdEncoding.EncodeToString([]byte("1741910400000000:e-1/?>")),
		"padded":                  good + "=",
		"truncated":               good[:len(good)-1],
		"with a space":            " " + good,
		"no separator":            enc("1741910400000000"),
		"no time":                 enc(":e-1"),
		"no id":                   enc("1741910400000000:"),
		"a time that is a word":   enc("yesterday:e-1"),
		"a fractional time":       enc("1741910400.5:e-1"),
		"a plus sign":             enc("+1741910400000000:e-1"),
		"a leading zero":          enc("01741910400000000:e-1"),
		"minus zero":              enc("-0:e-1"),
		"too large a number":      enc("99999999999999999999:e-1"),
		"before the year 1":       enc("-62135596800000001:e-1"),
		"after the year 9999":     enc("253402300800000000:e-1"),
		"an id that is not UTF-8": enc("1741910400000000:e-\xff"),
		"an id with a NUL":        enc("1741910400000000:e-\x00"),
		"an overlong id":          enc("1741910400000000:" + strings.Repeat("x", audit.MaxValueLen+1)),
		"far too long":            strings.Repeat("A", 100000),
		"one character":           "x",
		"punctuation":             "!!!!",
		"padding only":            "AAAA====",
		"words, no separator":     "bm90IGEgY3Vyc29y", // "not a cursor"
		// The same bytes, with a bit set after the last byte: a decoder
		// that is not strict reads it as good.
		"trailing bits": nonCanonical(good),
	} {
		c, err := audit.DecodeCursor(s)
		if !errors.Is(err, audit.ErrBadCursor) {
			t.Errorf("%s: DecodeCursor(%.40q) = %+v, %v; want an error wrapping ErrBadCursor", name, s, c, err)
			continue
		}
		if len(s) > 8 && strings.Contains(err.Error(), s) {
			t.Errorf("%s: the error repeats the cursor: %v", name, err)
		}
	}
}

// nonCanonical returns s, base64url of a length that is not a multiple of
// 3, with the lowest of the unused bits of its last character set.
func nonCanonical(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i|1])
}

func TestQueryPageSize(t *testing.T) {
	for limit, want := range map[int]int{
		-1: audit.ListLimit, 0: audit.ListLimit, 1: 1, 50: 50, audit.ListLimit: audit.ListLimit, audit.ListLimit + 1: audit.ListLimit,
	} {
		if got := (audit.Query{Limit: limit}).PageSize(); got != want {
			t.Errorf("Limit %d: PageSize() = %d, want %d", limit, got, want)
		}
	}
}

func TestQueryActionRange(t *testing.T) {
	for _, action := range []string{"support.login", "support", "totp", ""} {
		if from, to, ok := (audit.Query{Action: action}).ActionRange(); ok {
			t.Errorf("ActionRange of the exact action %q = %q, %q, true", action, from, to)
		}
	}
	for _, tc := range []struct {
		prefix string
		in     []string
		out    []string
	}{
		{"support.", []string{"support.", "support.login", "support.~", "support.\xff"},
			[]string{"support", "support/", "support_team.created", "supports.listed", "Support.login", "supporu"}},
		{".", []string{".", ".x"}, []string{"", "-", "/", "a."}},
	} {
		from, to, ok := (audit.Query{Action: tc.prefix}).ActionRange()
		if !ok {
			t.Errorf("ActionRange of the prefix %q: not a prefix", tc.prefix)
			continue
		}
		for _, a := range tc.in {
			if a < from || a >= to {
				t.Errorf("prefix %q: %q is outside [%q, %q)", tc.prefix, a, from, to)
			}
		}
		for _, a := range tc.out {
			if a >= from && a < to {
				t.Errorf("prefix %q: %q is inside [%q, %q)", tc.prefix, a, from, to)
			}
		}
	}
}
