// Package pii keeps personal data — citizen ID and phone numbers — out of
// the database in readable form, so that a leaked backup or a curious SQL
// console does not expose residents.
//
// Values are sealed with AES-256-GCM under a key ring that supports
// rotation (old rows keep decrypting; Reencrypt migrates them) and are bound
// to the column they belong to, so a ciphertext copied into another column
// will not decrypt. Exact-match lookups use a keyed blind index (HMAC) rather
// than plaintext, and the Mask helpers give what screens and logs may show.
//
// Keys live in a small text file (see LoadKeyFile) or in the environment
// variable named by EnvVar. Losing the key file makes every encrypted value
// unrecoverable: back it up separately from the database.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"unicode"
)

// KeySize is the length in bytes of every key: AES-256 and HMAC-SHA256.
const KeySize = 32

// EnvVar names the environment variable that may hold the key ring (see
// FromEnv and Load).
const EnvVar = "TONGXIN_PII_KEYS"

// Errors returned by Decrypt and friends; test with errors.Is.
var (
	// ErrMalformed: the string is not a ciphertext produced by this package.
	ErrMalformed = errors.New("pii: malformed ciphertext")
	// ErrUnknownKey: the ciphertext names a key id the key ring lacks,
	// typically because the key file is older than the data.
	ErrUnknownKey = errors.New("pii: ciphertext encrypted with a key not in the key ring")
	// ErrDecrypt: authentication failed — wrong field, altered data, or a
	// different key under the same id.
	ErrDecrypt = errors.New("pii: decryption failed (wrong field, wrong key or tampered data)")
	// ErrNoKeys: the Keyring is nil or empty.
	ErrNoKeys = errors.New("pii: key ring has no encryption key")
)

// Keyring holds the AES-GCM encryption keys, in file order with the last one
// active, and the HMAC key for blind indexes. It is immutable after loading
// and safe for concurrent use.
type Keyring struct {
	ids   []string // encryption key ids in file order; last is active
	aeads map[string]cipher.AEAD
	index []byte    // HMAC-SHA256 key for BlindIndex
	macs  sync.Pool // of HMAC-SHA256 states keyed with index, reset before use
}

// formatVersion prefixes every ciphertext so the layout can change later.
const formatVersion = "v1"

// maxKeyIDLen bounds key ids; they are repeated in every ciphertext.
const maxKeyIDLen = 32

