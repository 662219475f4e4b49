package pii

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/platform/atomicfile"
)

// maxKeyFileSize guards against pointing LoadKeyFile at the wrong file.
const maxKeyFileSize = 1 << 20

// LoadKeyFile reads a key ring from a text file. Each non-blank line is one
// of
//
//	enc <id> <base64 of 32 bytes>    an AES-256 encryption key
//	index <base64 of 32 bytes>       the HMAC key for blind indexes
//
// and '#' starts a comment. Ids are 1-32 characters of letters, digits, '_',
// '-' and '.'. The last enc line is the active key; earlier ones are kept so
// that older values still decrypt. Exactly one index line is required.
func LoadKeyFile(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pii: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("pii: reading key file: %w", err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("pii: key file %s is larger than %d bytes", path, maxKeyFileSize)
	}
	return parseKeys("key file "+path, string(data))
}

// FromEnv parses a key ring in the LoadKeyFile format from a string, such as
// the value of the TONGXIN_PII_KEYS environment variable. Since environment
// variables are awkward to write with newlines, ';' also separates lines.
func FromEnv(value string) (*Keyring, error) {
	return parseKeys(EnvVar, strings.ReplaceAll(value, ";", "\n"))
}

// Load is the usual way for the server to get its key ring: from the
// TONGXIN_PII_KEYS environment variable when it is set, otherwise from the
// key file at path, which is created if it does not exist (LoadOrCreate).
func Load(path string) (*Keyring, error) {
	if v := os.Getenv(EnvVar); strings.TrimSpace(v) != "" {
		return FromEnv(v)
	}
	return LoadOrCreate(path)
}

// LoadOrCreate loads the key file at path, first generating it (and its
// directory, mode 0700) if it does not exist.
func LoadOrCreate(path string) (*Keyring, error) {
	k, err := LoadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	// Another process may win the race to create the file; that is fine.
	if err := GenerateKeyFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return LoadKeyFile(path)
}

// GenerateKeyFile creates a new key file (mode 0600) with one encryption key
// "k1" and one index key from crypto/rand, creating the parent directory
// (mode 0700) if needed. It refuses to overwrite an existing file, since
// that would make all data encrypted under it unreadable; the error then
// wraps fs.ErrExist.
func GenerateKeyFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("pii: %w", err)
	}
	var b strings.Builder
	b.WriteString("# Tongxin PII keys. Keep secret, back up apart from the database.\n")
	b.WriteString("# Losing this file makes encrypted personal data unrecoverable.\n")
	b.WriteString("# Generated " + time.Now().UTC().Format(time.RFC3339) + "\n")
	b.WriteString("enc k1 " + newKey() + "\n")
	b.WriteString("index " + newKey() + "\n")

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("pii: creating key file: %w", err)
	}
	_, err = f.WriteString(b.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("pii: writing key file: %w", err)
	}
	return nil
}

// AddKey rotates the key file at path: it appends a new encryption key,
// which becomes the active key once the file is reloaded, and returns its
// id. Existing keys stay so that old values still decrypt. The file is
// replaced atomically, keeping its permissions; concurrent AddKey calls on
// the same file are not coordinated.
func AddKey(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("pii: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("pii: %w", err)
	}
	k, err := parseKeys("key file "+path, string(data))
	if err != nil {
		return "", err
	}
	id := nextKeyID(k.ids)

	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = fmt.Appendf(data, "# Added %s\nenc %s %s\n", time.Now().UTC().Format(time.RFC3339), id, newKey())
	if err := replaceFile(path, data, info.Mode().Perm()); err != nil {
		return "", err
	}
	return id, nil
}

// nextKeyID returns "k<n>" with n one more than the largest such id in use.
func nextKeyID(ids []string) string {
	n := 0
	for _, id := range ids {
		num, ok := strings.CutPrefix(id, "k")
		if v, err := strconv.Atoi(num); ok && err == nil && v > n {
			n = v
		}
	}
	for {
		n++
		id := "k" + strconv.Itoa(n)
		if !slices.Contains(ids, id) {
			return id
		}
	}
}

// replaceFile atomically replaces path with data via a temporary file in the
// same directory.
func replaceFile(path string, data []byte, perm fs.FileMode) error {
	if err := atomicfile.Write(path, data, perm); err != nil {
		return fmt.Errorf("pii: writing key file: %w", err)
	}
	return nil
}

// newKey returns 32 random bytes in standard base64.
func newKey() string {
	key := make([]byte, KeySize)
	rand.Read(key) // never fails; see crypto/rand.Read
	return base64.StdEncoding.EncodeToString(key)
}

// parseKeys parses the LoadKeyFile format. src names the source in errors.
// Messages never echo key material.
func parseKeys(src, text string) (*Keyring, error) {
	lineErr := func(n int, format string, args ...any) error {
		return fmt.Errorf("pii: %s line %d: "+format, append([]any{src, n}, args...)...)
	}
	var (
		ids       []string
		keys      = map[string][]byte{}
		index     []byte
		indexLine int
	)
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "enc":
			if len(fields) != 3 {
				return nil, lineErr(n, "want \"enc <id> <base64 key>\", got %d fields", len(fields))
			}
			id := fields[1]
			if !validKeyID(id) {
				return nil, lineErr(n, "invalid key id (use 1-%d letters, digits, '_', '-' or '.')", maxKeyIDLen)
			}
			if _, dup := keys[id]; dup {
				return nil, lineErr(n, "duplicate key id %q", id)
			}
			key, err := decodeKey(fields[2])
			if err != nil {
				return nil, lineErr(n, "enc key %s: %v", id, err)
			}
			ids = append(ids, id)
			keys[id] = key
		case "index":
			if len(fields) != 2 {
				return nil, lineErr(n, "want \"index <base64 key>\", got %d fields", len(fields))
			}
			if index != nil {
				return nil, lineErr(n, "second index key (first on line %d); the index key cannot be rotated", indexLine)
			}
			key, err := decodeKey(fields[1])
			if err != nil {
				return nil, lineErr(n, "index key: %v", err)
			}
			index, indexLine = key, n
		default:
			if len(fields[0]) <= 16 {
				return nil, lineErr(n, "unknown entry %q (want enc or index)", fields[0])
			}
			return nil, lineErr(n, "unknown entry (want enc or index)")
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("pii: %s: no enc key (need a line \"enc <id> <base64 32-byte key>\")", src)
	}
	if index == nil {
		return nil, fmt.Errorf("pii: %s: no index key (need a line \"index <base64 32-byte key>\")", src)
	}
	for _, id := range ids {
		if subtle.ConstantTimeCompare(keys[id], index) == 1 {
			return nil, fmt.Errorf("pii: %s: index key must differ from enc key %s", src, id)
		}
	}
	return newKeyring(ids, keys, index)
}

// decodeKey decodes a standard, padded base64 key of exactly KeySize bytes.
func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("invalid base64 at character %d", int64(ce)+1)
		}
		return nil, errors.New("invalid base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(key), KeySize)
	}
	if bytes.Count(key, key[:1]) == KeySize {
		return nil, errors.New("all bytes are equal; generate keys from a random source")
	}
	return key, nil
}
