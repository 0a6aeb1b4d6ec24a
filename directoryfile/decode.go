package directoryfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-id/gatehouse/directory"
)

// The file is decoded from a yaml.Node tree by hand rather than with
// yaml.Unmarshal into structs: only the tree knows where each key and value
// sits, so only it lets every problem, including the ones package directory
// finds later during Apply, name its line and column. Walking the tree also
// gives the strictness an import wants: unknown and duplicate keys are
// errors, and a quoted "true" is not a boolean.

// parser collects problems while it walks the tree.
type parser struct {
	problems
	// folder is the directory file's folder, which the files it names (a
	// tenant's logo) are read from, through root once one is named.
	folder string
	root   *os.Root
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

// resolve follows aliases (*name) to the node they stand for, so that
// anchors can share values such as a list of redirect URIs.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; i < 8 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

// join appends key to path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// document reads the single YAML document in data and returns its root
// node, or false after recording why it cannot.
func (p *parser) document(data []byte) (root *yaml.Node, ok bool) {
	// The YAML library is the only code here that could panic on hostile
	// input; an import must answer with an error instead, whatever the file.
	defer func() {
		if r := recover(); r != nil {
			p.add(Pos{}, "", fmt.Sprintf("cannot read the file as YAML: %v", r))
			root, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(Pos{}, "", "the file is empty; it must start with version: 1")
		} else {
			p.syntax(data, err)
		}
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			p.syntax(nil, err)
		} else {
			p.add(posOf(&extra), "", "the file must hold one YAML document, not several")
		}
		return nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		p.add(posOf(&doc), "", "the file must hold one YAML document")
		return nil, false
	}
	return resolve(doc.Content[0]), true
}

// syntax records a YAML syntax error. The library reports a line but no
// column ("yaml: line 3: mapping values are not allowed in this context"),
// and for errors found by its parser (rather than its scanner) that line is
// where the enclosing block starts, counted from zero, which can be far above
// the mistake. firstBadLine finds the line itself.
func (p *parser) syntax(data []byte, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var at Pos
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				at.Line, msg = firstBadLine(data, n, text), text
			}
		}
	}
	p.add(at, "", "invalid YAML: "+msg)
}

// firstBadLine returns the first line, from line on, at which the file cut
// short fails with the same message msg: the line the mistake is on. YAML is
// read front to back and stops at its first mistake, so every cut below
// that line reads (or fails otherwise) and every cut at or after it fails
// the same way, which lets a binary search find it in a dozen reads.
func firstBadLine(data []byte, line int, msg string) int {
	var ends []int // ends[k-1] is the offset just past line k
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(k int) bool {
		var n yaml.Node
		err := yaml.Unmarshal(data[:ends[k-1]], &n)
		return err != nil && strings.HasSuffix(err.Error(), ": "+msg)
	}
	lo, hi := max(line, 1), len(ends)
	if lo > hi || !fails(hi) {
		return line
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// entry is what the parser keeps of one mapping (the file itself, a tenant,
// a user, a client): its path and where it and each of its values sit.
// Problems found later, by package directory during Apply, are located
// through it.
type entry struct {
	path string
	at   Pos
	// keys maps a key to the position of its value, key[i] to that of the
	// i-th element of a list value, and, for a mapping value such as
	// service_roles, key.sub to the position of the sub-key and key.sub[i]
	// to that of the i-th element of its list.
	keys map[string]Pos
	// vals holds the text of the list elements keys locates (key[i],
	// key.sub[i]), so that a complaint quoting one can point at it.
	vals map[string]string
	// bad holds the keys already reported as missing or of the wrong type,
	// so that the checks that follow do not report them a second time.
	bad map[string]bool
}

// pos returns where key's value sits, or where the entry starts if the key
// is not in the file.
func (e entry) pos(key string) Pos {
	if at, ok := e.keys[key]; ok {
		return at
	}
	return e.at
}

// record notes where the elements of v sit, if v is a list, as key[i].
func (e entry) record(key string, v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		return
	}
	for j, it := range v.Content {
		it = resolve(it)
		k := key + "[" + strconv.Itoa(j) + "]"
		e.keys[k] = posOf(it)
		if it.Kind == yaml.ScalarNode {
			e.vals[k] = it.Value
		}
	}
}

// field describes one key a mapping may have.
type field struct {
	key      string
	required bool
	decode   func(p *parser, path string, n *yaml.Node) bool
}

// mapping walks the mapping n against fields, reporting what is not
// well-formed: unknown or repeated keys, values of the wrong type, missing
// required keys. It reports false if n is not a mapping at all.
func (p *parser) mapping(path string, n *yaml.Node, fields []field) (entry, bool) {
	n = resolve(n)
	e := entry{path: path, at: posOf(n), keys: map[string]Pos{}, vals: map[string]string{}, bad: map[string]bool{}}
	if n.Kind != yaml.MappingNode {
		p.add(e.at, path, "must be a mapping of keys to values")
		return e, false
	}
	seen := map[string]int{} // key -> line of its first occurrence
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.add(posOf(k), path, "a key must be a plain name")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.add(posOf(k), path, fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, line))
			continue
		}
		seen[k.Value] = k.Line
		f, known := lookup(fields, k.Value)
		if !known {
			p.add(posOf(k), path, unknownField(fields, k.Value))
			continue
		}
		e.keys[f.key] = posOf(v)
		e.record(f.key, v)
		if v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if sub := resolve(v.Content[j]); sub.Kind == yaml.ScalarNode {
					e.keys[f.key+"."+sub.Value] = posOf(sub)
					e.record(f.key+"."+sub.Value, resolve(v.Content[j+1]))
				}
			}
		}
		if !f.decode(p, join(path, f.key), v) {
			e.bad[f.key] = true
		}
	}
	for _, f := range fields {
		if _, present := seen[f.key]; f.required && !present {
			p.add(e.at, path, fmt.Sprintf("missing field %q", f.key))
			e.bad[f.key] = true
		}
	}
	return e, true
}

