package directoryfile

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Pos is a place in a file: 1-based line and column; zero when unknown.
type Pos struct {
	Line, Column int
}

// Problem is one thing wrong with a file, located so that an operator can go
// straight to it.
type Problem struct {
	File         string
	Line, Column int    // 0 when unknown
	Path         string // the entry or key, like users[2].role; empty for syntax errors
	Message      string
	// Err is the underlying error when the problem came from the store (a
	// conflict at write time), so that errors.Is sees through an *Error.
	Err error
}

// String formats p as compilers do, file:line:col: path: message, leaving
// out whatever is unknown.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
		if p.Column > 0 {
			b.WriteString(":" + strconv.Itoa(p.Column))
		}
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is every problem found in a file. Parse and Apply report all the
// problems they can find rather than stopping at the first, so that an
// operator fixes a file in one round.
type Error struct {
	Problems []Problem
}

// Error prints one problem per line, in file order.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the store errors behind the problems, if any.
func (e *Error) Unwrap() []error {
	var errs []error
	for _, p := range e.Problems {
		if p.Err != nil {
			errs = append(errs, p.Err)
		}
	}
	return errs
}

// problems collects the problems of one file.
type problems struct {
	file string
	list []Problem
}

func (ps *problems) add(at Pos, path, msg string) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: at.Line, Column: at.Column, Path: path, Message: msg})
}

// err returns the collected problems sorted by position, or nil if there
// are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &Error{Problems: list}
}
