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

// withETag serves next for a GET or HEAD, buffering the answer to add its
// ETag and to answer a matching If-None-Match with 304.
func withETag(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(rec, r)
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	if rec.status != http.StatusOK {
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
		return
	}
	sum := sha256.Sum256(rec.body.Bytes())
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	h.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Length")
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(rec.body.Bytes())
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

// bufferedWriter holds an answer until withETag has seen all of it.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(code int)        { b.status = code }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