// validKeyID reports whether id may be used as a key id: 1-32 characters of
// ASCII letters, digits, '_', '-' and '.'. In particular no ':' (the
// ciphertext separator) and no NUL (the additional-data separator).
func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > maxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// newKeyring builds a Keyring; enc is in file order.
func newKeyring(ids []string, keys map[string][]byte, index []byte) (*Keyring, error) {
	k := &Keyring{ids: ids, aeads: make(map[string]cipher.AEAD, len(ids)), index: index}
	for _, id := range ids {
		block, err := aes.NewCipher(keys[id])
		if err != nil {
			return nil, fmt.Errorf("pii: key %s: %w", id, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("pii: key %s: %w", id, err)
		}
		k.aeads[id] = aead
	}
	return k, nil
}

// ActiveKeyID returns the id of the key new values are encrypted with, or ""
// for an empty key ring. A rotation job can select rows whose ciphertext does
// not start with "v1:"+ActiveKeyID()+":" and pass them to Reencrypt.
func (k *Keyring) ActiveKeyID() string {
	if k == nil || len(k.ids) == 0 {
		return ""
	}
	return k.ids[len(k.ids)-1]
}

// KeyIDs returns the encryption key ids, oldest first.
func (k *Keyring) KeyIDs() []string {
	if k == nil {
		return nil
	}
	return append([]string(nil), k.ids...)
}

// additionalData binds a ciphertext to its format version, key id and field.
// Key ids cannot contain NUL, so the encoding is unambiguous.
func additionalData(id, field string) []byte {
	return []byte("tongxin/pii/" + formatVersion + "\x00" + id + "\x00" + field)
}

// Encrypt is EncryptFor with the empty field. Prefer EncryptFor with the
// column name so values cannot be moved between columns.
func (k *Keyring) Encrypt(plaintext string) (string, error) {
	return k.EncryptFor("", plaintext)
}

// Decrypt is DecryptFor with the empty field.
func (k *Keyring) Decrypt(s string) (string, error) {
	return k.DecryptFor("", s)
}

// Reencrypt is ReencryptFor with the empty field.
func (k *Keyring) Reencrypt(s string) (string, bool, error) {
	return k.ReencryptFor("", s)
}

// EncryptFor seals plaintext with the active key and returns
// "v1:<key id>:<base64url(nonce | ciphertext | tag)>". field (typically
// "table.column") is authenticated but not stored: DecryptFor must be given
// the same field. Each call uses a fresh random nonce, so equal plaintexts
// give different ciphertexts; use BlindIndex for lookups. The empty string is
// encrypted like any other value; represent "absent" as NULL instead.
func (k *Keyring) EncryptFor(field, plaintext string) (string, error) {
	id := k.ActiveKeyID()
	if id == "" {
		return "", ErrNoKeys
	}
	sealed := k.aeads[id].Seal(nil, nil, []byte(plaintext), additionalData(id, field))
	// "v1:<id>:<base64>" written once (bulk imports seal millions).
	enc := base64.RawURLEncoding
	head := len(formatVersion) + len(id) + 2
	out := make([]byte, head+enc.EncodedLen(len(sealed)))
	copy(out[copy(out, formatVersion+":"):], id+":")
	enc.Encode(out[head:], sealed)
	return string(out), nil
}

// DecryptFor opens a value produced by EncryptFor with the same field, using
// whichever key in the ring it names. Errors wrap ErrMalformed,
// ErrUnknownKey, ErrDecrypt or ErrNoKeys.
func (k *Keyring) DecryptFor(field, s string) (string, error) {
	_, plaintext, err := k.open(field, s)
	return plaintext, err
}

// ReencryptFor re-encrypts s under the active key if it was encrypted with
// an older one, reporting whether it changed. An s already under the active
// key is returned as is, so the call is cheap to repeat in a rotation job.
func (k *Keyring) ReencryptFor(field, s string) (string, bool, error) {
	id, plaintext, err := k.open(field, s)
	if err != nil {
		return "", false, err
	}
	if id == k.ActiveKeyID() {
		return s, false, nil
	}
	out, err := k.EncryptFor(field, plaintext)
	if err != nil {
		return "", false, err
	}
	return out, true, nil
}

func (k *Keyring) open(field, s string) (id, plaintext string, err error) {
	if k == nil || len(k.ids) == 0 {
		return "", "", ErrNoKeys
	}
	version, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", fmt.Errorf("%w: missing version prefix", ErrMalformed)
	}
	if version != formatVersion {
		return "", "", fmt.Errorf("%w: unsupported version", ErrMalformed)
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok || !validKeyID(id) {
		return "", "", fmt.Errorf("%w: missing or invalid key id", ErrMalformed)
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", "", fmt.Errorf("%w: key id %q", ErrUnknownKey, id)
	}
	// The decoder skips '\r' and '\n'; reject them so that every sealed
	// value has exactly one accepted spelling.
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || strings.ContainsAny(body, "\r\n") {
		return "", "", fmt.Errorf("%w: bad base64", ErrMalformed)
	}
	if len(sealed) < aead.Overhead() {
		return "", "", fmt.Errorf("%w: too short", ErrMalformed)
	}
	out, err := aead.Open(nil, nil, sealed, additionalData(id, field))
	if err != nil {
		return "", "", ErrDecrypt
	}
	return id, string(out), nil
}

// BlindIndex returns a deterministic 32-hex-character keyed hash of value
// for exact-match lookups ("WHERE id_number_idx = $1") without storing or
// comparing plaintext. Different fields give unrelated indexes, so the same
// number in two columns cannot be joined by index alone. field must not
// contain NUL.
//
// value is normalised first — full-width ASCII folded to half-width, ASCII
// letters upper-cased, white space and hyphens removed — so "138-1234-5678"
// and "13812345678" match. Callers should still canonicalise (for example
// with govid.ParseCitizenID) before indexing. Do not index empty values: they
// would all share one index.
//
// The index key cannot be rotated without recomputing every index, so the
// key file holds exactly one. BlindIndex panics if the Keyring has no index
// key, which only happens for a zero or nil Keyring.
func (k *Keyring) BlindIndex(field, value string) string {
	if k == nil || len(k.index) != KeySize {
		panic("pii: BlindIndex called on a Keyring without an index key")
	}
	m, _ := k.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, k.index)
	}
	m.Reset()
	var buf [sha256.Size]byte
	in := make([]byte, 0, 64)
	in = append(append(append(in, field...), 0), normalizeIndexValue(value)...)
	m.Write(in)
	sum := m.Sum(buf[:0])
	k.macs.Put(m)
	return hex.EncodeToString(sum[:16])
}

// normalizeIndexValue implements the normalisation described at BlindIndex.
func normalizeIndexValue(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for _, r := range v {
		switch {
		case r == '\u3000':
			continue
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		switch {
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r == '-', unicode.IsSpace(r):
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
