package templates

// The "Profile" section of the account page: the person sees its username
// and email address and changes the rest of its own profile (the form
// posts to /account/profile).

// Messages of the profile section.
const (
	// MsgProfileSaved: the person's profile is changed. A notice of the
	// page, above its sections.
	MsgProfileSaved Message = "profile_saved"
	// MsgProfileUnchanged: the profile form was sent as it was shown;
	// there was nothing to change.
	MsgProfileUnchanged Message = "profile_unchanged"
)

// AccountProfile is the state of the profile section: the values shown
// (the stored ones, or those typed into a refused form) and the refusal,
// if any.
type AccountProfile struct {
	// Email is shown read-only: the administrator changes it (a new
	// address is verified by mail first, which is still to come).
	Email             string
	DisplayName       string
	GivenName         string
	FamilyName        string
	Phone             string
	JobTitle          string
	OfficeLocation    string
	PreferredLanguage string
	// ErrorField is the field the directory refused ("display_name",
	// "given_name", "family_name", "phone", "job_title",
	// "office_location", "preferred_language"), Reason its words, which
	// complete the field's label ("Phone must be at most …").
	ErrorField string
	Reason     string
}

// ProfileField is what the "account_profile_field" partial draws: one
// text input of the profile form.
type ProfileField struct {
	ID           string
	Name         string // the form field, and the directory's field name
	Label        string // the label's message id (locales)
	Type         string
	Autocomplete string
	Value        string
	// Error is the directory's reason, completing Label; empty when the
	// field is fine.
	Error string
}

// ProfileFields are the text inputs of the profile form, in order.
func (p AccountPage) ProfileFields() []ProfileField {
	pr := p.Profile
	fields := []ProfileField{
		{ID: "display-name", Name: "display_name", Label: "account.profile.display_name", Type: "text", Autocomplete: "name", Value: pr.DisplayName},
		{ID: "given-name", Name: "given_name", Label: "account.profile.given_name", Type: "text", Autocomplete: "given-name", Value: pr.GivenName},
		{ID: "family-name", Name: "family_name", Label: "account.profile.family_name", Type: "text", Autocomplete: "family-name", Value: pr.FamilyName},
		{ID: "phone", Name: "phone", Label: "account.profile.phone", Type: "tel", Autocomplete: "tel", Value: pr.Phone},
		{ID: "job-title", Name: "job_title", Label: "account.profile.job_title", Type: "text", Autocomplete: "organization-title", Value: pr.JobTitle},
		{ID: "office-location", Name: "office_location", Label: "account.profile.office_location", Type: "text", Autocomplete: "off", Value: pr.OfficeLocation},
	}
	for i := range fields {
		if fields[i].Name == pr.ErrorField {
			fields[i].Error = pr.Reason
		}
	}
	return fields
}

// LanguageOption is one option of the preferred-language select.
type LanguageOption struct {
	Value    string
	Label    string
	Selected bool
}

// profileLanguages are the languages the select offers; each label is in
// its own language.
var profileLanguages = []LanguageOption{{"", "", false}, {"en", "English", false}, {"nl", "Nederlands", false}, {"de", "Deutsch", false}}

// LanguageOptions are the options of the preferred-language select, the
// profile's selected. A stored tag the select does not offer ("de-CH",
// "fr") is an extra option, selected, so that saving the form keeps it.
func (p AccountPage) LanguageOptions() []LanguageOption {
	opts := make([]LanguageOption, 0, len(profileLanguages)+1)
	found := false
	for _, o := range profileLanguages {
		o.Selected = o.Value == p.Profile.PreferredLanguage
		found = found || o.Selected
		opts = append(opts, o)
	}
	if !found {
		opts = append(opts, LanguageOption{Value: p.Profile.PreferredLanguage, Label: p.Profile.PreferredLanguage, Selected: true})
	}
	return opts
}

// LanguageError is the directory's reason for refusing the preferred
// language, or "".
func (p AccountPage) LanguageError() string {
	if p.Profile.ErrorField == "preferred_language" {
		return p.Profile.Reason
	}
	return ""
}

// CanChangeProfile reports whether the page offers the profile form: not
// to a support session, which never changes the person's profile.
func (p AccountPage) CanChangeProfile() bool { return !p.InSupportSession() }
