// Package mail composes and sends the mails Gatehouse writes to people:
// invitations (a link valid 14 days), password reset links (single-use,
// short-lived) and the notice that a password was changed. It knows
// nothing of storage: the caller makes the links and records the outcome.
//
// # The flow
//
// A handler renders a mail with Templates.Render, in the person's language,
// and hands the Message to Queue.Enqueue, which returns at once. The
// queue's worker (Queue.Run, one goroutine started by cmd) sends it with a
// Sender, retries failures on a schedule (DefaultBackoff: 1m, 5m, 30m, 2h,
// 4h, 8h, 8h, so the last attempt is about 22½ hours after the first), and
// tells QueueConfig.OnResult the outcome of every attempt, which the caller
// audits as mail.sent or mail.failed: that is how administrators see that
// an invitation did not go out. A full queue (ErrQueueFull) is an error
// the handler shows at once.
//
// A message the server refuses for good (a 5xx answer to the recipient or
// the content, ErrRejected) or that is invalid (ErrInvalid) is not retried.
// A 5xx anywhere else (a wrong password, a refused sender) is retried: it
// is the configuration, which an operator can fix within the day.
//
// # Messages
//
// A Message has one recipient and no Cc or Bcc, since every mail carries a
// personal link. Encode writes it as RFC 5322 with net/mail and mime:
// From, To, Subject (RFC 2047), Date, Message-ID <ID@sender's domain>,
// Content-Language, Auto-Submitted (so vacation responders stay quiet),
// MIME-Version, and a multipart/alternative of text/plain and text/html,
// both UTF-8 and quoted-printable, so the message is 7-bit clean and no
// line is long. Header injection is impossible: every header value with a
// CR, LF or other control character is refused (ErrInvalid), and an
// address must be exactly one bare addr-spec as net/mail.ParseAddress reads
// it. Addresses are ASCII only; internationalized addresses need SMTPUTF8,
// which is not supported yet. The ID stays with the message through its
// retries, so every attempt has the same Message-ID.
//
// Message.LogValue leaves out the bodies: their links are secrets.
//
// # Templates and languages
//
// Each mail is templates/<lang>/<kind>.txt (text/template: "subject" and
// "text") and <kind>.html (html/template: "body" inside layout.html),
// embedded and parsed once. The languages are English, Dutch and German
// (formal: "u", "Sie"). The language is picked with x/text/language's
// Matcher from the tags the caller gives in order of preference (the
// person's preferred_language, then the inviter's); a regional variant
// counts as its language and anything else is English. Dates are written
// per language with the zone named ("3. März 2026 um 14:05 Uhr UTC"), in
// TemplatesConfig.Location, since a person's own time zone is not known.
// Names (tenant, inviter, recipient) are made one line before they reach
// the subject, and links must be absolute http(s) URLs, so html/template
// never has to neuter one.
//
// # Senders
//
// SMTP sends each message over its own connection with net/smtp, within
// DefaultTimeout (30s) per attempt and the caller's context. Security is
// StartTLS by default (port 587), TLS from the first byte (465), or
// InsecureNone for a relay on localhost only. With StartTLS a server that
// does not offer it is refused (ErrNoStartTLS) rather than spoken to in
// clear: the offer is not authenticated, so an attacker could strip it.
// Certificates are verified against Host. AUTH PLAIN is the only
// mechanism, and only over TLS.
//
// LogOutbox is the Sender when no SMTP server is configured (the demo,
// tests): it keeps the last messages in memory for the demo's outbox page
// and logs one line per message with the recipient and subject. The body is
// not logged, since its links let anyone who reads the log accept an
// invitation or reset a password; the demo sets OutboxConfig.LogBodies so
// that a newcomer can follow an invitation from the log alone. A page that
// shows Message.HTML should put it in a sandboxed iframe.
//
// # Known limits
//
// The queue is in memory. Messages waiting in it when the node stops (a
// deploy, a crash) are lost: Run reports those it still holds to OnResult
// with ErrQueueStopped as it ends, so the loss is audited, but a crash
// reports nothing. Until a durable outbox exists (with the storage part of
// user lifecycle), an administrator re-sends an invitation that did not
// arrive, and a person asks for a new reset link. Each node delivers only
// what it queued.
//
// A connection that breaks after the server accepted the data but before
// Gatehouse read the answer makes the queue send the message again; the
// same Message-ID lets mail programs recognize the duplicate.
package mail
