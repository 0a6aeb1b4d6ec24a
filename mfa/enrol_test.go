package mfa_test

import (
	"bytes"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/mfa"
)

func TestNewEnrolment(t *testing.T) {
	e := newEnv(t)
	en, err := e.svc.NewEnrolment(e.jill)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
	if err != nil || len(secret) != 20 {
		t.Errorf("Secret %d bytes, %v; want 20 bytes of base32", len(secret), err)
	}

	u, err := url.Parse(en.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for _, c := range []struct{ what, got, want string }{
		{"scheme", u.Scheme, "otpauth"},
		{"type", u.Host, "totp"},
		{"label", u.Path, "/Gatehouse:jill@acme"},
		{"secret", q.Get("secret"), en.Secret},
		{"issuer", q.Get("issuer"), "Gatehouse"},
		{"algorithm", q.Get("algorithm"), "SHA1"},
		{"digits", q.Get("digits"), "6"},
		{"period", q.Get("period"), "30"},
	} {
		if c.got != c.want {
			t.Errorf("URL %s = %q, want %q (URL %s)", c.what, c.got, c.want, en.URL)
		}
	}

	img, err := png.Decode(bytes.NewReader(en.QR))
	if err != nil {
		t.Fatalf("QR is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 200 || b.Dy() != 200 {
		t.Errorf("QR is %dx%d, want 200x200", b.Dx(), b.Dy())
	}

	other, err := e.svc.NewEnrolment(e.jill)
	if err != nil {
		t.Fatal(err)
	}
	if other.Secret == en.Secret {
		t.Error("two enrolments got the same secret")
	}
	if _, err := e.svc.NewEnrolment(mfa.Subject{UserID: "u-x"}); err == nil {
		t.Error("NewEnrolment without a username and tenant slug succeeded")
	}
}

// TestEnrolmentRedacted: an Enrolment holds the secret; it must not reach
// a log line or a formatted message.
func TestEnrolmentRedacted(t *testing.T) {
	e := newEnv(t)
	en, err := e.svc.NewEnrolment(e.jill)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("enrolment", "enrolment", en)
	for _, s := range []string{buf.String(), fmt.Sprint(en), fmt.Sprintf("%v %+v %s %#v", en, en, en, en)} {
		if strings.Contains(s, en.Secret) {
			t.Errorf("the secret shows in %q", s)
		}
	}
}

func TestCompleteEnrolment(t *testing.T) {
	e := newEnv(t)
	en, err := e.svc.NewEnrolment(e.jill)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	// A wrong code enrols nothing.
	if _, err := e.svc.CompleteEnrolment(ctx, e.jill, en.Secret, wrong(e.code(en.Secret, 0))); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("CompleteEnrolment with a wrong code: error = %v, want ErrInvalidCode", err)
	}
	// A recovery code, or anything but six digits, is malformed.
	for _, c := range []string{"", "abcde-fghjk", "12345", "1234567"} {
		if _, err := e.svc.CompleteEnrolment(ctx, e.jill, en.Secret, c); !errors.Is(err, mfa.ErrMalformed) {
			t.Fatalf("CompleteEnrolment(%q): error = %v, want ErrMalformed", c, err)
		}
	}
	if e.status(e.jill).Enrolled {
		t.Fatal("enrolled after failed attempts")
	}
	e.clock.Advance(time.Second) // the wait after the failure

	codes, err := e.svc.CompleteEnrolment(ctx, e.jill, en.Secret, e.code(en.Secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != mfa.RecoveryCodes || mfa.RecoveryCodes != 10 {
		t.Fatalf("%d recovery codes, want 10", len(codes))
	}
	format := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !format.MatchString(c) || seen[c] {
			t.Errorf("recovery code %q: not xxxxx-xxxxx of Crockford base32, or repeated", c)
		}
		seen[c] = true
	}
	if st := e.status(e.jill); st != (mfa.Status{Enrolled: true, RecoveryCodesLeft: 10}) {
		t.Errorf("Status = %+v, want enrolled with 10 codes", st)
	}
	if st := e.status(e.john); st != (mfa.Status{}) {
		t.Errorf("Status of another user = %+v, want nothing", st)
	}

	evs := e.log.actions("totp.enrolled")
	if len(evs) != 1 || evs[0].Actor != e.jill.UserID || evs[0].ActorName != "jill" || evs[0].Target != e.jill.UserID ||
		evs[0].TenantID != e.jill.TenantID || evs[0].ID == "" || !evs[0].Time.Equal(e.clock.Now()) {
		t.Errorf("enrolment events = %+v", evs)
	}
	e.log.wantNoSecrets(t, append(codes, en.Secret, e.code(en.Secret, 0))...)

	// The stored secret is sealed.
	cred, err := e.db.TOTPCredential(ctx, e.jill.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(cred.SealedSecret, []byte(en.Secret)) {
		t.Error("the secret is stored in clear")
	}

	// Enrolling again over a credential is refused; so is the same code.
	other, err := e.svc.NewEnrolment(e.jill)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	if _, err := e.svc.CompleteEnrolment(ctx, e.jill, other.Secret, e.code(other.Secret, 0)); !errors.Is(err, mfa.ErrEnrolled) {
		t.Errorf("second CompleteEnrolment: error = %v, want ErrEnrolled", err)
	}
}

// TestEnrolmentCodeIsUsed: the code that confirmed the enrolment cannot
// then pass as the second factor of a login.
func TestEnrolmentCodeIsUsed(t *testing.T) {
	e := newEnv(t)
	en, err := e.svc.NewEnrolment(e.jill)
	if err != nil {
		t.Fatal(err)
	}
	code := e.code(en.Secret, 0)
	if _, err := e.svc.CompleteEnrolment(t.Context(), e.jill, en.Secret, code); err != nil {
		t.Fatal(err)
	}
	e.verify(e.node(func(*mfa.Config) {}), e.jill, code, mfa.ErrReplayed)
}

func TestSealedSecretBoundToUser(t *testing.T) {
	e := newEnv(t)
	en, err := e.svc.NewEnrolment(e.jill)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := e.svc.SealSecret(e.jill, en.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(en.Secret)) {
		t.Error("the sealed secret holds the secret in clear")
	}
	// Another node (same key-encryption key) opens it for the same user.
	if got, err := e.node(func(*mfa.Config) {}).OpenSecret(e.jill, sealed); err != nil || got != en.Secret {
		t.Errorf("OpenSecret for the same user = %v; want the secret", err)
	}
	if _, err := e.svc.OpenSecret(e.john, sealed); !errors.Is(err, keys.ErrUnseal) {
		t.Errorf("OpenSecret for another user: error = %v, want keys.ErrUnseal", err)
	}
	if _, err := e.svc.SealSecret(e.jill, "not base32!"); err == nil {
		t.Error("SealSecret accepted a secret that is not base32")
	}
	if _, err := e.svc.SealSecret(e.jill, "JBSWY3DPEHPK3PXP"); err == nil {
		t.Error("SealSecret accepted a secret of 80 bits")
	}
}

// TestStoredSecretBoundToUser moves jill's sealed credential into john's
// row, as someone with write access to the database might: it does not
// open there, and jill's codes do not pass as john's.
func TestStoredSecretBoundToUser(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	cred, err := e.db.TOTPCredential(t.Context(), e.jill.UserID)
	if err != nil {
		t.Fatal(err)
	}
	cred.UserID = e.john.UserID
	if err := e.db.PutTOTPCredential(t.Context(), cred, nil); err != nil {
		t.Fatal(err)
	}
	m, err := e.svc.Verify(t.Context(), e.john, e.code(secret, 0))
	if !errors.Is(err, keys.ErrUnseal) {
		t.Errorf("Verify of john with jill's moved secret = %q, %v; want keys.ErrUnseal", m, err)
	}
	e.verify(e.svc, e.jill, e.code(secret, 0), nil)
}

// wrong returns a six-digit code other than code.
func wrong(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}
