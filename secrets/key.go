package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// KeyEnv is the environment variable that holds the encryption key, 32
// bytes in standard base64. When it is set the key file is not used.
const KeyEnv = "ACTUATE_ENCRYPTION_KEY"

// KeyFileName is the name of the key file in the actuate home folder.
const KeyFileName = "key"

// keySize is the AES-256 key length.
const keySize = 32

// Key is the AES-256 key that encrypts secret values at rest. The zero Key
// is not usable. A Key prints and logs as "[encryption key]", never its
// bytes; [Key.Base64] is the only way to see them.
type Key struct {
	b    [keySize]byte
	ok   bool
	from string // KeyEnv, or the key file's path
	file string // the key file's path when the key came from one
}

// NewKey returns a random key that comes from nowhere yet: [Store.RotateKey]
// saves it to the store's key file, if it has one.
func NewKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k.b[:]); err != nil {
		return Key{}, fmt.Errorf("generating an encryption key: %w", err)
	}
	k.ok = true
	return k, nil
}

// ParseKey decodes a key written in standard base64 (44 characters, as
// `openssl rand -base64 32` prints). source names where the text came from
// in errors, e.g. "ACTUATE_ENCRYPTION_KEY"; the text itself never appears.
func ParseKey(text, source string) (Key, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return Key{}, fmt.Errorf("%s is not standard base64; it must hold 32 random bytes in base64, e.g. from \"openssl rand -base64 32\"", source)
	}
	if len(raw) != keySize {
		return Key{}, fmt.Errorf("%s decodes to %d bytes; it must hold 32 random bytes in base64, e.g. from \"openssl rand -base64 32\"", source, len(raw))
	}
	k := Key{ok: true, from: source}
	copy(k.b[:], raw)
	return k, nil
}

// LoadKey returns the key of the store in the folder home: from
// ACTUATE_ENCRYPTION_KEY when getenv returns it, otherwise from the key
// file home/key. A missing key file is created, with 32 random bytes in
// base64 and mode 0600 (the folder 0700), unless a store already exists in
// home: a new key could not read it. A key file that group or others may
// read is refused.
func LoadKey(home string, getenv func(string) string) (Key, error) {
	if text := getenv(KeyEnv); text != "" {
		return ParseKey(text, KeyEnv)
	}
	path := filepath.Join(home, KeyFileName)
	k, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if _, err := os.Stat(filepath.Join(home, FileName)); err == nil {
		return Key{}, fmt.Errorf("the key file %s is missing but the store %s exists; restore the key file or set %s to the key the store was created with",
			path, filepath.Join(home, FileName), KeyEnv)
	}
	return createKeyFile(path)
}

// readKeyFile reads a key file: base64 text, or exactly 32 raw bytes.
func readKeyFile(path string) (Key, error) {
	info, err := os.Stat(path)
	if err != nil {
		return Key{}, err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return Key{}, fmt.Errorf("the key file %s can be read by other users (mode %04o); run \"chmod 600 %s\"", path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("reading the key file: %w", err)
	}
	var k Key
	if len(data) == keySize {
		k = Key{ok: true}
		copy(k.b[:], data)
	} else if k, err = ParseKey(string(data), "the key file "+path); err != nil {
		return Key{}, err
	}
	k.from, k.file = path, path
	return k, nil
}

// createKeyFile writes a new key to path without ever replacing a file
// there: the key goes to a temporary file that is then hard-linked into
// place, so a concurrent first use ends with one key both sides read.
func createKeyFile(path string) (Key, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Key{}, fmt.Errorf("creating the actuate home folder: %w", err)
	}
	k, err := NewKey()
	if err != nil {
		return Key{}, err
	}
	tmp, err := writeKeyTemp(path, k)
	if err != nil {
		return Key{}, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path) // another process made it first
		}
		return Key{}, fmt.Errorf("creating the key file: %w", err)
	}
	syncDir(filepath.Dir(path))
	k.from, k.file = path, path
	return k, nil
}

// writeKeyTemp writes k in base64 to a new temporary file next to path,
// synced to disk, and returns its name.
func writeKeyTemp(path string, k Key) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("creating the key file: %w", err)
	}
	name := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(k.Base64() + "\n")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing the key file: %w", err)
	}
	return name, nil
}

// syncDir flushes a folder's entries, so a rename or link in it survives a
// power cut. Failures are ignored: not every file system supports it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Base64 returns the key in standard base64, the form ACTUATE_ENCRYPTION_KEY
// takes. Handle the result as the secret it is.
func (k Key) Base64() string { return base64.StdEncoding.EncodeToString(k.b[:]) }

// Source says where the key came from: "ACTUATE_ENCRYPTION_KEY" or the key
// file's path.
func (k Key) Source() string { return k.from }

// File returns the path of the key file the key came from, or "".
func (k Key) File() string { return k.file }

// String hides the key.
func (k Key) String() string { return "[encryption key]" }

// GoString hides the key from %#v as well.
func (k Key) GoString() string { return "[encryption key]" }

// LogValue implements [slog.LogValuer], hiding the key.
func (k Key) LogValue() slog.Value { return slog.StringValue("[encryption key]") }

func (k Key) aead() (cipher.AEAD, error) {
	if !k.ok {
		return nil, errors.New("no encryption key given")
	}
	block, err := aes.NewCipher(k.b[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// blobVersion is the first byte of every encrypted blob: the format, in
// case it ever changes. Version 1 is AES-256-GCM: nonce (12 bytes), then
// ciphertext and tag.
const blobVersion = 1

// seal encrypts plain, binding it to ad (the row it belongs to).
func seal(a cipher.AEAD, plain, ad []byte) ([]byte, error) {
	out := make([]byte, 1+a.NonceSize(), 1+a.NonceSize()+len(plain)+a.Overhead())
	out[0] = blobVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("generating a nonce: %w", err)
	}
	return a.Seal(out, out[1:1+a.NonceSize()], plain, ad), nil
}

// errDecrypt is what open returns for a blob it cannot authenticate: the
// wrong key, a blob moved from another row, or damage.
var errDecrypt = errors.New("cannot decrypt")

func open(a cipher.AEAD, blob, ad []byte) ([]byte, error) {
	n := a.NonceSize()
	if len(blob) < 1+n+a.Overhead() || blob[0] != blobVersion {
		return nil, errDecrypt
	}
	plain, err := a.Open(nil, blob[1:1+n], blob[1+n:], ad)
	if err != nil {
		return nil, errDecrypt
	}
	return plain, nil
}

// secretAD is the additional data of a secret's blob: its name and
// environment, so a blob copied to another row does not decrypt.
func secretAD(name, env string) []byte {
	return []byte("secret\x00" + name + "\x00" + env)
}
