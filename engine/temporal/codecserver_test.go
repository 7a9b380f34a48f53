package temporal

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func TestCodecHandler(t *testing.T) {
	t.Parallel()
	c := testCodec(t)
	srv := httptest.NewServer(CodecHandler(c, []string{"http://localhost:8233"}))
	t.Cleanup(srv.Close)

	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`{"title":"plain"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK's remote codec is the protocol's client.
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: srv.URL + "/default"})
	dec, err := remote.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if string(dec[0].Data) != `{"title":"plain"}` || string(dec[0].Metadata["encoding"]) != "json/plain" {
		t.Errorf("decoded %q %q", dec[0].Metadata, dec[0].Data)
	}

	for _, tc := range []struct{ origin, method, want string }{
		{"http://localhost:8233", http.MethodOptions, "200 http://localhost:8233 "},
		{"http://evil.example", http.MethodPost, "403  origin http://evil.example is not allowed: start the codec server with --allow-origin http://evil.example\n"},
		{"", http.MethodGet, "405  use POST /encode or POST /decode\n"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+"/decode", strings.NewReader(`{"payloads":[]}`))
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := strings.Fields(resp.Status)[0] + " " + resp.Header.Get("Access-Control-Allow-Origin") + " " + string(body)
		if got != tc.want {
			t.Errorf("%s %s from %q: %q, want %q", tc.method, "/decode", tc.origin, got, tc.want)
		}
	}
}
