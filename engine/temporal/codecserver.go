package temporal

import (
	"net/http"
	"slices"

	"go.temporal.io/sdk/converter"
)

// CodecHandler serves c as a Temporal codec server: POST /encode and
// POST /decode (under any path prefix, such as the namespace's), the
// remote codec protocol the Temporal UI and CLI speak, so that they can show
// the plaintext of payloads to someone who holds the key. Browsers may call
// it from the origins listed (the UI's, e.g. http://localhost:8233); a
// request from another origin is refused.
func CodecHandler(c *Codec, origins []string) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			if !slices.Contains(origins, origin) {
				http.Error(w, "origin "+origin+" is not allowed: start the codec server with --allow-origin "+origin, http.StatusForbidden)
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusOK)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "use POST /encode or POST /decode", http.StatusMethodNotAllowed)
			return
		}
		inner.ServeHTTP(w, r)
	})
}
