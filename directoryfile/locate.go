package directoryfile

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Package directory names what is wrong with an entity by field, and quotes
// the offending item in its reason (`"ftp://x": must be an absolute URI`,
// `tenant "contoso" has no global role "fleet-ops"`). The helpers here turn
// that into a place in the file.

func asFieldError(err error) (*directory.FieldError, bool) {
	var fe *directory.FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// fieldError records err against the entry e: a *directory.FieldError at
// the key it names, or at the element of that key's value that its reason
// quotes; any other error at the entry. alias maps a field of package
// directory to the key of the file to blame instead, for fields that are
// not the key that was written (a client's "global_roles" for its
// service_roles).
func (p *parser) fieldError(e entry, err error, alias map[string]string) {
	fe, ok := asFieldError(err)
	if !ok {
		p.add(e.at, e.path, err.Error())
		return
	}
	field := fe.Field
	if a, ok := alias[field]; ok {
		field = a
	}
	if e.bad[field] {
		return // already reported as missing or of the wrong type
	}
	key := e.locate(field, fe.Reason)
	p.add(e.pos(key), join(e.path, key), fe.Reason)
}

// locate returns the key of the element of field's value that reason
// quotes, or field itself if it quotes none. An element of a list is
// field[i]; for a mapping of lists (service_roles), a sub-key is field.sub
// and an element of its list field.sub[i], preferred when reason names both
// (`service "webshop" has no role "x"`, "service role webshop:x"). Of equal
// candidates, the first in the file wins.
func (e entry) locate(field, reason string) string {
	quotes := func(s string) bool { return strings.Contains(reason, strconv.Quote(s)) }
	best, score := field, 0
	for key, at := range e.keys {
		rest, ok := strings.CutPrefix(key, field)
		if !ok || rest == "" || rest[0] != '[' && rest[0] != '.' {
			continue
		}
		s := 0
		sub, _, isElem := strings.Cut(strings.TrimPrefix(rest, "."), "[")
		switch v := e.vals[key]; {
		case rest[0] == '[':
			if quotes(v) {
				s = 2
			}
		case !isElem:
			if quotes(sub) {
				s = 1
			}
		case strings.Contains(reason, sub+":"+v) || quotes(sub) && quotes(v):
			s = 3
		case quotes(v):
			s = 2
		}
		if s > score || s == score && s > 0 && before(at, e.keys[best]) {
			best, score = key, s
		}
	}
	return best
}

func before(a, b Pos) bool { return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column }

// named returns the index of the first element of list that reason quotes,
// or -1.
func named(list []string, reason string) int {
	for i, v := range list {
		if strings.Contains(reason, strconv.Quote(v)) {
			return i
		}
	}
	return -1
}

// dropNamed returns list with the element reason names replaced by good, or
// removed if good is empty. If reason names no element, the list itself was
// at fault (empty where it may not be), and good alone replaces it.
func dropNamed(list []string, reason, good string) []string {
	i := named(list, reason)
	if i < 0 {
		if good == "" {
			return nil
		}
		return []string{good}
	}
	out := append([]string(nil), list[:i]...)
	if good != "" {
		out = append(out, good)
	}
	return append(out, list[i+1:]...)
}
