package mfa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"

	"github.com/pquerna/otp/totp"
)

// qrSize is the side of the enrolment QR code in pixels: big enough for a
// phone camera across a desk, small enough for a login page.
const qrSize = 200

// NewEnrolment makes a new random secret for sub, with the otpauth:// URL
// an authenticator app reads and a PNG QR code of it. The app shows it as
// the Issuer and "username@tenantslug". Nothing is stored: keep the secret
// sealed (SealSecret) in the pending login state until CompleteEnrolment.
func (s *Service) NewEnrolment(sub Subject) (Enrolment, error) {
	if sub.UserID == "" || sub.Username == "" || sub.TenantSlug == "" {
		return Enrolment{}, errors.New("mfa: new enrolment: the subject needs a user id, username and tenant slug")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.issuer, AccountName: sub.Username + "@" + sub.TenantSlug,
		Period: totpOpts.Period, SecretSize: secretSize, Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm,
	})
	if err != nil {
		return Enrolment{}, fmt.Errorf("mfa: new enrolment: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return Enrolment{}, fmt.Errorf("mfa: new enrolment: QR code: %w", err)
	}
	var qr bytes.Buffer
	if err := png.Encode(&qr, img); err != nil {
		return Enrolment{}, fmt.Errorf("mfa: new enrolment: QR code: %w", err)
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QR: qr.Bytes()}, nil
}

// pendingAAD and credentialAAD bind a sealed secret to its user and to its
// use: a pending secret (in the ephemeral store) does not open as a stored
// credential, nor either of them for another user.
func pendingAAD(userID string) []byte    { return []byte("totp-enrol:" + userID) }
func credentialAAD(userID string) []byte { return []byte("totp:" + userID) }

// SealSecret seals a pending enrolment's secret for sub, so that the login
// can keep it in the ephemeral store until the person confirms it. Only
// OpenSecret for the same user opens it.
func (s *Service) SealSecret(sub Subject, secret string) ([]byte, error) {
	c, err := canonicalSecret(secret)
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealer.Seal([]byte(c), pendingAAD(sub.UserID))
	if err != nil {
		return nil, fmt.Errorf("mfa: seal secret of user %s: %w", sub.UserID, err)
	}
	return sealed, nil
}

// OpenSecret opens what SealSecret sealed for the same user; for another
// user, or altered, it fails (keys.ErrUnseal).
func (s *Service) OpenSecret(sub Subject, sealed []byte) (string, error) {
	b, err := s.sealer.Open(sealed, pendingAAD(sub.UserID))
	if err != nil {
		return "", fmt.Errorf("mfa: open pending secret of user %s: %w", sub.UserID, err)
	}
	return string(b), nil
}

// CompleteEnrolment confirms a pending secret with a code from the app:
// the code is checked as at login (skew, replay guard, throttle), and then
// the secret is stored sealed with ten new recovery codes, which are
// returned to be shown once ("xxxxx-xxxxx"). Only a six-digit code will
// do; a user who has a credential gets ErrEnrolled.
func (s *Service) CompleteEnrolment(ctx context.Context, sub Subject, secret, code string) ([]string, error) {
	secret, err := canonicalSecret(secret)
	if err != nil {
		return nil, err
	}
	k, c, err := parseCode(code)
	if err != nil || k != kindTOTP {
		return nil, ErrMalformed
	}
	release, err := s.checkThrottle(ctx, sub.UserID)
	if err != nil {
		return nil, err
	}
	defer release()
	switch enrolled, err := s.Enrolled(ctx, sub.UserID); {
	case err != nil:
		return nil, err
	case enrolled:
		return nil, ErrEnrolled
	}
	if err := s.checkTOTP(ctx, sub, secret, c); err != nil {
		return nil, err
	}
	sealed, err := s.sealer.Seal([]byte(secret), credentialAAD(sub.UserID))
	if err != nil {
		return nil, fmt.Errorf("mfa: seal secret of user %s: %w", sub.UserID, err)
	}
	codes, hashes := s.recoveryCodes()
	if err := s.record(ctx, sub, sub.UserID, sub.Username, "totp.enrolled", nil); err != nil {
		return nil, err
	}
	cred := Credential{UserID: sub.UserID, SealedSecret: sealed, CreatedAt: s.now().UTC()}
	if err := s.store.PutTOTPCredential(ctx, cred, hashes); err != nil {
		return nil, fmt.Errorf("mfa: enrol user %s: %w", sub.UserID, err)
	}
	return codes, nil
}
