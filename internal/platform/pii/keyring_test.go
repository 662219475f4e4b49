package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
)

// Fixed test keys: bytes 1..32, 64..95 and 128..159.
const (
	testKey1  = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
	testKey2  = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="
	testIndex = "gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp8="
)

func testKeyring(t testing.TB, text string) *Keyring {
	t.Helper()
	k, err := FromEnv(text)
	if err != nil {
		t.Fatalf("FromEnv: %v", err)
	}
	return k
}

// oldRing has only k1; newRing is the same after rotation to k2.
func oldRing(t testing.TB) *Keyring {
	return testKeyring(t, "enc k1 "+testKey1+"\nindex "+testIndex)
}

func newRing(t testing.TB) *Keyring {
	return testKeyring(t, "enc k1 "+testKey1+"\nenc k2 "+testKey2+"\nindex "+testIndex)
}

func TestRoundTrip(t *testing.T) {
	k := newRing(t)
	for _, field := range []string{"", "residents.id_number", "residents.phone"} {
		for _, pt := range []string{"", "11010519491231002X", "13812345678", "欧阳娜娜", "\x00\xff", strings.Repeat("长", 10000)} {
			c, err := k.EncryptFor(field, pt)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c, "v1:k2:") {
				t.Errorf("ciphertext %q does not use the active key", c)
			}
			got, err := k.DecryptFor(field, c)
			if err != nil || got != pt {
				t.Errorf("DecryptFor(%q) = %q, %v; want %q", field, got, err, pt)
			}
		}
	}
	c, err := k.Encrypt("13812345678")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Decrypt(c); err != nil || got != "13812345678" {
		t.Errorf("Decrypt = %q, %v", got, err)
	}
}

func TestEncryptIsRandomised(t *testing.T) {
	k := newRing(t)
	seen := map[string]bool{}
	for range 100 {
		c, _ := k.EncryptFor("f", "13812345678")
		if seen[c] {
			t.Fatalf("repeated ciphertext %q", c)
		}
		seen[c] = true
	}
}

// TestKnownCiphertexts pins the wire format: values written by earlier
// builds must keep decrypting.
func TestKnownCiphertexts(t *testing.T) {
	k := newRing(t)
	tests := []struct{ field, ciphertext, plaintext string }{
		{"", "v1:k2:h_o9G54TalVzT7_ybFrSbRqRrjVI01wBdZQ3YyERRef_xdz9xmrHy4Eok3s5AA", "11010519491231002X"},
		{"residents.id_number", "v1:k2:QwPDYfFtloIUXSg_7Nab_1iorMbrebk1OLD3upM9y1kWRzqBSixtOX9IC6clKQ", "11010519491231002X"},
		{"", "v1:k2:X9Ul8baB1Ma36enok87sM-iBtqyFkzqa4FmBUBM8uUQmO07OZfUb", "13812345678"},
		{"residents.phone", "v1:k1:NcTp4001hpMEYDoyH-xktp4c81dtVsawcZromvdzmawx74AIv1UK", "13812345678"},
	}
	for _, tt := range tests {
		got, err := k.DecryptFor(tt.field, tt.ciphertext)
		if err != nil || got != tt.plaintext {
			t.Errorf("DecryptFor(%q, %q) = %q, %v; want %q", tt.field, tt.ciphertext, got, err, tt.plaintext)
		}
	}
}

func TestFieldBinding(t *testing.T) {
	k := newRing(t)
	c, _ := k.EncryptFor("residents.id_number", "11010519491231002X")
	for _, other := range []string{"", "residents.phone", "residents.id_number ", "Residents.id_number"} {
		if _, err := k.DecryptFor(other, c); !errors.Is(err, ErrDecrypt) {
			t.Errorf("DecryptFor(%q) err = %v, want ErrDecrypt", other, err)
		}
	}
	if _, err := k.Decrypt(c); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Decrypt err = %v, want ErrDecrypt", err)
	}
	if _, _, err := k.ReencryptFor("residents.phone", c); !errors.Is(err, ErrDecrypt) {
		t.Errorf("ReencryptFor with wrong field err = %v, want ErrDecrypt", err)
	}
}

