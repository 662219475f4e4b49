package audit

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/tongxin/tongxin/internal/platform/pii"
)

// Key keys the chain: the entries' HMAC and the head's MAC. It is never
// stored in the database — whoever can write there must not be able to
// recompute a chain after editing it.
//
// A deployment's key comes from its PII key file (KeyFrom), so there is no
// second secret to back up, yet it is a key of its own: HKDF-SHA256 with info
// "tongxin audit chain v1" over a secret reached only through the key ring's
// blind-index HMAC under a field name no data column uses. That root is the
// index key because it is the one key of the file that never rotates: a
// rotated audit key would make every older entry unverifiable. Knowing the
// audit key tells nothing about the encryption or index keys.
type Key struct {
	entry, head []byte // two halves of the HKDF output, one per use
}

const (
	keyInfo  = "tongxin audit chain v1"
	keyField = "audit.chain" // the blind-index "field" the root secret is drawn under
)

// ErrNoKey: nothing set the audit key (SetKey) in this process.
var ErrNoKey = errors.New("audit: no audit key set (the server and the CLI set it from the PII key file at start-up)")

// KeyFrom derives the audit key from the deployment's PII key ring; the zero
// Key for a nil ring.
func KeyFrom(k *pii.Keyring) Key {
	if k == nil {
		return Key{}
	}
	root, _ := hex.DecodeString(k.BlindIndex(keyField, "key"))
	return derive(root)
}

// NewKey derives an audit key from a secret of at least 16 bytes (tests,
// tools).
func NewKey(secret []byte) (Key, error) {
	if len(secret) < 16 {
		return Key{}, errors.New("audit: a key secret needs at least 16 bytes")
	}
	return derive(secret), nil
}

func derive(secret []byte) Key {
	b, err := hkdf.Key(sha256.New, secret, nil, keyInfo, 64)
	if err != nil {
		panic(err) // only for lengths over 255 hash sizes
	}
	return Key{entry: b[:32], head: b[32:]}
}

func (k Key) valid() bool { return len(k.entry) == 32 && len(k.head) == 32 }

// current is the key Append uses.
var current atomic.Pointer[Key]

// SetKey sets the key that Append uses in this process. The server and the
// CLI set it once at start-up, from the key file they load anyway; the zero
// Key unsets it.
func SetKey(k Key) {
	if !k.valid() {
		current.Store(nil)
		return
	}
	current.Store(&k)
}

// testKey keys the chain in test binaries that never set one — store tests
// of every package append entries — so that they need no set-up. A built
// binary without a key refuses to append (fail closed).
var testKey = derive([]byte("tongxin audit key for tests only"))

// processKey is the key SetKey set.
func processKey() (Key, error) {
	if k := current.Load(); k != nil {
		return *k, nil
	}
	if testing.Testing() {
		return testKey, nil
	}
	return Key{}, ErrNoKey
}

// CurrentKey is the key Append uses (for tools and tests that verify what
// this process wrote).
func CurrentKey() (Key, error) { return processKey() }
