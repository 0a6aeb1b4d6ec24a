package templates

import (
	"io/fs"
	"net/http"
	"strings"
)

// StaticPath is where Static must be mounted; the pages link their style
// sheet below it.
const StaticPath = "/static/"

// Static serves the embedded style sheet. Mount it at StaticPath:
//
//	mux.Handle("GET "+templates.StaticPath, templates.Static())
//
// It lists no directories. Responses may be cached for a year: the pages
// link the files with a content hash in the query.
func Static() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // "static" is a valid literal path; fs.Sub cannot fail
	}
	fileServer := http.StripPrefix(strings.TrimSuffix(StaticPath, "/"), http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		fileServer.ServeHTTP(w, r)
	})
}
