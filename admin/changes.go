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
		s := v[0] + " → " + v[1]
		if len(s) > audit.MaxValueLen {
			s = strings.ToValidUTF8(s[:audit.MaxValueLen-3], "") + "..."
		}
		out[k] = s
	}
	return out
}

func join(ss []string) string { return strings.Join(ss, ",") }

func boolString(b bool) string { return strconv.FormatBool(b) }
