package pii

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestParseKeysValid(t *testing.T) {
	text := "# comment\n\n  enc k1 " + testKey1 + "  # trailing comment\r\n" +
		"index\t" + testIndex + "\r\n" +
		"enc 2024-06.b_x " + testKey2 + "\n"
	k, err := parseKeys("test", text)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.ActiveKeyID(); got != "2024-06.b_x" {
		t.Errorf("ActiveKeyID = %q", got)
	}
	if got := k.KeyIDs(); len(got) != 2 || got[0] != "k1" {
		t.Errorf("KeyIDs = %v", got)
	}
}

func TestFromEnvSemicolons(t *testing.T) {
	k, err := FromEnv("enc k1 " + testKey1 + "; enc k2 " + testKey2 + ";index " + testIndex + ";")
	if err != nil {
		t.Fatal(err)
	}
	if k.ActiveKeyID() != "k2" {
		t.Errorf("ActiveKeyID = %q", k.ActiveKeyID())
	}
	// Same keys as the newline form.
	c, _ := k.EncryptFor("f", "v")
	if pt, err := newRing(t).DecryptFor("f", c); err != nil || pt != "v" {
		t.Errorf("env and file forms differ: %q, %v", pt, err)
	}
}

func TestParseKeysErrors(t *testing.T) {
	short := "AAECAwQFBgcICQoLDA0ODw=="                                                          // 16 bytes
	urlKey := base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:32]) // "-_-_..."
	zeros := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	tests := []struct {
		name string
		text string
		want string
	}{
		{"empty", "", "test: no enc key"},
		{"only comments", "# nothing\n", "no enc key"},
		{"no enc key", "index " + testIndex, "test: no enc key (need a line \"enc <id> <base64 32-byte key>\")"},
		{"no index key", "enc k1 " + testKey1, "test: no index key"},
		{"bad base64", "enc k1 " + testKey1[:10] + "!" + testKey1[11:] + "\nindex " + testIndex, "test line 1: enc key k1: invalid base64 at character 11"},
		{"url base64", "enc k1 " + urlKey + "\nindex " + testIndex, "invalid base64 at character 1"},
		{"unpadded base64", "enc k1 " + strings.TrimRight(testKey1, "=") + "\nindex " + testIndex, "invalid base64"},
		{"short key", "enc k1 " + short + "\nindex " + testIndex, "test line 1: enc key k1: decodes to 16 bytes, want 32"},
		{"long key", "enc k1 " + testKey1 + "\nindex " + testKey1 + "AAAA", "test line 2: index key: invalid base64"},
		{"short index", "enc k1 " + testKey1 + "\n\nindex " + short, "test line 3: index key: decodes to 16 bytes, want 32"},
		{"placeholder key", "enc k1 " + zeros + "\nindex " + testIndex, "all bytes are equal"},
		{"enc missing key", "enc k1\nindex " + testIndex, "test line 1: want \"enc <id> <base64 key>\", got 2 fields"},
		{"enc missing id", "enc " + testKey1 + "\nindex " + testIndex, "got 2 fields"},
		{"enc extra field", "enc k1 " + testKey1 + " extra\nindex " + testIndex, "got 4 fields"},
		{"index extra field", "enc k1 " + testKey1 + "\nindex x " + testIndex, "test line 2: want \"index <base64 key>\", got 3 fields"},
		{"bad id colon", "enc k:1 " + testKey1 + "\nindex " + testIndex, "test line 1: invalid key id"},
		{"long id", "enc " + strings.Repeat("k", 33) + " " + testKey1 + "\nindex " + testIndex, "invalid key id"},
		{"duplicate id", "enc k1 " + testKey1 + "\nenc k1 " + testKey2 + "\nindex " + testIndex, "test line 2: duplicate key id \"k1\""},
		{"two index keys", "enc k1 " + testKey1 + "\nindex " + testIndex + "\nindex " + testKey2, "test line 3: second index key (first on line 2)"},
		{"index equals enc", "enc k1 " + testKey1 + "\nindex " + testKey1, "index key must differ from enc key k1"},
		{"unknown entry", "enc k1 " + testKey1 + "\nindex " + testIndex + "\nmac " + testKey2, "test line 3: unknown entry \"mac\" (want enc or index)"},
		{"upper case", "ENC k1 " + testKey1 + "\nindex " + testIndex, "unknown entry \"ENC\""},
		{"bare key", testKey2 + "\nenc k1 " + testKey1 + "\nindex " + testIndex, "test line 1: unknown entry (want enc or index)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := parseKeys("test", tt.text)
			if err == nil {
				t.Fatalf("no error; keys %v", k.KeyIDs())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "pii: ") {
				t.Errorf("error %q lacks package prefix", err)
			}
			for _, key := range []string{testKey1, testKey2, testIndex, testKey1[:10]} {
				if strings.Contains(err.Error(), key) {
					t.Errorf("error %q leaks key material", err)
				}
			}
		})
	}
}

