package admin

import (
	"bytes"
	"context"
	"errors"
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

// errNoAuditInTx is a wiring mistake: a directory store that does not
// keep the audit log in its transactions.
var errNoAuditInTx = errors.New("admin: the directory's store does not append audit events in its transactions")

// atomic runs serve in one transaction with the events it records.
// PostgreSQL may run a transaction again after a conflict with another
// (directory.Store.InTx): serve then runs again from the start, on a fresh
// answer.
func atomic(serve func(*Handler, http.ResponseWriter, *http.Request, directory.Caller) error) func(*Handler, http.ResponseWriter, *http.Request, directory.Caller) error {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, c directory.Caller) error {
		var held *heldResponse
		err := h.dir.Atomically(r.Context(), func(d *directory.Directory, s directory.Store) error {
			to, ok := s.(audit.Appender)
			if !ok {
				return errNoAuditInTx
			}
			tx := *h
			tx.dir = d
			tx.audit = func(ctx context.Context, e audit.Event) error { return h.auditIn(ctx, to, e) }
			held = &heldResponse{header: http.Header{}}
			return serve(&tx, held, r, c)
		})
		if err != nil {
			return err
		}
		held.send(w)
		return nil
	}
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
