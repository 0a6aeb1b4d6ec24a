package stored

import (
	"strings"

	"github.com/gatehouse-id/gatehouse/directory"
)

// searchSeparator separates the fields of SearchText. SearchQuery turns it
// into a space, in the fields as in the query, so that no query matches
// across two fields. It is a line break rather than NUL, which PostgreSQL
// text cannot hold.
const searchSeparator = "\n"

// SearchText returns what QueryUsers matches directory.UserQuery.Text
// against, stored with each user (users.search_text, 0012): the username,
// the email address, the given, family and display names and "given
// family", each lower-cased by strings.ToLower and a line break in it
// made a space, joined by line breaks. Lower-casing here, in Go, rather
// than with SQL's lower() is what folds every letter, not A-Z only, and
// folds them alike in SQLite and PostgreSQL, whatever the locale.
func SearchText(u directory.User) string {
	fields := []string{u.Username, u.Email, u.GivenName, u.FamilyName, u.DisplayName,
		u.GivenName + " " + u.FamilyName}
	for i, f := range fields {
		fields[i] = SearchQuery(f)
	}
	return strings.Join(fields, searchSeparator)
}

// SearchQuery returns text as QueryUsers looks for it in SearchText:
// lower-cased as the fields are, its line breaks made spaces, so that it
// holds no separator and matches inside one field or not at all.
func SearchQuery(text string) string {
	return strings.ToLower(strings.ReplaceAll(text, searchSeparator, " "))
}
