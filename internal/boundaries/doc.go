// Package boundaries holds no code: its test checks the package boundaries
// of STYLE.md that no single package's test can see whole, so that each
// rule is written once.
package boundaries
