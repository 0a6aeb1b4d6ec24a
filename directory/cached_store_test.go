package directory

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"testing"
)

// passThrough are the Store methods cachedStore leaves to the backend:
// reads the cache does not serve, and writes that cannot change a client,
// a tenant or a tenant's Book.
var passThrough = map[string]bool{
	"TenantByID": true, "TenantBySlug": true, "ListTenants": true,
	"CreateUser": true, "UpdateUser": true, "RecordLogin": true, "UserByID": true, "UserByUsername": true,
	"ListUsers": true, "QueryUsers": true, "CountUsers": true, "DeletedUsersBefore": true, "PurgeUser": true,
	"ListClients": true,
	"CreateLink":  true, "UpdateLink": true, "LinkOf": true, "LinksOfUser": true, "LinksToTenant": true,
	"GlobalRoleByName": true, "ListGlobalRoles": true, "GroupByName": true, "ListGroups": true,
	"ServiceByName": true, "ListServices": true, "ListResources": true,
	"PutSupportConsent": true, "SupportConsentOf": true, "DeleteSupportConsent": true,
	"PutClientConsent": true, "ClientConsentOf": true, "DeleteClientConsentsOf": true,
	// onetime.Store: mailed links.
	"CreateToken": true, "RedeemToken": true, "PeekToken": true, "RevokeTokens": true, "DeleteExpiredTokens": true,
}

// TestCachedStoreClassifiesEveryMethod: a method added to Store must be
// either overridden by cachedStore (a write that invalidates, or a cached
// read) or declared harmless in passThrough, never forgotten.
func TestCachedStoreClassifiesEveryMethod(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "cached_store.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	overridden := map[string]bool{}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Name.IsExported() {
			overridden[fn.Name.Name] = true
		}
	}
	st := reflect.TypeFor[Store]()
	for i := range st.NumMethod() {
		name := st.Method(i).Name
		switch {
		case overridden[name] && passThrough[name]:
			t.Errorf("%s is both overridden and listed as pass-through", name)
		case !overridden[name] && !passThrough[name]:
			t.Errorf("Store.%s is new: override it in cached_store.go if it can change a client, tenant, role, group, service or resource; else list it in passThrough", name)
		}
	}
	for name := range passThrough {
		if _, ok := st.MethodByName(name); !ok {
			t.Errorf("passThrough lists %s, which Store does not have", name)
		}
	}
}

// TestClientCloneIsDeep: no slice or map of a cached client is shared with
// the copy a caller gets.
func TestClientCloneIsDeep(t *testing.T) {
	var c Client
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Slice:
			s := reflect.MakeSlice(f.Type(), 1, 1)
			f.Set(s)
		case reflect.Map:
			m := reflect.MakeMap(f.Type())
			m.SetMapIndex(reflect.New(f.Type().Key()).Elem(), reflect.New(f.Type().Elem()).Elem())
			f.Set(m)
		}
	}
	cp := c.clone()
	w := reflect.ValueOf(cp)
	for i := range v.NumField() {
		f, g := v.Field(i), w.Field(i)
		if (f.Kind() == reflect.Slice || f.Kind() == reflect.Map) && f.UnsafePointer() == g.UnsafePointer() {
			t.Errorf("Client.%s is shared by clone: copy it in client_clone.go", v.Type().Field(i).Name)
		}
	}
}
