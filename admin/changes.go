package admin

import (
	"strconv"
	"strings"

	"github.com/gatehouse-id/gatehouse/audit"
)

// changes turns before/after pairs into audit details ("email":
// "a@x → b@x"), leaving out what did not change, each within the audit
// log's length limit.
func changes(pairs map[string][2]string) map[string]string {
	out := map[string]string{}
	for k, v := range pairs {
		if v[0] == v[1] {
			continue
		}
		out[k] = clip(v[0] + " → " + v[1])
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
