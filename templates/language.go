package templates

import (
	"net/http"
	"net/url"
	"time"

	"golang.org/x/text/language"
)

// The pages are written in English, Dutch and German (locales/*.json).
// Which one a person reads is chosen per request by Language; the layout
// draws a switch to the others on every page.

// LangParam is the query parameter of the language switch ("?lang=nl").
const LangParam = "lang"

// LangCookie remembers the language chosen with the switch for a year.
const LangCookie = "gatehouse_lang"

const langCookieMaxAge = 365 * 24 * time.Hour

// maxLangLen bounds what is parsed as a language: a real tag is short,
// and an Accept-Language header a few dozen bytes.
const (
	maxLangLen           = 64
	maxAcceptLanguageLen = 1024
)

// Languages returns the languages the pages are written in; the first,
// English, is the fallback.
func Languages() []language.Tag {
	return []language.Tag{language.English, language.Dutch, language.German}
}

// languageNames name each language in itself, for the switch.
var languageNames = map[string]string{"en": "English", "nl": "Nederlands", "de": "Deutsch"}

// pageLanguages are Languages, and matcher matches against them; neither
// changes after start.
var (
	pageLanguages = Languages()
	matcher       = language.NewMatcher(pageLanguages)
)

// Language picks the language of a page for r: the switch's lang query
// parameter, then the language it remembered in the gatehouse_lang
// cookie, then hints in order (the handler's: the authorization request's
// ui_locales, then the person's preferred language), then the browser's
// Accept-Language, then English. Each is a BCP 47 tag; a regional or
// related variant counts ("de-AT" is German, "nl-BE" Dutch), anything else
// (unknown, malformed, empty) is passed over.
func Language(r *http.Request, hints ...string) language.Tag {
	if t, ok := matchTag(r.URL.Query().Get(LangParam)); ok {
		return t
	}
	if c, err := r.Cookie(LangCookie); err == nil {
		if t, ok := matchTag(c.Value); ok {
			return t
		}
	}
	for _, h := range hints {
		if t, ok := matchTag(h); ok {
			return t
		}
	}
	if h := r.Header.Get("Accept-Language"); h != "" && len(h) <= maxAcceptLanguageLen {
		if tags, _, err := language.ParseAcceptLanguage(h); err == nil && len(tags) > 0 {
			if t, ok := match(tags...); ok {
				return t
			}
		}
	}
	return language.English
}

// matchTag matches one tag s.
func matchTag(s string) (language.Tag, bool) {
	if s == "" || len(s) > maxLangLen {
		return language.Und, false
	}
	t, err := language.Parse(s)
	if err != nil {
		return language.Und, false
	}
	return match(t)
}

// match returns the page language that serves tags, best first, if one
// does with high confidence.
func match(tags ...language.Tag) (language.Tag, bool) {
	_, i, conf := matcher.Match(tags...)
	if conf < language.High {
		return language.Und, false
	}
	return pageLanguages[i], true
}

// RememberLanguage sets the gatehouse_lang cookie when r comes from the
// language switch (a lang query parameter naming one of Languages), so that
// the next pages, and the forms' answers, are in that language too. It
// holds nothing secret, but no script needs it. secure marks it Secure, as
// the other cookies of the pages.
func RememberLanguage(w http.ResponseWriter, r *http.Request, secure bool) {
	t, ok := matchTag(r.URL.Query().Get(LangParam))
	if !ok {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: LangCookie, Value: t.String(), Path: "/", MaxAge: int(langCookieMaxAge / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

// LanguageLink is one link of the language switch.
type LanguageLink struct {
	Lang    string // "nl"
	Name    string // "Nederlands", in the language itself
	Href    string // the page again, in that language
	Current bool
}

// switchLinks are the language switch's links for a page at path with
// query (the parameters the page needs, such as authRequestID or a mailed
// link's token, which the links keep), in language cur.
func switchLinks(path string, query url.Values, cur language.Tag) []LanguageLink {
	links := make([]LanguageLink, 0, len(pageLanguages))
	for _, t := range pageLanguages {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set(LangParam, t.String())
		links = append(links, LanguageLink{Lang: t.String(), Name: languageNames[t.String()],
			Href: path + "?" + q.Encode(), Current: t == cur})
	}
	return links
}

// switchTarget is where the language switch of page pg, answering r, links
// to: the same URL for a GET; for a form's answer, the page that shows the
// form, with the posted authRequestID or token that it needs. ok is false
// for the answers to a form that cannot be shown again (new recovery codes
// shown once, a password just set, a mail just sent, an error): a switch
// there would lose what the page says.
func switchTarget(r *http.Request, pg Page) (path string, query url.Values, ok bool) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		q := r.URL.Query()
		q.Del(LangParam)
		return r.URL.Path, q, true
	}
	keep := func(names ...string) url.Values {
		q := url.Values{}
		for _, n := range names {
			if v := r.PostForm.Get(n); v != "" {
				q.Set(n, v)
			}
		}
		return q
	}
	switch pg.(type) {
	case LoginPage:
		return "/login", keep("authRequestID"), true
	case TenantChoicePage:
		return "/login/tenant", keep("authRequestID"), true
	case SupportPage:
		return "/login/support", keep("authRequestID"), true
	case TOTPPage, EnrolPage:
		return "/login/totp", keep("authRequestID"), true
	case RecoveryCodesPage:
		return "/login/totp/codes", keep("authRequestID"), true
	case NewPasswordPage:
		return "/login/new-password", keep("authRequestID"), true
	case ConsentPage:
		return "/login/consent", keep("authRequestID"), true
	case AccountPage, AccountSignInPage:
		return "/account", nil, true
	case AccountEnrolPage:
		return "/account/totp/enrol", nil, true
	case SetPasswordPage, LinkProblemPage:
		return r.URL.Path, keep("token"), true
	case ForgotPasswordPage:
		return "/password/forgot", keep("authRequestID"), true
	case DeviceCodePage, DeviceConfirmPage:
		return "/device", keep("user_code"), true
	}
	return "", nil, false
}
