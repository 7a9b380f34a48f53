package secrets

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Derive returns a 32-byte subkey of k for one purpose, named by purpose
// (e.g. "actuate temporal payload codec v1"), through HKDF-SHA256. Other
// uses of the store's key (a payload codec, for one) take a subkey, so
// that no two purposes share the key that seals the store. The same key and
// purpose always give the same subkey.
func (k Key) Derive(purpose string) ([]byte, error) {
	if !k.ok {
		return nil, errors.New("no encryption key to derive from")
	}
	if purpose == "" {
		return nil, errors.New("deriving a key: name its purpose")
	}
	sub, err := hkdf.Key(sha256.New, k.b[:], nil, purpose, keySize)
	if err != nil {
		return nil, fmt.Errorf("deriving a key for %s: %w", purpose, err)
	}
	return sub, nil
}
