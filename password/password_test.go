package password

import "testing"

// fast keeps the tests quick; the format and the checks are the same.
var fast = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse", fast)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pw   string
		want bool
	}{
		{"right", "correct horse", true},
		{"wrong", "correct horse!", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := Verify(h, tc.pw)
			if err != nil || ok != tc.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
}

func TestHashSaltsDiffer(t *testing.T) {
	a, _ := Hash("pw", fast)
	b, _ := Hash("pw", fast)
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestMalformed(t *testing.T) {
	for _, enc := range []string{
		"",
		"plain",
		"$2a$10$abcdefghijklmnopqrstuv", // bcrypt
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5aw",
	} {
		if Valid(enc) {
			t.Errorf("Valid(%q) = true", enc)
		}
		if _, err := Verify(enc, "x"); err == nil {
			t.Errorf("Verify(%q) gave no error", enc)
		}
	}
}

// TestKnownVector checks interoperability with hashes made elsewhere: this
// one comes from the reference argon2 CLI (echo -n password | argon2 somesalt
// -id -t 2 -m 16 -p 1 -e).
func TestKnownVector(t *testing.T) {
	const enc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	ok, err := Verify(enc, "password")
	if err != nil || !ok {
		t.Fatalf("Verify(reference vector) = %v, %v", ok, err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw", "pw")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$", "")
	f.Fuzz(func(t *testing.T, enc, pw string) {
		// Must never panic, and a string Valid rejects must not verify.
		ok, err := Verify(enc, pw)
		if !Valid(enc) && (ok || err == nil) {
			t.Fatalf("invalid hash %q verified", enc)
		}
	})
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("correct horse battery staple", Default); err != nil {
			b.Fatal(err)
		}
	}
}
