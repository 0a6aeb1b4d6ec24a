package admin

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// TestChangeAndEventCommitTogether: a change whose event cannot be stored
// is not made, and a change that is made has its event in the store's
// log, from the same transaction.
func TestChangeAndEventCommitTogether(t *testing.T) {
	st, d := newTree(t)
	w := newWorld(d)
	w.addUsers(t,
		directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser},
	)
	failing := true
	log := audit.New(st, nil, nil)
	w.serve(t, st, Config{AuditIn: func(ctx context.Context, to audit.Appender, e audit.Event) error {
		if err := log.RecordIn(ctx, to, e); err != nil {
			return err
		}
		if failing {
			return errors.New("the audit store refuses")
		}
		return nil
	}})
	rita := w.users["acme/rita"]
	events := func() []audit.Event {
		t.Helper()
		es, _, err := st.QueryEvents(t.Context(), audit.Query{TenantIDs: []string{mustTenantID(t, d, "acme")}, Target: rita})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}

	for _, st := range []apiStep{
		{name: "update", method: "PATCH", path: "/users/" + rita, body: `{"display_name":"Rita R."}`},
		{name: "delete", method: "DELETE", path: "/users/" + rita},
		{name: "create", method: "POST", path: "/tenants/acme/users", body: `{"username":"nora"}`},
	} {
		status, body := w.do(t, "acme/ada", st.method, st.path, st.body)
		if status != http.StatusInternalServerError {
			t.Errorf("%s while the audit log refuses: %d %v, want 500", st.name, status, body)
		}
	}
	u, err := d.Store().UserByID(t.Context(), rita)
	if err != nil || u.DisplayName != "" || u.Deleted() {
		t.Errorf("refused changes were made: %+v, %v", u, err)
	}
	if _, err := d.Store().UserByUsername(t.Context(), mustTenantID(t, d, "acme"), "nora"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a refused create stored the user: %v", err)
	}
	if es := events(); len(es) != 0 {
		t.Errorf("events of changes not made: %+v", es)
	}

	failing = false
	if status, body := w.do(t, "acme/ada", "PATCH", "/users/"+rita, `{"display_name":"Rita R."}`); status != http.StatusOK {
		t.Fatalf("update: %d %v", status, body)
	}
	if es := events(); len(es) != 1 || es[0].Action != "user.updated" || es[0].Details["display_name"] != " → Rita R." {
		t.Errorf("stored events %+v, want the one user.updated", es)
	}
}

func mustTenantID(t *testing.T, d *directory.Directory, slug string) string {
	t.Helper()
	tn, err := d.Store().TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// runTwice is the directory store run as PostgreSQL may run it: every
// transaction runs once more after its first run is rolled back, as after
// a conflict with another.
type runTwice struct{ *sqlite.Store }

var errRunAgain = errors.New("run again")

func (s runTwice) InTx(ctx context.Context, fn func(directory.Store) error) error {
	err := s.Store.InTx(ctx, func(tx directory.Store) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRunAgain
	})
	if !errors.Is(err, errRunAgain) {
		return err
	}
	return s.Store.InTx(ctx, fn)
}

