package password

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"strings"
	"sync"
)

// commonGz is the blocklist SP 800-63B §5.1.1.2 asks for: "verifiers SHALL
// compare the prospective secrets against a list that contains values known
// to be commonly-used, expected, or compromised". It ships in the binary so
// that a check needs no network and no file the operator must provide.
//
// It is the 49,233 passwords of src/passwords.json in the npm package
// @zxcvbn-ts/language-common 4.1.3 (MIT, Dan Wheeler and Dropbox, Inc.,
// and @zxcvbn-ts; the licence is COMMON-LICENSE.txt): the passwords most
// often found in public breaches, most common first, one a line,
// lower-cased. The JSON file's SHA-256 is
// f422773d94d630f27e08b26d7017e847bb1feb2a84809340e9c0b0c47b33e3f1.
//
// To regenerate it (from this directory; a newer version works the same
// way, then update the version and hash above):
//
//	npm pack @zxcvbn-ts/language-common@4.1.3
//	tar xzf zxcvbn-ts-language-common-4.1.3.tgz
//	sha256sum package/src/passwords.json
//	go run gencommon.go package/src/passwords.json common.txt.gz
//	cp package/LICENSE.txt COMMON-LICENSE.txt
//	rm -r package zxcvbn-ts-language-common-4.1.3.tgz
//	go test ./ # TestCommonListFile checks the lines
//
//go:embed common.txt.gz
var commonGz []byte

// commonPasswords is the blocklist as a set, read on first use rather than
// at start-up: a process that never checks a password never pays for the
// map (a few MB). Its keys share one string, the decompressed file.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	lines := commonLines()
	set := make(map[string]struct{}, len(lines))
	for _, pw := range lines {
		set[pw] = struct{}{}
	}
	return set
})

// commonLines returns the lines of commonGz. The file is part of the
// source, so a corrupt one is a build mistake, which the tests catch: panic.
func commonLines() []string {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		panic("password: common.txt.gz: " + err.Error())
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("password: common.txt.gz: " + err.Error())
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// isCommon reports whether pw, in any case, is on the blocklist.
func isCommon(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}
