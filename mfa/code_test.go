package mfa

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestRFC6238Vectors runs the SHA-1 test vectors of RFC 6238 Appendix B
// through pquerna/otp with the Service's own options (but eight digits, as
// the vectors have), proving the library computes what the RFC says with
// this configuration: 30-second steps from the Unix epoch, HMAC-SHA-1, the
// RFC 4226 truncation. The six-digit codes the Service uses are the last
// six digits of these.
func TestRFC6238Vectors(t *testing.T) {
	// "The test token shared secret uses the ASCII string value
	// "12345678901234567890"."
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	opts := totpOpts
	opts.Digits = otp.DigitsEight
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		at := time.Unix(tc.unix, 0).UTC()
		got, err := totp.GenerateCodeCustom(secret, at, opts)
		if err != nil || got != tc.want {
			t.Errorf("code at %d = %q, %v; want %q", tc.unix, got, err, tc.want)
		}
		six, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err != nil || six != tc.want[2:] {
			t.Errorf("six-digit code at %d = %q, %v; want %q", tc.unix, six, err, tc.want[2:])
		}
		// matchCounter finds the code in the step of at, and in its
		// neighbours' windows, but not two steps away.
		for _, d := range []time.Duration{-period, 0, period} {
			c, ok, err := matchCounter(secret, six, at.Add(d))
			if err != nil || !ok || c != counterAt(at) {
				t.Errorf("matchCounter(code at %d, now %+v) = %d, %v, %v; want %d", tc.unix, d, c, ok, err, counterAt(at))
			}
		}
		for _, d := range []time.Duration{-2 * period, 2 * period} {
			if _, ok, _ := matchCounter(secret, six, at.Add(d)); ok {
				t.Errorf("matchCounter(code at %d, now %+v) matched", tc.unix, d)
			}
		}
	}
	if totpOpts.Period != 30 || totpOpts.Digits != otp.DigitsSix || totpOpts.Algorithm != otp.AlgorithmSHA1 {
		t.Errorf("totpOpts = %+v, want 30 s, six digits, SHA-1", totpOpts)
	}
}

func TestParseCode(t *testing.T) {
	for _, tc := range []struct {
		in       string
		kind     kind
		want     string
		malforms bool
	}{
		{in: "123456", kind: kindTOTP, want: "123456"},
		{in: " 123 456 ", kind: kindTOTP, want: "123456"},
		{in: "123-456", kind: kindTOTP, want: "123456"},
		{in: "\t123456\n", kind: kindTOTP, want: "123456"},
		{in: "000000", kind: kindTOTP, want: "000000"},
		{in: "abcde-fghjk", kind: kindRecovery, want: "abcdefghjk"},
		{in: "ABCDE-FGHJK", kind: kindRecovery, want: "abcdefghjk"},
		{in: "abcdefghjk", kind: kindRecovery, want: "abcdefghjk"},
		{in: "a b c d e f g h j k", kind: kindRecovery, want: "abcdefghjk"},
		{in: "0123456789", kind: kindRecovery, want: "0123456789"}, // ten digits: a recovery code
		{in: "oOiIl-vwxyz", kind: kindRecovery, want: "00111vwxyz"},
		{in: "ol234-56789", kind: kindRecovery, want: "0123456789"},
		{in: "", malforms: true},
		{in: "   ", malforms: true},
		{in: "------", malforms: true},
		{in: "12345", malforms: true},
		{in: "1234567", malforms: true},
		{in: "12345a", malforms: true}, // six characters, not all digits
		{in: "12345o", malforms: true}, // look-alikes are read only in recovery codes
		{in: "abcde-fghju", malforms: true},
		{in: "abcde_fghjk", malforms: true},
		{in: "abcde-fghjkm", malforms: true},
		{in: "abcd-fghjk", malforms: true},
		{in: "１２３４５６", malforms: true},
		{in: "abcdé-fghjk", malforms: true},
		{in: strings.Repeat("1", 65), malforms: true},
		{in: strings.Repeat(" ", 58) + "123456", kind: kindTOTP, want: "123456"},
		{in: strings.Repeat(" ", 59) + "123456", malforms: true}, // longer than maxInput
	} {
		k, got, err := parseCode(tc.in)
		if tc.malforms {
			if err != ErrMalformed {
				t.Errorf("parseCode(%q) = %v, %q, %v; want ErrMalformed", tc.in, k, got, err)
			}
			continue
		}
		if err != nil || k != tc.kind || got != tc.want {
			t.Errorf("parseCode(%q) = %v, %q, %v; want %v, %q", tc.in, k, got, err, tc.kind, tc.want)
		}
	}
}

// FuzzParseCode checks what parseCode promises for any input: a TOTP code
// is six ASCII digits, a recovery code ten characters of the alphabet, and
// parsing is idempotent, so the hash of a code does not depend on how it
// was typed.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"123456", " 123-456 ", "abcde-fghjk", "OLIOL-12345", "", "１２３４５６", "abcdé-fghjk"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		k, got, err := parseCode(in)
		if err != nil {
			if err != ErrMalformed || k != 0 || got != "" {
				t.Fatalf("parseCode(%q) = %v, %q, %v", in, k, got, err)
			}
			return
		}
		switch k {
		case kindTOTP:
			if len(got) != 6 || !allDigits(got) {
				t.Fatalf("TOTP code %q from %q", got, in)
			}
		case kindRecovery:
			if len(got) != 10 || strings.Trim(got, recoveryAlphabet) != "" {
				t.Fatalf("recovery code %q from %q", got, in)
			}
			if k2, again, err := parseCode(displayRecoveryCode(got)); err != nil || k2 != k || again != got {
				t.Fatalf("shown form of %q reads back as %v, %q, %v", got, k2, again, err)
			}
		default:
			t.Fatalf("kind %v from %q", k, in)
		}
		if k2, again, err := parseCode(got); err != nil || k2 != k || again != got {
			t.Fatalf("parseCode(%q) = %v, %q, %v; not idempotent", got, k2, again, err)
		}
	})
}

func TestNewRecoveryCodes(t *testing.T) {
	codes := newRecoveryCodes(1000)
	seen := map[string]bool{}
	counts := map[rune]int{}
	for _, c := range codes {
		if k, got, err := parseCode(displayRecoveryCode(c)); err != nil || k != kindRecovery || got != c {
			t.Fatalf("code %q does not read back: %v, %q, %v", c, k, got, err)
		}
		if seen[c] {
			t.Fatalf("code %q repeated", c)
		}
		seen[c] = true
		for _, r := range c {
			counts[r]++
		}
	}
	// Every symbol of the alphabet turns up in 10,000 draws (each about
	// 312 times; missing one by chance is below 2^-400).
	if len(counts) != len(recoveryAlphabet) || len(recoveryAlphabet) != 32 {
		t.Errorf("%d symbols drawn from an alphabet of %d, want 32", len(counts), len(recoveryAlphabet))
	}
	for _, r := range "ilou" {
		if strings.ContainsRune(recoveryAlphabet, r) {
			t.Errorf("alphabet holds the look-alike %q", r)
		}
	}
}

func TestWaitAfter(t *testing.T) {
	for n, want := range map[int64]time.Duration{
		0: 0, 1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 16 * time.Second,
		6: 30 * time.Second, 7: 30 * time.Second, 64: 30 * time.Second, 1 << 40: 30 * time.Second,
	} {
		if got := waitAfter(n); got != want {
			t.Errorf("waitAfter(%d) = %v, want %v", n, got, want)
		}
	}
}
