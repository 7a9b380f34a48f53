package temporal

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	c := testCodec(t)
	dc := c.DataConverter()
	p, err := dc.ToPayload(map[string]string{"title": "plain words"})
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Metadata["encoding"]) != "binary/encrypted" || string(p.Metadata["encryption-key-id"]) != c.KeyID() {
		t.Errorf("metadata = %q", p.Metadata)
	}
	if bytes.Contains(p.Data, []byte("plain words")) || len(p.Metadata) != 2 {
		t.Errorf("the payload shows its plaintext: %q", p.Data)
	}
	var back map[string]string
	if err := dc.FromPayload(p, &back); err != nil {
		t.Fatal(err)
	}
	if back["title"] != "plain words" {
		t.Errorf("decoded %v", back)
	}
	// Two encodings of the same value differ (a fresh nonce each time).
	p2, _ := dc.ToPayload(map[string]string{"title": "plain words"})
	if bytes.Equal(p.Data, p2.Data) {
		t.Error("two encodings are equal")
	}
}

func TestCodecDecodeErrors(t *testing.T) {
	t.Parallel()
	c := testCodec(t)
	other, err := NewCodec([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Decode(enc)
	want := "payload codec: a payload was encrypted with key " + c.KeyID() + ", but this key is " + other.KeyID() +
		": give every worker and client the same store key (ACTUATE_ENCRYPTION_KEY, or the same key file)"
	if err == nil || err.Error() != want {
		t.Errorf("other key: %v\nwant %s", err, want)
	}
	enc[0].Data[len(enc[0].Data)-1] ^= 1
	if _, err := c.Decode(enc); err == nil || err.Error() != "payload codec: an encrypted payload does not open with this key (altered?)" {
		t.Errorf("altered: %v", err)
	}
	plain := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`1`)}}
	if got, err := c.Decode(plain); err != nil || got[0] != plain[0] {
		t.Errorf("a plain payload: %v, %v", got, err)
	}
	if _, err := NewCodec([]byte("short")); err == nil || err.Error() != "payload codec: the key must be 32 bytes, not 5" {
		t.Errorf("short key: %v", err)
	}
}

// The codec's failure converter moves a failure's message, and its
// cause's, into encrypted attributes: the failure Temporal stores holds
// no plaintext of them, and the codec reads them back.
func TestCodecEncryptsFailures(t *testing.T) {
	t.Parallel()
	c := testCodec(t)
	fc := c.FailureConverter()
	err := temporal.NewNonRetryableApplicationError("step failed: plain words", ErrStep, errors.New("the cause's own words"))
	f := fc.ErrorToFailure(err)
	for g := f; g != nil; g = g.GetCause() {
		if g.GetMessage() != "Encoded failure" || g.GetStackTrace() != "" {
			t.Errorf("a failure keeps its message %q, stack trace %q", g.GetMessage(), g.GetStackTrace())
		}
		p := g.GetEncodedAttributes()
		if string(p.GetMetadata()["encoding"]) != "binary/encrypted" || string(p.GetMetadata()["encryption-key-id"]) != c.KeyID() {
			t.Errorf("encoded attributes' metadata = %q, want encrypted", p.GetMetadata())
		}
	}
	b, merr := proto.Marshal(f)
	if merr != nil {
		t.Fatal(merr)
	}
	for _, plain := range []string{"plain words", "own words"} {
		if bytes.Contains(b, []byte(plain)) {
			t.Errorf("the failure holds %q in plaintext", plain)
		}
	}
	back := fc.FailureToError(f)
	var app *temporal.ApplicationError
	if !errors.As(back, &app) || app.Message() != "step failed: plain words" || app.Type() != ErrStep || errors.Unwrap(back) == nil || errors.Unwrap(back).Error() != "the cause's own words" {
		t.Errorf("read back: %v (%T), cause %v", back, back, errors.Unwrap(back))
	}
}
