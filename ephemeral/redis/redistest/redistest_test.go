package redistest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral/redis"
	"github.com/gatehouse-id/gatehouse/ephemeral/redis/redistest"
)

// TestURLWithoutRedis runs TestURLChild in a child process without a Redis
// URL: it must skip, saying how to run it, except under CI, where it must
// fail.
func TestURLWithoutRedis(t *testing.T) {
	for _, ci := range []string{"", "false", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestURLChild$", "-test.v")
			cmd.Env = append(withoutEnv(os.Environ(), redistest.EnvURL, "CI"), "REDISTEST_CHILD=1", "CI="+ci)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatal(err)
			}
			if !bytes.Contains(out, []byte(redistest.EnvURL+"=redis://")) {
				t.Errorf("output does not say how to run the tests:\n%s", out)
			}
			switch failed := err != nil; {
			case ci == "true" && !failed:
				t.Errorf("under CI=true a missing URL did not fail:\n%s", out)
			case ci != "true" && failed:
				t.Errorf("without CI a missing URL failed instead of skipping:\n%s", out)
			case ci != "true" && !bytes.Contains(out, []byte("--- SKIP: TestURLChild")):
				t.Errorf("without CI the test did not skip:\n%s", out)
			}
		})
	}
}

func TestURLChild(t *testing.T) {
	if os.Getenv("REDISTEST_CHILD") != "1" {
		t.Skip("run by TestURLWithoutRedis")
	}
	redistest.URL(t)
	t.Error("URL returned without a URL")
}

func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, n := range names {
			keep = keep && name != n
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// TestPrefixLeavesNothing writes keys under a Prefix in a subtest, and
// checks that none is left once the subtest has ended.
func TestPrefixLeavesNothing(t *testing.T) {
	url := redistest.URL(t)
	var prefix string
	t.Run("writer", func(t *testing.T) {
		prefix = redistest.Prefix(t, url)
		if !strings.HasPrefix(prefix, redistest.PrefixBase) {
			t.Fatalf("prefix %q does not start with %q", prefix, redistest.PrefixBase)
		}
		if other := redistest.Prefix(t, url); other == prefix {
			t.Fatalf("two calls returned the same prefix %q", prefix)
		}
		s, err := redis.Open(t.Context(), url, prefix)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := range 1500 { // more than one SCAN batch of 1000
			if err := s.Set(t.Context(), fmt.Sprintf("k%d", i), []byte("v"), time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	})

	client, err := redis.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var left []string
	iter := client.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
	for iter.Next(context.Background()) {
		left = append(left, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("%d keys left under %q, e.g. %q", len(left), prefix, left[0])
	}
}
