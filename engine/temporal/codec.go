package temporal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// CodecPurpose names the codec's subkey of the store's key: see
// [secrets.Key.Derive].
const CodecPurpose = "actuate temporal payload codec v1"

// The metadata of an encrypted payload.
const (
	metaEncoding  = "encoding"
	metaKeyID     = "encryption-key-id"
	encodingValue = "binary/encrypted"
)

// Codec is a Temporal payload codec that encrypts every payload with
// AES-256-GCM: the whole payload (its metadata and data) is sealed and
// becomes the data of a payload whose metadata says only "binary/encrypted"
// and the key's id (a hash of the key, which does not reveal it). Temporal's
// history then holds no plaintext of inputs, results or failure messages.
// Payloads that are not encrypted pass through Decode unchanged. A Codec is
// safe for concurrent use.
type Codec struct {
	aead  cipher.AEAD
	keyID string
}

// NewCodec returns a codec with a 32-byte key, such as the store key's
// subkey for [CodecPurpose].
func NewCodec(key []byte) (*Codec, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("payload codec: the key must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("payload codec: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("payload codec: %w", err)
	}
	sum := sha256.Sum256(append([]byte("key id\x00"), key...))
	return &Codec{aead: aead, keyID: hex.EncodeToString(sum[:8])}, nil
}

// KeyID returns the id that encrypted payloads carry.
func (c *Codec) KeyID() string { return c.keyID }

// Encode implements [converter.PayloadCodec].
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("payload codec: %w", err)
		}
		nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plain)+c.aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, fmt.Errorf("payload codec: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{metaEncoding: []byte(encodingValue), metaKeyID: []byte(c.keyID)},
			Data:     c.aead.Seal(nonce, nonce, plain, []byte(c.keyID)),
		}
	}
	return out, nil
}

// Decode implements [converter.PayloadCodec].
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[metaEncoding]) != encodingValue {
			out[i] = p
			continue
		}
		if id := string(p.GetMetadata()[metaKeyID]); id != c.keyID {
			return payloads, &KeyMismatchError{Payload: id, Key: c.keyID}
		}
		n := c.aead.NonceSize()
		if len(p.Data) < n {
			return payloads, errors.New("payload codec: an encrypted payload is too short")
		}
		plain, err := c.aead.Open(nil, p.Data[:n], p.Data[n:], []byte(c.keyID))
		if err != nil {
			return payloads, errors.New("payload codec: an encrypted payload does not open with this key (altered?)")
		}
		var dec commonpb.Payload
		if err := proto.Unmarshal(plain, &dec); err != nil {
			return payloads, fmt.Errorf("payload codec: %w", err)
		}
		out[i] = &dec
	}
	return out, nil
}

// KeyMismatchError is a payload encrypted with another key than the
// codec's: the client and the workers do not share the store key.
type KeyMismatchError struct {
	Payload, Key string // key ids
}

// Error describes the failure; the text is shown to users.
func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("payload codec: a payload was encrypted with key %s, but this key is %s: give every worker and client the same store key (ACTUATE_ENCRYPTION_KEY, or the same key file)", e.Payload, e.Key)
}

// DataConverter returns Temporal's default data converter with c
// encrypting every payload.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter returns a failure converter that moves failure
// messages and stack traces into a payload encrypted by c, so that the
// error text of a failed step is encrypted like results are.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: c.DataConverter(), EncodeCommonAttributes: true})
}

// Interface guards.
var _ converter.PayloadCodec = (*Codec)(nil)
