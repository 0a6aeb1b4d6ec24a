package account

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// actionProfileChanged is the audit action of a person changing its own
// profile on the page.
const actionProfileChanged = "user.profile_changed"

// changeProfile serves POST /account/profile: display name, given and
// family name, phone, job title, office and preferred language. After
// posted's checks (a support session is refused there, before anything
// the form carries is read), directory.UpdateOwnProfile trims and checks
// the fields and stores them for the session's user; a *FieldError shows
// the page again with the reason on that field and the values typed kept,
// and changes nothing. Username, email and roles are not the form's.
//
// A change is audited once it is made, as the password is:
// user.profile_changed in the person's home tenant, the person as actor
// and target, one detail per changed field ("before → after", as the
// administration API writes them) and the client's address. A form that
// changes nothing records nothing.
func (h *Handler) changeProfile(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.posted(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	attrs := p.attrs()
	f := r.PostForm
	own := directory.OwnProfile{
		DisplayName: f.Get("display_name"), GivenName: f.Get("given_name"), FamilyName: f.Get("family_name"),
		Phone: f.Get("phone"), JobTitle: f.Get("job_title"), OfficeLocation: f.Get("office_location"),
		PreferredLanguage: f.Get("preferred_language"),
	}
	before, after, err := h.dir.UpdateOwnProfile(ctx, p.user.ID, own)
	var refused *directory.FieldError
	switch {
	case errors.As(err, &refused):
		h.log.LogAttrs(ctx, slog.LevelInfo, "account profile change refused",
			append(attrs, slog.String("field", refused.Field), slog.String("reason", refused.Reason))...)
		return h.renderAccount(w, r, http.StatusBadRequest, p, templates.AccountPage{Profile: templates.AccountProfile{
			DisplayName: own.DisplayName, GivenName: own.GivenName, FamilyName: own.FamilyName, Phone: own.Phone,
			JobTitle: own.JobTitle, OfficeLocation: own.OfficeLocation, PreferredLanguage: own.PreferredLanguage,
			ErrorField: refused.Field, Reason: refused.Reason,
		}})
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrUserDisabled): // since signedIn looked
		return h.gone(w, r, p, err)
	case err != nil:
		return templates.InternalError(fmt.Errorf("update own profile: %w", err), attrs...)
	}
	p.user = after
	details := diff(profileDetails(before), profileDetails(after))
	if len(details) == 0 {
		return h.renderAccount(w, r, http.StatusOK, p, templates.AccountPage{Notice: templates.MsgProfileUnchanged})
	}
	details["address"] = throttle.ClientAddress(r)
	// Audited once the change is made; if the event cannot be recorded the
	// profile stays changed, and the log says which event was lost.
	e := audit.Event{
		Time: h.now().UTC(), Action: actionProfileChanged, TenantID: after.TenantID,
		Actor: after.ID, ActorName: after.Username, Target: after.ID, TargetName: after.Username,
		Details: details,
	}
	if err := h.audit(ctx, e); err != nil {
		return templates.InternalError(fmt.Errorf("audit %s (the profile is changed): %w", e.Action, err), attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "profile changed from the account page", attrs...)
	return h.renderAccount(w, r, http.StatusOK, p, templates.AccountPage{Notice: templates.MsgProfileSaved})
}

// profileOf is the profile section for u as stored.
func profileOf(u directory.User) templates.AccountProfile {
	return templates.AccountProfile{
		Email: u.Email, DisplayName: u.DisplayName, GivenName: u.GivenName, FamilyName: u.FamilyName, Phone: u.Phone,
		JobTitle: u.JobTitle, OfficeLocation: u.OfficeLocation, PreferredLanguage: u.PreferredLanguage,
	}
}

// profileDetails are the fields the form changes, named as the
// administration API's audit details name them.
func profileDetails(u directory.User) map[string]string {
	return map[string]string{
		"display_name": u.DisplayName, "given_name": u.GivenName, "family_name": u.FamilyName, "phone": u.Phone,
		"job_title": u.JobTitle, "office_location": u.OfficeLocation, "preferred_language": u.PreferredLanguage,
	}
}

// diff is what changed between two sets of details, as package admin
// writes it: "display_name": "Jill → Jill Smith" for each key whose value
// differs, nothing for the others. Each value is clipped to what the audit
// log stores (a name may be 100 characters of 4 bytes each). At most
// seven details, well within audit.MaxDetails with the address.
func diff(before, after map[string]string) map[string]string {
	out := map[string]string{}
	for k := range after {
		if before[k] != after[k] {
			out[k] = clip(before[k] + " → " + after[k])
		}
	}
	return out
}

// clip keeps v within audit.MaxValueLen bytes, cut at a character.
func clip(v string) string {
	if len(v) <= audit.MaxValueLen {
		return v
	}
	return strings.ToValidUTF8(v[:audit.MaxValueLen-3], "") + "..."
}
