// Package templates holds the HTML pages a person sees at Gatehouse and the
// one style sheet they use, embedded in the binary and parsed once at start
// (New), so that a broken template stops the server at boot instead of
// failing a login at 3 a.m.
//
// Every page shares one layout (html/layout.html). Pages are typed values
// (LoginPage, ErrorPage, LoggedOutPage) so that a handler cannot hand a
// template data it does not expect. Handlers never carry English text: they
// pick a Message, and the words for it live in the catalogs, locales/en.json,
// nl.json and de.json, which the templates call by id ({{t "login.title"}},
// {{msg .Error}}). Language picks the language of a page: the layout's
// switch (?lang=nl, remembered in a cookie), the handler's hints (ui_locales,
// the person's preferred language), Accept-Language, English (language.go,
// catalog.go; docs/pages.md).
//
// Pages (NewPages) serves them for one part of Gatehouse, the login or the
// account page, the same way: security headers on every response, errors
// as the error page with the cause only in the log, and cross-origin POSTs
// refused.
//
// The pages work without JavaScript and load nothing but /static/ (Static),
// so that a Content-Security-Policy of default-src 'self' holds.
package templates
