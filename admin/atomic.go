package admin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// A change and its audit event commit together or not at all: every
// change but the TOTP reset runs, with the recording of its event, in one
// transaction of the directory's store, which keeps the audit log too
// (directory.Directory.Atomically). A change whose event cannot be stored
// is not made, and an event is never stored for a change that was not.
// The answer is held until the commit: a commit that fails answers the
// failure, never the change.
//
// What must not happen for a change that was not made, a mail above all,
// waits for the commit too (Handler.afterCommit): PostgreSQL may run a
// transaction again after a conflict, and a rolled-back invitation must
// never be mailed, nor one mailed twice.

// errNoAuditInTx is a wiring mistake: a directory store that does not
// keep the audit log in its transactions.
var errNoAuditInTx = errors.New("admin: the directory's store does not append audit events in its transactions")

// atomic runs serve in one transaction with the events it records.
// PostgreSQL may run a transaction again after a conflict with another
// (directory.Store.InTx): serve then runs again from the start, on a fresh
// answer and the request's body read anew.
func atomic(serve func(*Handler, http.ResponseWriter, *http.Request, directory.Caller) error) func(*Handler, http.ResponseWriter, *http.Request, directory.Caller) error {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, c directory.Caller) error {
		// A run again reads the body again: keep it (up to one byte past
		// the limit, for decode to refuse as too large).
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			return problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body could not be read")
		}
		var (
			held  *heldResponse
			after []func() error
		)
		err = h.dir.Atomically(r.Context(), func(d *directory.Directory, s directory.Store) error {
			to, ok := s.(audit.Appender)
			if !ok {
				return errNoAuditInTx
			}
			tx := *h
			tx.dir = d
			tx.audit = func(ctx context.Context, e audit.Event) error { return h.auditIn(ctx, to, e) }
			// A run again starts with nothing queued: what an earlier run
			// queued belonged to a transaction that did not commit.
			held, after = &heldResponse{header: http.Header{}}, nil
			tx.afterCommit = func(fn func() error) error {
				after = append(after, fn)
				return nil
			}
			run := *r
			run.Body = io.NopCloser(bytes.NewReader(body))
			return serve(&tx, held, &run, c)
		})
		if err != nil {
			return err
		}
		if err := runAfterCommit(after); err != nil {
			return err
		}
		held.send(w)
		return nil
	}
}

// runAfterCommit runs the work a change queued for after its commit, all
// of it even when some fails (each is one mail, and one failing is no
// reason to drop another), and returns the first error: the answer then,
// instead of the held one, says what was committed and what was not done.
func runAfterCommit(after []func() error) error {
	var first error
	for _, fn := range after {
		if err := fn(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// notInTx is Handler.afterCommit outside atomic: work queued for a commit
// that will never come is a programming mistake, refused as outsideTx
// refuses an event.
func notInTx(func() error) error {
	return errors.New("admin: work queued for after a commit outside a transaction")
}

// heldResponse is an answer kept until its transaction commits.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return h.body.Write(b)
}

// send writes the held answer to w.
func (h *heldResponse) send(w http.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}