func TestTamperDetection(t *testing.T) {
	k := newRing(t)
	const field = "residents.phone"
	c, _ := k.EncryptFor(field, "13812345678")
	body := strings.TrimPrefix(c, "v1:k2:")
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	// Flip every bit of nonce, ciphertext and tag in turn.
	for i := range raw {
		for bit := range 8 {
			mod := append([]byte(nil), raw...)
			mod[i] ^= 1 << bit
			s := "v1:k2:" + base64.RawURLEncoding.EncodeToString(mod)
			if _, err := k.DecryptFor(field, s); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("flipped byte %d bit %d: err = %v, want ErrDecrypt", i, bit, err)
			}
		}
	}
	// Truncation and extension.
	for _, mod := range [][]byte{raw[:len(raw)-1], raw[:28], append(append([]byte(nil), raw...), 0)} {
		s := "v1:k2:" + base64.RawURLEncoding.EncodeToString(mod)
		if _, err := k.DecryptFor(field, s); !errors.Is(err, ErrDecrypt) {
			t.Errorf("length %d: err = %v, want ErrDecrypt", len(mod), err)
		}
	}
	// Relabelling with another key id of the ring.
	if _, err := k.DecryptFor(field, "v1:k1:"+body); !errors.Is(err, ErrDecrypt) {
		t.Errorf("relabelled: err = %v, want ErrDecrypt", err)
	}
}

func TestDecryptMalformed(t *testing.T) {
	k := newRing(t)
	valid, _ := k.Encrypt("x")
	body := strings.TrimPrefix(valid, "v1:k2:")
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrMalformed},
		{"13812345678", ErrMalformed},
		{"v1", ErrMalformed},
		{"v1:", ErrMalformed},
		{"v1:k2", ErrMalformed},
		{"v1::" + body, ErrMalformed},
		{"v1:k 2:" + body, ErrMalformed},
		{"v1:" + strings.Repeat("k", 33) + ":" + body, ErrMalformed},
		{"v2:k2:" + body, ErrMalformed},
		{"V1:k2:" + body, ErrMalformed},
		{"v1:k2:", ErrMalformed},
		{"v1:k2:AAAA", ErrMalformed},
		{"v1:k2:" + body + "=", ErrMalformed},
		{"v1:k2:" + strings.ReplaceAll(strings.ReplaceAll(body, "-", "+"), "_", "/") + "+", ErrMalformed},
		{"v1:k2:" + body + "\n", ErrMalformed},
		{"v1:k2:" + body[:len(body)-1] + "!", ErrMalformed},
		{"v1:k3:" + body, ErrUnknownKey},
		{"v1:old:" + body, ErrUnknownKey},
	}
	for _, tt := range tests {
		got, err := k.Decrypt(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("Decrypt(%q) = %q, %v; want %v", tt.in, got, err, tt.want)
		}
		if got != "" {
			t.Errorf("Decrypt(%q) returned plaintext %q with error", tt.in, got)
		}
	}
}

func TestNonCanonicalBase64Rejected(t *testing.T) {
	// Base64 with non-zero trailing bits decodes to the same bytes in lax
	// mode; rejecting it keeps one ciphertext string per sealed value.
	k := newRing(t)
	c, _ := k.Encrypt("13812345678")
	body := strings.TrimPrefix(c, "v1:k2:")
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, body[len(body)-1])
	for d := 1; d < 4; d++ { // len(raw) % 3 == 2 leaves 2 spare bits
		alt := body[:len(body)-1] + string(alphabet[last^d])
		if _, err := k.Decrypt("v1:k2:" + alt); err == nil {
			t.Errorf("non-canonical encoding %q accepted", alt)
		}
	}
}

func TestZeroKeyring(t *testing.T) {
	for _, k := range []*Keyring{nil, {}} {
		if _, err := k.Encrypt("x"); !errors.Is(err, ErrNoKeys) {
			t.Errorf("Encrypt err = %v", err)
		}
		if _, err := k.Decrypt("v1:k1:AAAA"); !errors.Is(err, ErrNoKeys) {
			t.Errorf("Decrypt err = %v", err)
		}
		if _, _, err := k.Reencrypt("v1:k1:AAAA"); !errors.Is(err, ErrNoKeys) {
			t.Errorf("Reencrypt err = %v", err)
		}
		if k.ActiveKeyID() != "" || len(k.KeyIDs()) != 0 {
			t.Errorf("zero keyring reports keys")
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("BlindIndex on zero keyring did not panic")
				}
			}()
			k.BlindIndex("f", "v")
		}()
	}
}

