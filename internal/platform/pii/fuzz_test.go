package pii

import (
	"errors"
	"strings"
	"testing"
)

// FuzzDecrypt: arbitrary input must never panic, and anything that does
// decrypt must be a genuine ciphertext: bound to its field and stable under
// ReencryptFor.
func FuzzDecrypt(f *testing.F) {
	k := newRing(f)
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := k.Decrypt(s)
		if err != nil {
			if pt != "" {
				t.Fatalf("plaintext %q returned with error", pt)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !strings.HasPrefix(s, "v1:k1:") && !strings.HasPrefix(s, "v1:k2:") {
			t.Fatalf("accepted %q without a known key prefix", s)
		}
		if _, err := k.DecryptFor("other", s); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("ciphertext not bound to its field: %v", err)
		}
		moved, _, err := k.Reencrypt(s)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := k.Decrypt(moved); err != nil || again != pt {
			t.Fatalf("Reencrypt changed the value: %q, %v", again, err)
		}
	})
}

// FuzzFromEnv: the key-file parser must never panic, and any key ring it
// accepts must work.
func FuzzFromEnv(f *testing.F) {
	f.Add("enc k1 " + testKey1 + "\nindex " + testIndex)
	f.Add("enc k1 " + testKey1 + ";enc k2 " + testKey2 + ";index " + testIndex)
	f.Add("# comment\nenc k1 " + testKey1 + " # x\r\nindex " + testIndex + "\r\n")
	f.Add("enc k1 AAAA\nindex " + testIndex)
	f.Add("index " + testIndex)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := FromEnv(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "pii: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		if k.ActiveKeyID() == "" {
			t.Fatal("accepted key ring without an active key")
		}
		c, err := k.EncryptFor("f", "v")
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := k.DecryptFor("f", c); err != nil || pt != "v" {
			t.Fatalf("round trip: %q, %v", pt, err)
		}
		if len(k.BlindIndex("f", "v")) != 32 {
			t.Fatal("bad index length")
		}
	})
}
