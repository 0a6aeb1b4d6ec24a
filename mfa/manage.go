package mfa

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Enrolled reports whether userID has a TOTP credential.
func (s *Service) Enrolled(ctx context.Context, userID string) (bool, error) {
	_, err := s.credential(ctx, userID)
	switch {
	case errors.Is(err, ErrNotEnrolled):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// Status reports sub's enrolment, recovery codes left and lock.
func (s *Service) Status(ctx context.Context, sub Subject) (Status, error) {
	var st Status
	var err error
	if st.Enrolled, err = s.Enrolled(ctx, sub.UserID); err != nil {
		return Status{}, err
	}
	if st.Enrolled {
		if st.RecoveryCodesLeft, err = s.store.RecoveryCodesLeft(ctx, sub.UserID); err != nil {
			return Status{}, fmt.Errorf("mfa: count recovery codes of user %s: %w", sub.UserID, err)
		}
	}
	if st.LockedFor, err = s.lockedFor(ctx, sub.UserID); err != nil {
		return Status{}, err
	}
	return st, nil
}

// RegenerateRecoveryCodes replaces sub's recovery codes by ten new ones,
// returned to be shown once. It takes a current TOTP code (a recovery code
// is ErrMalformed here), checked as by Verify.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, sub Subject, code string) ([]string, error) {
	if err := s.verifyTOTPOnly(ctx, sub, code); err != nil {
		return nil, err
	}
	codes, hashes := s.recoveryCodes()
	if err := s.record(ctx, sub, sub.UserID, sub.Username, "totp.recovery_codes_regenerated", nil); err != nil {
		return nil, err
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, sub.UserID, hashes); err != nil {
		if errors.Is(err, ErrNotFound) { // removed since the code was checked
			return nil, ErrNotEnrolled
		}
		return nil, fmt.Errorf("mfa: replace recovery codes of user %s: %w", sub.UserID, err)
	}
	return codes, nil
}

// Remove deletes sub's own credential and recovery codes. It takes a
// current TOTP code (a recovery code is ErrMalformed here), checked as by
// Verify, so that a session alone cannot turn the second factor off.
func (s *Service) Remove(ctx context.Context, sub Subject, code string) error {
	if err := s.verifyTOTPOnly(ctx, sub, code); err != nil {
		return err
	}
	if err := s.record(ctx, sub, sub.UserID, sub.Username, "totp.removed", nil); err != nil {
		return err
	}
	return s.remove(ctx, sub.UserID)
}

// Reset is an administrator's (or the operator's) removal of sub's
// credential and recovery codes, for a person who lost the authenticator
// and the codes; it also lifts any lock. The person enrols again at the
// next login that requires it. The caller checks that actor may manage
// sub.
func (s *Service) Reset(ctx context.Context, actor Actor, sub Subject) error {
	if err := s.record(ctx, sub, actor.ID, actor.Name, "totp.reset", nil); err != nil {
		return err
	}
	if err := s.remove(ctx, sub.UserID); err != nil {
		return err
	}
	return s.unlock(ctx, sub.UserID)
}

// Unlock is an administrator's lifting of sub's lock, which also forgets
// sub's failures. It is audited whether or not sub was locked. The caller
// checks that actor may manage sub.
func (s *Service) Unlock(ctx context.Context, actor Actor, sub Subject) error {
	locked, err := s.lockedFor(ctx, sub.UserID)
	if err != nil {
		return err
	}
	if err := s.record(ctx, sub, actor.ID, actor.Name, "totp.unlocked",
		map[string]string{"was_locked": strconv.FormatBool(locked > 0)}); err != nil {
		return err
	}
	return s.unlock(ctx, sub.UserID)
}

func (s *Service) remove(ctx context.Context, userID string) error {
	if err := s.store.DeleteTOTPCredential(ctx, userID); err != nil {
		return fmt.Errorf("mfa: remove credential of user %s: %w", userID, err)
	}
	return s.forgetCodes(ctx, userID)
}

func (s *Service) unlock(ctx context.Context, userID string) error {
	if err := s.kv.Delete(ctx, lockPrefix+userID, failPrefix+userID, waitPrefix+userID); err != nil {
		return fmt.Errorf("mfa: unlock user %s: %w", userID, err)
	}
	return nil
}