// TestAfterCommit: the work a route queues runs once its transaction has
// committed, before the answer, and never for a run that did not commit;
// its failure is the answer, and the change stays.
func TestAfterCommit(t *testing.T) {
	st, _ := newTree(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name    string
		store   directory.Store
		fail    error // of serve
		workErr error // of the work queued
		runs    int   // of serve
		want    error // of the request
		made    bool  // the tenant serve creates
	}{
		{name: "commits", store: st, runs: 1, made: true},
		{name: "fails", store: st, fail: errors.New("refused"), runs: 1},
		{name: "runs again", store: runTwice{st}, runs: 2, made: true},
		{name: "work fails", store: st, workErr: errLate, runs: 1, want: errLate, made: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := directory.New(tc.store, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)), directory.Config{})
			h := newHandler(t, st, d)
			slug := strings.ReplaceAll(tc.name, " ", "-")
			runs, ran := 0, []int{}
			rec := httptest.NewRecorder()
			err := atomic(func(h *Handler, w http.ResponseWriter, r *http.Request, _ directory.Caller) error {
				runs++
				run := runs
				if _, err := h.dir.CreateTenant(r.Context(), slug, slug, directory.LevelCustomer, "acme"); err != nil {
					return err
				}
				if err := h.afterCommit(func() error {
					ran = append(ran, run)
					if _, err := d.Store().TenantBySlug(ctx, slug); err != nil {
						t.Errorf("the work ran before the commit: %v", err)
					}
					if rec.Code != http.StatusOK || rec.Body.Len() > 0 {
						t.Error("the work ran after the answer was sent")
					}
					return tc.workErr
				}); err != nil {
					return err
				}
				w.WriteHeader(http.StatusCreated)
				return tc.fail
			})(h, rec, httptest.NewRequestWithContext(ctx, "POST", "/", nil), directory.Caller{})

			wantErr := cmp.Or(tc.fail, tc.want)
			if !errors.Is(err, wantErr) {
				t.Errorf("error %v, want %v", err, wantErr)
			}
			if runs != tc.runs {
				t.Errorf("serve ran %d times, want %d", runs, tc.runs)
			}
			if wantRan := map[bool][]int{true: {tc.runs}, false: {}}[tc.fail == nil]; !slices.Equal(ran, wantRan) {
				t.Errorf("work of runs %v ran, want %v", ran, wantRan)
			}
			if wantCode := map[bool]int{true: http.StatusCreated, false: http.StatusOK}[wantErr == nil]; rec.Code != wantCode {
				t.Errorf("answer %d, want %d", rec.Code, wantCode)
			}
			if _, err := d.Store().TenantBySlug(ctx, slug); (err == nil) != tc.made {
				t.Errorf("tenant made: %v, want %v", err == nil, tc.made)
			}
		})
	}

	h := newHandler(t, st, directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)), directory.Config{}))
	if err := h.afterCommit(func() error { return nil }); err == nil {
		t.Error("work queued outside a transaction was taken")
	}
}

var errLate = problem(http.StatusServiceUnavailable, "late", "Late", "the work after the commit failed")

// TestInvitationMailedOnceWhenRunAgain: an invitation whose transaction
// ran twice (PostgreSQL after a conflict) is mailed once: the link and
// the user of the run that committed, never those rolled back.
func TestInvitationMailedOnceWhenRunAgain(t *testing.T) {
	st, _ := newTree(t)
	d := directory.New(runTwice{st}, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	w := newWorld(d)
	w.addUsers(t, directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin})
	w.serve(t, st, Config{})
	liveWhenMailed(t, w)

	status, body := w.do(t, "acme/ada", "POST", "/tenants/acme/users", `{"username":"nora","email":"nora@example.com","invite":true}`)
	if status != http.StatusCreated {
		t.Fatalf("create with invite: %d %v", status, body)
	}
	u, err := d.Store().UserByUsername(t.Context(), mustTenantID(t, d, "acme"), "nora")
	if err != nil || u.ID != body["id"] {
		t.Fatalf("stored nora %+v, %v; answered %v", u, err, body["id"])
	}
	if m := w.mail.mails(); len(m) != 1 || m[0].link.User.ID != u.ID {
		t.Errorf("mails %+v, want one, to the stored nora", m)
	}
	if es := w.storedEvents(t, u.TenantID, u.ID); len(es) != 2 {
		t.Errorf("stored events %+v, want user.created and user.invited once each", es)
	}
}

// newHandler is a Handler over d with the audit log of st, not served.
func newHandler(t *testing.T, st *sqlite.Store, d *directory.Directory) *Handler {
	t.Helper()
	h, err := New(Config{Directory: d, Tokens: fakeTokens{}, InvalidToken: errInvalidToken, Audience: testAudience,
		AuditIn: audit.New(st, nil, nil).RecordIn, Events: st, Credentials: st, Mailer: &fakeMailer{},
		ResetTOTP: func(context.Context, directory.Caller, directory.User) error { return nil },
		Logger:    slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
