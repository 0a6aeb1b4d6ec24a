package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/gatehouse-id/gatehouse/directory"
)

// maxBodyBytes bounds a request body: the largest real one (a client with
// its redirect URIs) is a few KiB.
const maxBodyBytes = 64 << 10

// decode reads r's JSON body into v strictly: one JSON object of at most
// maxBodyBytes, no unknown fields, every value of the right type. A body
// that fails is a 400 problem naming the field where it can (413 if too
// large, 415 if not sent as JSON). A body may embed the structs it shares
// with others (the create of a group embeds groupBody): a problem names
// the field as the client sent it all the same (bodyField).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "JSON expected",
			"send the body as application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() || dec.Decode(&struct{}{}) != io.EOF {
			return problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body holds more than one JSON value")
		}
		return nil
	}
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return problem(http.StatusRequestEntityTooLarge, "too-large", "Body too large", fmt.Sprintf("the body must be at most %d bytes", maxBodyBytes))
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body is not one JSON object")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return fieldProblem(http.StatusBadRequest, bodyField(reflect.TypeOf(v), typeErr.Field), "must be "+jsonType(typeErr.Type.Kind()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldProblem(http.StatusBadRequest, field, "is not a field of this resource")
	}
	return problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body is not the JSON object expected")
}

// bodyField is the path of a field that did not decode into t as the body
// names it. encoding/json puts the Go name of an embedded struct before a
// field it promotes ("groupBody.global_roles"), a name the client never
// sent: those are left out.
func bodyField(t reflect.Type, path string) string {
	var names []string
	for name := range strings.SplitSeq(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			names, t = append(names, name), nil
			continue
		}
		if f, ok := t.FieldByName(name); ok && f.Anonymous {
			t = f.Type
			continue
		}
		names = append(names, name)
		var next reflect.Type
		for f := range t.Fields() {
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
				next = f.Type
			}
		}
		t = next
	}
	return strings.Join(names, ".")
}

func jsonType(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "an object"
	}
	return "a number"
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// views shows each of xs with view, for a list.
func views[T, V any](xs []T, view func(T) V) []V {
	out := make([]V, len(xs))
	for i, x := range xs {
		out[i] = view(x)
	}
	return out
}

// orEmpty is s, or an empty list for none: lists are shown as [], never
// null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// serviceRolesView is sr as the API shows it: {} for none, never null.
func serviceRolesView(sr directory.ServiceRoles) map[string][]string {
	if sr == nil {
		return map[string][]string{}
	}
	return sr
}
