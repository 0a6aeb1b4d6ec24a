//go:build ignore

// gencommon writes common.txt.gz, the blocklist of common passwords, from
// the passwords.json of an @zxcvbn-ts/language-common npm package (a JSON
// array of strings, most common first). See commonPasswords in common.go
// for where the list comes from and the steps that run this.
//
//	go run gencommon.go passwords.json common.txt.gz
//
// Each entry is lower-cased and trimmed (Check compares lower-cased), empty
// and repeated entries are dropped, and the order is kept. The gzip header
// carries no name and no time, so the same input and Go release give the
// same bytes.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run gencommon.go passwords.json common.txt.gz")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gencommon:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	seen := make(map[string]bool, len(list))
	for _, pw := range list {
		pw = strings.TrimSpace(strings.ToLower(pw))
		if pw == "" || seen[pw] || strings.ContainsAny(pw, "\r\n") {
			continue
		}
		seen[pw] = true
		w.WriteString(pw + "\n")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gencommon: %d passwords from %d entries\n", len(seen), len(list))
	return nil
}
