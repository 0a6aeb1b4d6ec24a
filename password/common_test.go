package password

import (
	"strings"
	"testing"
	"unicode"
)

func TestCommonPasswords(t *testing.T) {
	set := commonPasswords()
	if len(set) != 49233 {
		t.Fatalf("%d common passwords; want the 49,233 of @zxcvbn-ts/language-common 4.1.3", len(set))
	}
	for _, pw := range []string{"password", "Password", "PASSWORD", "password1", "qwerty123", "iloveyou", "P@ssw0rd", "123456"} {
		if !isCommon(pw) {
			t.Errorf("isCommon(%q) = false", pw)
		}
	}
	for _, pw := range []string{"", "correct horse battery staple", "tamarind gazebo", "password "} {
		if isCommon(pw) {
			t.Errorf("isCommon(%q) = true", pw)
		}
	}
}

// TestCommonListFile checks every line of common.txt.gz, as written by
// gencommon.go: isCommon only finds lines that are lower-case and trimmed.
func TestCommonListFile(t *testing.T) {
	lines := commonLines()
	seen := make(map[string]bool, len(lines))
	for i, pw := range lines {
		switch {
		case pw == "":
			t.Errorf("line %d is empty", i+1)
		case pw != strings.ToLower(pw):
			t.Errorf("line %d %q is not lower-case", i+1, pw)
		case pw != strings.TrimSpace(pw):
			t.Errorf("line %d %q is not trimmed", i+1, pw)
		case strings.IndexFunc(pw, unicode.IsControl) >= 0:
			t.Errorf("line %d %q holds a control character", i+1, pw)
		case seen[pw]:
			t.Errorf("line %d %q is repeated", i+1, pw)
		}
		seen[pw] = true
	}
	if lines[0] != "123456" || lines[1] != "password" {
		t.Errorf("first lines %q: want the most common first", lines[:2])
	}
}

// BenchmarkCommonLoad is what the first Check in a process pays.
func BenchmarkCommonLoad(b *testing.B) {
	for b.Loop() {
		lines := commonLines()
		set := make(map[string]struct{}, len(lines))
		for _, pw := range lines {
			set[pw] = struct{}{}
		}
	}
}
