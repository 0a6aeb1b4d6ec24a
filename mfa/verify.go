package mfa

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Verify checks what sub typed as the second factor: a TOTP code or one of
// the recovery codes, and says which was accepted. Errors: ErrMalformed
// (not counted), *WaitError (not checked, not counted), ErrNotEnrolled,
// ErrInvalidCode and ErrReplayed (counted); any other error is the
// Service's.
func (s *Service) Verify(ctx context.Context, sub Subject, code string) (Method, error) {
	k, c, err := parseCode(code)
	if err != nil {
		return "", err
	}
	cred, err := s.credential(ctx, sub.UserID)
	if err != nil {
		return "", err
	}
	switch k {
	case kindTOTP:
		if err := s.checkTOTPCredential(ctx, sub, cred, c); err != nil {
			return "", err
		}
		return MethodTOTP, nil
	default:
		if err := s.useRecoveryCode(ctx, sub, c); err != nil {
			return "", err
		}
		return MethodRecovery, nil
	}
}

// verifyTOTPOnly checks a six-digit code of an enrolled sub for an act on
// its own credential (removal, new recovery codes), where a recovery code
// will not do.
func (s *Service) verifyTOTPOnly(ctx context.Context, sub Subject, code string) error {
	k, c, err := parseCode(code)
	if err != nil || k != kindTOTP {
		return ErrMalformed
	}
	cred, err := s.credential(ctx, sub.UserID)
	if err != nil {
		return err
	}
	return s.checkTOTPCredential(ctx, sub, cred, c)
}

// credential returns userID's credential, or ErrNotEnrolled.
func (s *Service) credential(ctx context.Context, userID string) (Credential, error) {
	cred, err := s.store.TOTPCredential(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return Credential{}, ErrNotEnrolled
	}
	if err != nil {
		return Credential{}, fmt.Errorf("mfa: credential of user %s: %w", userID, err)
	}
	return cred, nil
}

// checkTOTPCredential checks the throttle, opens cred's secret and checks
// code against it.
func (s *Service) checkTOTPCredential(ctx context.Context, sub Subject, cred Credential, code string) error {
	release, err := s.checkThrottle(ctx, sub.UserID)
	if err != nil {
		return err
	}
	defer release()
	secret, err := s.sealer.Open(cred.SealedSecret, credentialAAD(sub.UserID))
	if err != nil {
		return fmt.Errorf("mfa: open secret of user %s: %w", sub.UserID, err)
	}
	return s.checkTOTP(ctx, sub, string(secret), code)
}

// useRecoveryCode spends one of sub's recovery codes (canonical form c),
// under the same throttle as TOTP codes, and audits the use with the number
// of codes left.
func (s *Service) useRecoveryCode(ctx context.Context, sub Subject, c string) error {
	release, err := s.checkThrottle(ctx, sub.UserID)
	if err != nil {
		return err
	}
	defer release()
	ok, err := s.store.UseRecoveryCode(ctx, sub.UserID, s.hashRecoveryCode(c), s.now().UTC())
	if err != nil {
		return fmt.Errorf("mfa: use recovery code of user %s: %w", sub.UserID, err)
	}
	if !ok {
		return s.failed(ctx, sub, ErrInvalidCode)
	}
	if err := s.succeeded(ctx, sub.UserID); err != nil {
		return err
	}
	left, err := s.store.RecoveryCodesLeft(ctx, sub.UserID)
	if err != nil {
		return fmt.Errorf("mfa: count recovery codes of user %s: %w", sub.UserID, err)
	}
	// After the use, since the event reports what is left: the code is
	// spent even if the audit fails, and the login then fails with it.
	return s.record(ctx, sub, sub.UserID, sub.Username, "totp.recovery_code_used",
		map[string]string{"remaining": strconv.Itoa(left)})
}

// recoveryCodes makes a new set of recovery codes: as shown, and hashed
// for the store.
func (s *Service) recoveryCodes() (shown []string, hashes [][]byte) {
	for _, c := range newRecoveryCodes(RecoveryCodes) {
		shown = append(shown, displayRecoveryCode(c))
		hashes = append(hashes, s.hashRecoveryCode(c))
	}
	return shown, hashes
}