func lookup(fields []field, key string) (field, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// unknownField says that key is not allowed, suggesting the known key it is
// most likely a typo of.
func unknownField(fields []field, key string) string {
	msg := fmt.Sprintf("unknown field %q", key)
	best, dist := "", 3
	for _, f := range fields {
		if d := editDistance(key, f.key); d < dist {
			best, dist = f.key, d
		}
	}
	if best != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", best)
	}
	return msg
}

// editDistance is the Levenshtein distance between a and b, computed only
// for short keys.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return len(a) + len(b)
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// The decoders below store a value of one type and report whether n held
// one. A null (a key with nothing after it) is the zero value.

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// str accepts any scalar as text, so that a password of digits or a name
// like 2024 need no quotes.
func str[S ~string](dst *S) func(*parser, string, *yaml.Node) bool {
	return func(p *parser, path string, n *yaml.Node) bool {
		switch {
		case isNull(n):
			*dst = ""
		case n.Kind == yaml.ScalarNode:
			*dst = S(n.Value)
		default:
			p.add(posOf(n), path, "must be a string")
			return false
		}
		return true
	}
}

func boolean(dst *bool) func(*parser, string, *yaml.Node) bool {
	return func(p *parser, path string, n *yaml.Node) bool {
		if isNull(n) {
			*dst = false
			return true
		}
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(dst) != nil {
			p.add(posOf(n), path, "must be true or false")
			return false
		}
		return true
	}
}

func duration(dst *time.Duration) func(*parser, string, *yaml.Node) bool {
	return func(p *parser, path string, n *yaml.Node) bool {
		if isNull(n) {
			*dst = 0
			return true
		}
		d, err := time.ParseDuration(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			p.add(posOf(n), path, "must be a duration like 90s, 10m or 720h")
			return false
		}
		*dst = d
		return true
	}
}

func strList[S ~string](dst *[]S) func(*parser, string, *yaml.Node) bool {
	return func(p *parser, path string, n *yaml.Node) bool {
		if isNull(n) {
			*dst = nil
			return true
		}
		if n.Kind != yaml.SequenceNode {
			p.add(posOf(n), path, "must be a list, like [a, b]")
			return false
		}
		ok := true
		out := make([]S, 0, len(n.Content))
		for i, it := range n.Content {
			it = resolve(it)
			if it.Kind != yaml.ScalarNode || isNull(it) {
				p.add(posOf(it), path+"["+strconv.Itoa(i)+"]", "must be a string")
				ok = false
				continue
			}
			out = append(out, S(it.Value))
		}
		*dst = out
		return ok
	}
}

// serviceRoles decodes roles in services: a mapping from a service's name
// to a list of its roles, like {things-manager: [editor]}.
func serviceRoles(dst *directory.ServiceRoles) func(*parser, string, *yaml.Node) bool {
	return func(p *parser, path string, n *yaml.Node) bool {
		if isNull(n) {
			*dst = nil
			return true
		}
		if n.Kind != yaml.MappingNode {
			p.add(posOf(n), path, "must be a mapping of services to lists of their roles, like {things-manager: [editor]}")
			return false
		}
		ok := true
		out := directory.ServiceRoles{}
		seen := map[string]int{} // service -> line of its first occurrence
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
			if k.Kind != yaml.ScalarNode || isNull(k) {
				p.add(posOf(k), path, "a key must be the name of a service")
				ok = false
				continue
			}
			if line, dup := seen[k.Value]; dup {
				p.add(posOf(k), path, fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, line))
				ok = false
				continue
			}
			seen[k.Value] = k.Line
			var roles []string
			if !strList(&roles)(p, join(path, k.Value), v) {
				ok = false
				continue
			}
			out[k.Value] = roles
		}
		*dst = out
		return ok
	}
}

// list decodes a list of entries with one, passing each its path, such as
// users[2].
func list(name string, one func(path string, n *yaml.Node)) func(*parser, string, *yaml.Node) bool {
	return func(p *parser, path string, n *yaml.Node) bool {
		if isNull(n) {
			return true
		}
		if n.Kind != yaml.SequenceNode {
			p.add(posOf(n), path, "must be a list of "+name+", each starting with -")
			return false
		}
		for i, it := range n.Content {
			one(path+"["+strconv.Itoa(i)+"]", it)
		}
		return true
	}
}
