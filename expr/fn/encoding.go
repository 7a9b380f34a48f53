package fn

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"unicode/utf8"
)

// Encoding and hashing functions: to_base64, from_base64, to_base64url,
// from_base64url, hash_md5, hash_sha1, hash_sha256, hash_sha512, uuid4.

func init() {
	register(&Func{Name: "to_base64", MinArgs: 1, MaxArgs: 1, Doc: "Standard base64 of a string's UTF-8 bytes.", Call: encToBase64,
		Call1: func(a any) (any, error) { return encToBase64(a) }})
	register(&Func{Name: "from_base64", MinArgs: 1, MaxArgs: 1, Doc: "Decode standard base64 into UTF-8 text.", Call: encFromBase64})
	register(&Func{Name: "to_base64url", MinArgs: 1, MaxArgs: 1, Doc: "URL-safe base64 (with padding) of a string's UTF-8 bytes.", Call: encToBase64URL})
	register(&Func{Name: "from_base64url", MinArgs: 1, MaxArgs: 1, Doc: "Decode URL-safe base64 into UTF-8 text.", Call: encFromBase64URL})
	register(&Func{Name: "hash_md5", MinArgs: 1, MaxArgs: 1, Doc: "MD5 of a string's UTF-8 bytes, lowercase hex.", Call: hashFunc("hash_md5", md5.New)})
	register(&Func{Name: "hash_sha1", MinArgs: 1, MaxArgs: 1, Doc: "SHA-1 of a string's UTF-8 bytes, lowercase hex.", Call: hashFunc("hash_sha1", sha1.New)})
	register(&Func{Name: "hash_sha256", MinArgs: 1, MaxArgs: 1, Doc: "SHA-256 of a string's UTF-8 bytes, lowercase hex.", Call: hashFunc("hash_sha256", sha256.New)})
	register(&Func{Name: "hash_sha512", MinArgs: 1, MaxArgs: 1, Doc: "SHA-512 of a string's UTF-8 bytes, lowercase hex.", Call: hashFunc("hash_sha512", sha512.New)})
	register(&Func{Name: "uuid4", MinArgs: 0, MaxArgs: 0, Doc: "A random (version 4) UUID string. Not pure: each call differs.", Call: encUUID4})
}

func encToBase64(args ...any) (any, error) {
	s, err := argStr("to_base64", args, 0)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func encToBase64URL(args ...any) (any, error) {
	s, err := argStr("to_base64url", args, 0)
	if err != nil {
		return nil, err
	}
	return base64.URLEncoding.EncodeToString([]byte(s)), nil
}

func encFromBase64(args ...any) (any, error) {
	return decodeBase64("from_base64", args, false)
}

func encFromBase64URL(args ...any) (any, error) {
	return decodeBase64("from_base64url", args, true)
}

// decodeBase64 follows Python's base64.b64decode (and urlsafe_b64decode)
// without validate: characters outside the alphabet are skipped, the
// padding must be complete, and the bytes must be UTF-8 text.
func decodeBase64(fn string, args []any, urlSafe bool) (any, error) {
	s, err := argStr(fn, args, 0)
	if err != nil {
		return nil, err
	}
	data := make([]byte, 0, len(s))
	pads := 0
scan:
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
		case urlSafe && c == '-':
			c = '+'
		case urlSafe && c == '_':
			c = '/'
		case c == '=':
			// Complete padding ends the data; anything after it is ignored.
			if q := len(data) % 4; q >= 2 {
				if pads++; q+pads >= 4 {
					break scan
				}
			}
			continue
		default:
			continue // Python skips characters outside the alphabet
		}
		data = append(data, c)
	}
	switch len(data) % 4 {
	case 0:
	case 1:
		return nil, fmt.Errorf("%s: invalid base64 input: number of data characters (%d) cannot be 1 more than a multiple of 4", fn, len(data))
	default:
		if q := len(data) % 4; q+pads < 4 {
			return nil, fmt.Errorf("%s: invalid base64 input: Incorrect padding", fn)
		}
	}
	out, err := base64.RawStdEncoding.DecodeString(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: invalid base64 input: %v", fn, err)
	}
	if !utf8.Valid(out) {
		pos := 0
		for pos < len(out) {
			r, size := utf8.DecodeRune(out[pos:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			pos += size
		}
		return nil, fmt.Errorf("%s: the decoded bytes are not UTF-8 text (invalid byte 0x%02x at position %d)", fn, out[pos], pos)
	}
	return string(out), nil
}

func hashFunc(name string, newHash func() hash.Hash) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		s, err := argStr(name, args, 0)
		if err != nil {
			return nil, err
		}
		h := newHash()
		h.Write([]byte(s))
		var buf [sha512.Size]byte
		return hex.EncodeToString(h.Sum(buf[:0])), nil
	}
}

func encUUID4(args ...any) (any, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return nil, fmt.Errorf("uuid4: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:]), nil
}