func TestFromEnvErrorNamesVariable(t *testing.T) {
	_, err := FromEnv("enc k1 nope")
	if err == nil || !strings.Contains(err.Error(), "TONGXIN_PII_KEYS line 1") {
		t.Errorf("error %v does not name the variable", err)
	}
}

func TestGenerateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "data", "pii.key")
	if err := GenerateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode %v, want 0600", perm)
		}
		dir, _ := os.Stat(filepath.Dir(path))
		if perm := dir.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("key directory mode %v is group/world accessible", perm)
		}
	}
	k, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.ActiveKeyID() != "k1" {
		t.Errorf("ActiveKeyID = %q", k.ActiveKeyID())
	}
	before, _ := os.ReadFile(path)

	// Never overwrite: that would destroy every encrypted value.
	err = GenerateKeyFile(path)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("second GenerateKeyFile err = %v, want fs.ErrExist", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("existing key file was modified")
	}

	// Two generated files have different keys.
	path2 := filepath.Join(t.TempDir(), "pii.key")
	if err := GenerateKeyFile(path2); err != nil {
		t.Fatal(err)
	}
	k2, _ := LoadKeyFile(path2)
	c, _ := k.Encrypt("x")
	if _, err := k2.Decrypt(c); !errors.Is(err, ErrDecrypt) {
		t.Errorf("independent key files share keys: %v", err)
	}
	if k.BlindIndex("f", "x") == k2.BlindIndex("f", "x") {
		t.Error("independent key files share the index key")
	}
}

func TestLoadKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadKeyFile(filepath.Join(dir, "missing.key"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file err = %v, want fs.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("enc k1 "+testKey1+"\n"), 0o600)
	_, err = LoadKeyFile(bad)
	if err == nil || !strings.Contains(err.Error(), "key file "+bad+": no index key") {
		t.Errorf("err = %v", err)
	}
	big := filepath.Join(dir, "big.key")
	os.WriteFile(big, make([]byte, maxKeyFileSize+1), 0o600)
	if _, err := LoadKeyFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file err = %v", err)
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "pii.key")
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := k1.EncryptFor("residents.phone", "13812345678")
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := k2.DecryptFor("residents.phone", c); err != nil || pt != "13812345678" {
		t.Errorf("reloaded key ring cannot decrypt: %q, %v", pt, err)
	}
	if k1.BlindIndex("f", "v") != k2.BlindIndex("f", "v") {
		t.Error("reloaded key ring has a different index key")
	}

	// A broken file is reported, not replaced.
	broken := filepath.Join(t.TempDir(), "pii.key")
	os.WriteFile(broken, []byte("garbage\n"), 0o600)
	if _, err := LoadOrCreate(broken); err == nil {
		t.Error("LoadOrCreate accepted a broken file")
	}
	if data, _ := os.ReadFile(broken); string(data) != "garbage\n" {
		t.Error("LoadOrCreate overwrote a broken file")
	}
}

func TestLoadPrefersEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pii.key")
	t.Setenv(EnvVar, "enc env1 "+testKey1+";index "+testIndex)
	k, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.ActiveKeyID() != "env1" {
		t.Errorf("ActiveKeyID = %q, want env1", k.ActiveKeyID())
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Load created a key file although the environment had keys")
	}

	t.Setenv(EnvVar, "enc env1 bad")
	if _, err := Load(path); err == nil {
		t.Error("Load ignored a bad environment value")
	}

	t.Setenv(EnvVar, "")
	k, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.ActiveKeyID() != "k1" {
		t.Errorf("file key ring active id %q", k.ActiveKeyID())
	}
}

func TestAddKeyRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pii.key")
	if err := GenerateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	old, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const field = "residents.id_number"
	c1, _ := old.EncryptFor(field, "11010519491231002X")
	idx := old.BlindIndex(field, "11010519491231002X")

	id, err := AddKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if id != "k2" {
		t.Errorf("AddKey id = %q, want k2", id)
	}
	if runtime.GOOS != "windows" {
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
			t.Errorf("mode after AddKey %v", info.Mode().Perm())
		}
	}
	cur, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cur.ActiveKeyID() != "k2" {
		t.Fatalf("ActiveKeyID = %q", cur.ActiveKeyID())
	}

	// Old values still decrypt; new ones use the new key.
	if pt, err := cur.DecryptFor(field, c1); err != nil || pt != "11010519491231002X" {
		t.Errorf("old value after rotation: %q, %v", pt, err)
	}
	c2, _ := cur.EncryptFor(field, "11010519491231002X")
	if !strings.HasPrefix(c2, "v1:k2:") {
		t.Errorf("new value %q not under k2", c2)
	}
	// Reencrypt moves old values to the new key.
	moved, changed, err := cur.ReencryptFor(field, c1)
	if err != nil || !changed || !strings.HasPrefix(moved, "v1:k2:") {
		t.Errorf("ReencryptFor = %q, %v, %v", moved, changed, err)
	}
	if pt, _ := cur.DecryptFor(field, moved); pt != "11010519491231002X" {
		t.Errorf("moved value decrypts to %q", pt)
	}
	// Blind indexes survive rotation.
	if cur.BlindIndex(field, "11010519491231002X") != idx {
		t.Error("blind index changed on rotation")
	}

	id, err = AddKey(path)
	if err != nil || id != "k3" {
		t.Fatalf("second AddKey = %q, %v", id, err)
	}
	latest, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := latest.KeyIDs(); len(got) != 3 || got[2] != "k3" {
		t.Errorf("KeyIDs = %v", got)
	}
	for _, c := range []string{c1, c2, moved} {
		if _, err := latest.DecryptFor(field, c); err != nil {
			t.Errorf("after second rotation: %v", err)
		}
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory has %d entries, want only the key file", len(entries))
	}
}

func TestAddKeyToHandWrittenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pii.key")
	// No trailing newline, custom ids.
	os.WriteFile(path, []byte("enc k7 "+testKey1+"\nenc prod-2024 "+testKey2+"\nindex "+testIndex), 0o640)
	id, err := AddKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if id != "k8" {
		t.Errorf("id = %q, want k8", id)
	}
	k, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.KeyIDs(); len(got) != 3 || got[2] != "k8" {
		t.Errorf("KeyIDs = %v", got)
	}
	if runtime.GOOS != "windows" {
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
			t.Errorf("mode not preserved: %v", info.Mode().Perm())
		}
	}
}

func TestAddKeyErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := AddKey(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file err = %v", err)
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("index "+testIndex+"\n"), 0o600)
	if _, err := AddKey(bad); err == nil || !strings.Contains(err.Error(), "no enc key") {
		t.Errorf("bad file err = %v", err)
	}
	if data, _ := os.ReadFile(bad); string(data) != "index "+testIndex+"\n" {
		t.Error("AddKey modified an invalid file")
	}
}

func TestNextKeyID(t *testing.T) {
	tests := []struct {
		ids  []string
		want string
	}{
		{nil, "k1"},
		{[]string{"k1"}, "k2"},
		{[]string{"k1", "k9", "k3"}, "k10"},
		{[]string{"prod", "k-1", "kx"}, "k1"},
		{[]string{"k01"}, "k2"},
	}
	for _, tt := range tests {
		if got := nextKeyID(tt.ids); got != tt.want {
			t.Errorf("nextKeyID(%v) = %q, want %q", tt.ids, got, tt.want)
		}
	}
}
