package httpaction

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/actuatehq/actuate/actions"
)

// defaultTransport serves steps whose Env has no Transport (embedders
// that call an action directly). Its pool is sized for concurrent steps.
var defaultTransport = sync.OnceValue(func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return t
})

// tlsKey identifies a clone of a transport with its own TLS settings.
type tlsKey struct {
	base     *http.Transport
	insecure bool
	// sum is the SHA-256 of the certificate, key and CA bundle, so the
	// cache holds no secret in its keys.
	sum [sha256.Size]byte
}

// tlsTransports caches the clones by tlsKey so that steps with the same
// settings share a connection pool.
var tlsTransports sync.Map // tlsKey -> *http.Transport

// transportFor returns the transport for a request: env.Transport, or a
// cached clone of it when the step disables certificate verification or
// has an mtls or ca_cert secret.
func transportFor(env *actions.Env, verifySSL bool) (http.RoundTripper, error) {
	var cert, key, ca string
	if env.Secrets != nil {
		cert, _ = env.Secrets.Get("mtls", "TLS_CERTIFICATE")
		if cert != "" {
			key, _ = env.Secrets.Get("mtls", "TLS_PRIVATE_KEY")
		}
		if verifySSL {
			ca, _ = env.Secrets.Get("ca_cert", "CA_CERTIFICATE")
		}
	}
	rt := env.Transport
	if rt == nil {
		rt = defaultTransport()
	}
	if verifySSL && cert == "" && ca == "" {
		return rt, nil
	}
	base, ok := rt.(*http.Transport)
	if !ok {
		// A fake or wrapping transport owns its TLS settings.
		if env.Logger != nil {
			env.Logger.Warn("the engine's HTTP transport cannot be given the step's TLS settings (verify_ssl, mtls, ca_cert); using it as it is",
				"transport", fmt.Sprintf("%T", rt))
		}
		return rt, nil
	}
	k := tlsKey{base: base, insecure: !verifySSL}
	h := sha256.New()
	for _, s := range []string{cert, key, ca} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	h.Sum(k.sum[:0])
	if t, ok := tlsTransports.Load(k); ok {
		return t.(*http.Transport), nil
	}
	cfg := &tls.Config{}
	if base.TLSClientConfig != nil {
		cfg = base.TLSClientConfig.Clone()
	}
	cfg.InsecureSkipVerify = !verifySSL
	if cert != "" {
		keyPEM := key
		if keyPEM == "" {
			keyPEM = cert // one PEM holding the certificate and its key
		}
		pair, err := tls.X509KeyPair([]byte(cert), []byte(keyPEM))
		if err != nil {
			return nil, fmt.Errorf("mtls secret: TLS_CERTIFICATE and TLS_PRIVATE_KEY do not form a client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if ca != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(ca)) {
			return nil, errors.New("ca_cert secret: CA_CERTIFICATE holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	t := base.Clone()
	t.TLSClientConfig = cfg
	got, _ := tlsTransports.LoadOrStore(k, t)
	if got != t {
		t.CloseIdleConnections()
	}
	return got.(*http.Transport), nil
}
