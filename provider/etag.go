package provider

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// Discovery and the JWKS are what every relying party fetches again and
// again. They carry Cache-Control: max-age (JWKSMaxAge) and a strong ETag
// of their body, and a request whose If-None-Match names the current one
// is answered 304 Not Modified without a body (RFC 9110 §13.1.2), so that
// a relying party revalidating its cache after max-age costs a few bytes.
// The ETag is a hash of the body: every node serving the same keys sends
// the same ETag, whichever node the relying party reaches.

// document is a rendered answer of discovery or the JWKS, with its ETag.
type document struct {
	// version is what the document was rendered from (prerendered.go);
	// status, header and body are the answer; etag is of the body.
	version string
	status  int
	header  http.Header
	body    []byte
	etag    string
}

// render runs next for r and keeps its answer.
func render(r *http.Request, next http.Handler) *document {
	rec := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(rec, r)
	d := &document{status: rec.status, header: rec.header, body: rec.body.Bytes()}
	if d.status == http.StatusOK {
		sum := sha256.Sum256(d.body)
		d.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	}
	return d
}

// write answers r with d: 304 without a body when If-None-Match names its
// ETag, no body for HEAD.
func (d *document) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range d.header {
		h[k] = v
	}
	if d.status != http.StatusOK {
		w.WriteHeader(d.status)
		_, _ = w.Write(d.body)
		return
	}
	h.Set("ETag", d.etag)
	if etagMatches(r.Header.Get("If-None-Match"), d.etag) {
		h.Del("Content-Length")
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(d.body)
	}
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 §13.1.2 asks for this header), or is "*".
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}

// bufferedWriter holds an answer until render has seen all of it.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(code int)        { b.status = code }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
