package admin

import (
	"strconv"
	"strings"

	"github.com/gatehouse-id/gatehouse/audit"
)

// What the audit log is told of a change. Each resource has one function
// giving its audited fields (groupDetails, clientDetails, ...): a create
// records them, a delete records them as they were, an update the diff of
// them before and after (Handler.recordChange). Handler.record clips
// every value.

// diff is what changed between two sets of details: "email": "a@x → b@x"
// for each key whose value differs, nothing for the others.
func diff(before, after map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{before, after} {
		for k := range m {
			if before[k] != after[k] {
				out[k] = before[k] + " → " + after[k]
			}
		}
	}
	return out
}

func join(ss []string) string { return strings.Join(ss, ",") }

func boolString(b bool) string { return strconv.FormatBool(b) }

// clip makes v storable in the audit log whatever a caller sent: valid
// UTF-8 without NUL bytes, within audit.MaxValueLen. An event the log
// refuses would otherwise fail a change that is already made.
func clip(v string) string {
	v = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "")
	if len(v) > audit.MaxValueLen {
		v = strings.ToValidUTF8(v[:audit.MaxValueLen-3], "") + "..."
	}
	return v
}