func TestReencryptInMemory(t *testing.T) {
	old, cur := oldRing(t), newRing(t)
	const field = "residents.id_number"
	c1, _ := old.EncryptFor(field, "11010519491231002X")
	if !strings.HasPrefix(c1, "v1:k1:") {
		t.Fatalf("old ciphertext %q", c1)
	}
	c2, changed, err := cur.ReencryptFor(field, c1)
	if err != nil || !changed || !strings.HasPrefix(c2, "v1:k2:") {
		t.Fatalf("ReencryptFor = %q, %v, %v", c2, changed, err)
	}
	if pt, err := cur.DecryptFor(field, c2); err != nil || pt != "11010519491231002X" {
		t.Fatalf("DecryptFor after reencrypt = %q, %v", pt, err)
	}
	c3, changed, err := cur.ReencryptFor(field, c2)
	if err != nil || changed || c3 != c2 {
		t.Errorf("second ReencryptFor = %q, %v, %v; want unchanged", c3, changed, err)
	}
	// The old ring cannot read values under the new key.
	if _, err := old.DecryptFor(field, c2); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old ring err = %v, want ErrUnknownKey", err)
	}
	if _, _, err := cur.Reencrypt("garbage"); !errors.Is(err, ErrMalformed) {
		t.Errorf("Reencrypt(garbage) err = %v", err)
	}
	if got := cur.KeyIDs(); len(got) != 2 || got[0] != "k1" || got[1] != "k2" {
		t.Errorf("KeyIDs = %v", got)
	}
}

func TestBlindIndex(t *testing.T) {
	k := newRing(t)
	a := k.BlindIndex("residents.id_number", "11010519491231002X")
	if len(a) != 32 {
		t.Fatalf("index %q has length %d", a, len(a))
	}
	if _, err := hex.DecodeString(a); err != nil {
		t.Fatalf("index %q is not hex", a)
	}
	// Pinned values: stored indexes must not change between builds.
	if a != "e3d87e7aa19aead6f061ad315932fcb2" {
		t.Errorf("index changed: %s", a)
	}
	if got := k.BlindIndex("residents.phone", "13812345678"); got != "260b34d191df38fb6d4eac78e79d4f0b" {
		t.Errorf("phone index changed: %s", got)
	}
	// Independent computation of the documented construction.
	key, _ := base64.StdEncoding.DecodeString(testIndex)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("residents.id_number\x0011010519491231002X"))
	if want := hex.EncodeToString(m.Sum(nil))[:32]; a != want {
		t.Errorf("index %s, want %s", a, want)
	}

	if b := k.BlindIndex("residents.id_number", "11010519491231002X"); b != a {
		t.Error("not deterministic")
	}
	if k.BlindIndex("residents.phone", "11010519491231002X") == a {
		t.Error("different fields give the same index")
	}
	if k.BlindIndex("residents.id_number", "110105194912310029") == a {
		t.Error("different values give the same index")
	}
	// Index is independent of the encryption keys, so rotation keeps it.
	if oldRing(t).BlindIndex("residents.id_number", "11010519491231002X") != a {
		t.Error("index depends on encryption keys")
	}
	other := testKeyring(t, "enc k1 "+testKey1+"\nindex "+testKey2)
	if other.BlindIndex("residents.id_number", "11010519491231002X") == a {
		t.Error("index does not depend on the index key")
	}
}

func TestBlindIndexNormalisation(t *testing.T) {
	k := newRing(t)
	groups := [][]string{
		{"11010519491231002X", "11010519491231002x", " 11010519491231002X ", "１１０１０５１９４９１２３１００２ｘ", "\u300011010519491231002X\u3000"},
		{"13812345678", "138-1234-5678", "138 1234 5678", "１３８１２３４５６７８", "138\u30001234\u30005678"},
		{"张三", " 张三 "},
	}
	seen := map[string]int{}
	for gi, g := range groups {
		want := k.BlindIndex("f", g[0])
		for _, v := range g[1:] {
			if got := k.BlindIndex("f", v); got != want {
				t.Errorf("BlindIndex(%q) != BlindIndex(%q)", v, g[0])
			}
		}
		if prev, dup := seen[want]; dup {
			t.Errorf("groups %d and %d collide", prev, gi)
		}
		seen[want] = gi
	}
}

func TestConcurrentUse(t *testing.T) {
	k := newRing(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				c, err := k.EncryptFor("f", "13812345678")
				if err != nil {
					t.Error(err)
					return
				}
				if pt, err := k.DecryptFor("f", c); err != nil || pt != "13812345678" {
					t.Errorf("goroutine %d: %q, %v", i, pt, err)
					return
				}
				k.BlindIndex("f", "13812345678")
			}
		})
	}
	wg.Wait()
}
