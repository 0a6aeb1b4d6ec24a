package directory

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// OwnProfile is what a person changes of its own profile on the account
// page: names, phone, job title, office and preferred language. Never its
// username, roles or email address (a new address is verified by mail
// first, with the rest of the user lifecycle).
type OwnProfile struct {
	DisplayName       string
	GivenName         string
	FamilyName        string
	Phone             string
	JobTitle          string
	OfficeLocation    string
	PreferredLanguage string // a BCP 47 tag ("nl", "de-CH"), or "" for none
}

// maxNameLen bounds a name a person types, as maxLineLen bounds a job
// title: a line, never a document.
const maxNameLen = maxLineLen

// UpdateOwnProfile replaces the profile of the active user userID by p,
// trimmed and checked (a *FieldError names the field), and returns the user
// before and after. A deleted or disabled user is ErrNotFound or
// ErrUserDisabled (ActiveUser). Support sessions never reach it: the
// caller refuses them (ErrSupportSession), as for support consents.
func (d *Directory) UpdateOwnProfile(ctx context.Context, userID string, p OwnProfile) (User, User, error) {
	var before, after User
	err := d.store.InTx(ctx, func(s Store) error {
		u, err := s.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		switch {
		case u.Deleted():
			return fmt.Errorf("user %s is deleted: %w", userID, ErrNotFound)
		case u.Disabled:
			return fmt.Errorf("user %s: %w", userID, ErrUserDisabled)
		}
		before, after = u, u
		after.DisplayName, after.GivenName, after.FamilyName = strings.TrimSpace(p.DisplayName),
			strings.TrimSpace(p.GivenName), strings.TrimSpace(p.FamilyName)
		after.Phone, after.JobTitle, after.OfficeLocation = strings.TrimSpace(p.Phone), strings.TrimSpace(p.JobTitle),
			strings.TrimSpace(p.OfficeLocation)
		after.PreferredLanguage = strings.TrimSpace(p.PreferredLanguage)
		for _, f := range []struct{ field, v string }{
			{"display_name", after.DisplayName}, {"given_name", after.GivenName}, {"family_name", after.FamilyName},
		} {
			if !printableLine(f.v, maxNameLen) {
				return fieldErr(f.field, "must be at most %d printable characters on one line", maxNameLen)
			}
		}
		if err := validateProfile(after.Phone, after.JobTitle, after.OfficeLocation); err != nil {
			return err
		}
		if err := validateLanguage(after.PreferredLanguage); err != nil {
			return err
		}
		if sameProfile(before, after) {
			return nil
		}
		after.UpdatedAt = d.now().UTC()
		return s.UpdateUser(ctx, after)
	})
	return before, after, err
}

// validateLanguage accepts "" or a well-formed BCP 47 tag of at most 35
// characters (RFC 5646's practical bound).
func validateLanguage(tag string) error {
	if tag == "" {
		return nil
	}
	if _, err := language.Parse(tag); err != nil || len(tag) > 35 {
		return fieldErr("preferred_language", "must be a language tag such as en, nl or de-CH")
	}
	return nil
}
