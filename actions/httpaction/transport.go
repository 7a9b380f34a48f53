package httpaction

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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

// stepKey identifies a clone of a transport with a step's TLS settings
// and phase timeout.
type stepKey struct {
	base     *http.Transport
	insecure bool
	// sum is the SHA-256 of the certificate, key and CA bundle, so the
	// cache holds no secret in its keys.
	sum [sha256.Size]byte
	// timeout is the phase timeout the clone applies itself (see
	// withTimeouts), 0 for none.
	timeout time.Duration
}

// stepTransports caches the clones by stepKey so that steps with the same
// settings share a connection pool. It holds at most maxStepTransports:
// a long-running worker whose runs bring many certificates or timeouts
// would otherwise keep a pool for each. Past that, the cache starts
// afresh; requests in flight keep their transports, and the idle
// connections of the others are closed.
var (
	stepTransports     sync.Map // stepKey -> *http.Transport
	stepTransportCount atomic.Int64
	maxStepTransports  int64 = 64 // a variable for tests
)

// cacheStepTransport adds t under k, or returns the transport another
// goroutine cached first, making room as stepTransports says.
func cacheStepTransport(k stepKey, t *http.Transport) *http.Transport {
	got, loaded := stepTransports.LoadOrStore(k, t)
	if loaded {
		t.CloseIdleConnections()
		return got.(*http.Transport)
	}
	if stepTransportCount.Add(1) > maxStepTransports {
		stepTransports.Range(func(key, v any) bool {
			if key != k && stepTransports.CompareAndDelete(key, v) {
				stepTransportCount.Add(-1)
				v.(*http.Transport).CloseIdleConnections()
			}
			return true
		})
	}
	return t
}

// transportFor returns the transport for a request without a timeout of
// its own: env.Transport, or a cached clone of it when the step disables
// certificate verification or has an mtls or ca_cert secret.
func transportFor(env *actions.Env, verifySSL bool) (http.RoundTripper, error) {
	rt, _, err := stepTransport(env, verifySSL, 0)
	return rt, err
}

// stepTransport returns the transport for a request as transportFor
// does. When timeout is positive and the transport is an *http.Transport
// that can carry it (see timeoutCapable), the transport is a cached clone
// that applies the timeout to connecting, the TLS handshake, each write
// and each wait for the response (see withTimeouts), and it is also returned as
// timed; otherwise timed is nil and the caller must watch the phases
// itself.
func stepTransport(env *actions.Env, verifySSL bool, timeout time.Duration) (rt http.RoundTripper, timed *http.Transport, err error) {
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
	rt = env.Transport
	if rt == nil {
		rt = defaultTransport()
	}
	plainTLS := verifySSL && cert == "" && ca == ""
	base, ok := rt.(*http.Transport)
	if !ok {
		// A fake or wrapping transport owns its TLS settings.
		if !plainTLS && env.Logger != nil {
			env.Logger.Warn("the engine's HTTP transport cannot be given the step's TLS settings (verify_ssl, mtls, ca_cert); using it as it is",
				"transport", fmt.Sprintf("%T", rt))
		}
		return rt, nil, nil
	}
	if timeout < 0 || !timeoutCapable(base) {
		timeout = 0
	}
	if plainTLS && timeout == 0 {
		return rt, nil, nil
	}
	k := stepKey{base: base, insecure: !verifySSL, timeout: timeout}
	if !plainTLS {
		h := sha256.New()
		for _, s := range []string{cert, key, ca} {
			fmt.Fprintf(h, "%d:%s", len(s), s)
		}
		h.Sum(k.sum[:0])
	}
	if t, ok := stepTransports.Load(k); ok {
		return timedResult(t.(*http.Transport), timeout)
	}
	t := base.Clone()
	if !plainTLS {
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
				return nil, nil, fmt.Errorf("mtls secret: TLS_CERTIFICATE and TLS_PRIVATE_KEY do not form a client certificate: %w", err)
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		if ca != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(ca)) {
				return nil, nil, errors.New("ca_cert secret: CA_CERTIFICATE holds no PEM certificate")
			}
			cfg.RootCAs = pool
		}
		t.TLSClientConfig = cfg
	}
	if timeout > 0 {
		withTimeouts(t, timeout)
	}
	return timedResult(cacheStepTransport(k, t), timeout)
}

func timedResult(t *http.Transport, timeout time.Duration) (http.RoundTripper, *http.Transport, error) {
	if timeout > 0 {
		return t, t, nil
	}
	return t, nil, nil
}

// timeoutCapable tells whether withTimeouts can make a clone of t apply
// the phase timeout exactly: t dials with DialContext (or the default
// dialer) and does its own TLS handshakes, and it has no limit of
// connections per host, so a request never waits for a pooled connection
// other than the one it dials.
func timeoutCapable(t *http.Transport) bool {
	return t.DialTLSContext == nil && t.DialTLS == nil && //nolint:staticcheck // DialTLS may still be set
		(t.DialContext != nil || t.Dial == nil) && //nolint:staticcheck // Dial may still be set
		t.MaxConnsPerHost <= 0
}

// withTimeouts makes t apply timeout to each phase of an exchange:
//   - dialing (DialContext under a context with the timeout),
//   - the TLS handshake (TLSHandshakeTimeout),
//   - each write on the connection, so writing the request and its body
//     (a write deadline set before each write),
//   - the wait for the response and each read of it: every write and
//     every read that brings data sets the read deadline the timeout
//     ahead, so that the response must start, and keep coming, within
//     the timeout.
//
// Timeouts t already has that are shorter stay as they are. A connection
// idle in the pool keeps the read deadline of its last read: it is closed
// once idle for the timeout, and the next request dials a new one. This
// costs no timer per request. The phases that time out fail with a
// *phaseTimeout (dialing, writing, reading) or with net/http's own
// timeout error (TLS handshake), which timeoutPhase recognises.
func withTimeouts(t *http.Transport, timeout time.Duration) {
	dial := t.DialContext
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dctx, cancel := context.WithTimeout(ctx, timeout)
		c, err := dial(dctx, network, addr)
		expired := err != nil && ctx.Err() == nil && errors.Is(dctx.Err(), context.DeadlineExceeded)
		cancel()
		if err != nil {
			if expired {
				return nil, &phaseTimeout{phase: phaseConnect, err: err}
			}
			return nil, err
		}
		return &timedConn{Conn: c, timeout: timeout}, nil
	}
	if t.TLSHandshakeTimeout <= 0 || timeout < t.TLSHandshakeTimeout {
		t.TLSHandshakeTimeout = timeout
	}
	// The deadlines are the connection's: over HTTP/2 the requests sharing
	// a connection would push them on for one another. A timed clone
	// speaks HTTP/1.1, as httpx does by default.
	var http1 http.Protocols
	http1.SetHTTP1(true)
	t.Protocols = &http1
	if c := t.TLSClientConfig; c != nil && slices.Contains(c.NextProtos, "h2") {
		c = c.Clone()
		c.NextProtos = slices.DeleteFunc(slices.Clone(c.NextProtos), func(p string) bool { return p == "h2" })
		t.TLSClientConfig = c
	}
}

// timedConn is a connection whose writes each fail with a *phaseTimeout
// when they make no progress for the timeout, and whose reads fail so
// when nothing comes for the timeout after the last write or read. The
// writes of a TLS handshake leave the read deadline alone: the handshake
// has TLSHandshakeTimeout.
//
// Setting a deadline costs a runtime timer update, which back-to-back
// requests need not pay: a deadline is set an eighth of the timeout
// further than asked, and left alone while it is at least the timeout
// away. A phase thus times out after between 1 and 1.125 times the
// timeout without progress.
type timedConn struct {
	net.Conn
	timeout time.Duration
	// readBy and writeBy are the deadlines set, in Unix nanoseconds; 0
	// for none. readBy is set once a write other than a TLS handshake's
	// has been made; reads that bring data then push it on. The writing
	// and the reading goroutines share them.
	readBy, writeBy atomic.Int64
	// writing is set while a write is in progress, and readExpired when
	// a read failed at the read deadline meanwhile: the transport then
	// closes the connection, failing the blocked write, whose phase has
	// timed out. A connection that expired idle fails the next write
	// plainly, which the transport retries on a new connection.
	writing, readExpired atomic.Bool
}

// tlsHandshakeRecord tells whether a write starts with a TLS handshake
// or change_cipher_spec record. An HTTP/1 request starts with a letter;
// TLS application data, with record type 23.
func tlsHandshakeRecord(p []byte) bool {
	return len(p) > 0 && (p[0] == 22 || p[0] == 20)
}

// extend sets the read or the write deadline unless the one set is at
// least the timeout away.
func (c *timedConn) extend(read bool) error {
	by := &c.writeBy
	if read {
		by = &c.readBy
	}
	want := time.Now().Add(c.timeout)
	if want.UnixNano() <= by.Load() {
		return nil
	}
	d := want.Add(c.timeout / 8)
	by.Store(d.UnixNano())
	if read {
		return c.Conn.SetReadDeadline(d)
	}
	return c.Conn.SetWriteDeadline(d)
}

func (c *timedConn) Write(p []byte) (int, error) {
	if err := c.extend(false); err != nil {
		return 0, err
	}
	c.writing.Store(true)
	n, err := c.Conn.Write(p)
	c.writing.Store(false)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) && c.readExpired.Load() {
			err = &phaseTimeout{phase: phaseWrite, err: err}
		}
		return n, err
	}
	if tlsHandshakeRecord(p) {
		return n, nil
	}
	// The answer to what was written must start within the timeout.
	return n, c.extend(true)
}

func (c *timedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && err == nil && c.readBy.Load() != 0 {
		err = c.extend(true)
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if c.writing.Load() {
			c.readExpired.Store(true)
		}
		// The exchange tells the headers from the body.
		err = &phaseTimeout{phase: phaseHeaders, err: err}
	}
	return n, err
}

// phaseTimeout is the error of a phase that a timed transport or the
// fallback watchdog cut short; the exchange turns it into a
// *TimeoutError.
type phaseTimeout struct {
	phase int32
	err   error
}

func (e *phaseTimeout) Error() string {
	if e.err == nil {
		return phaseText[e.phase] + " timed out"
	}
	return phaseText[e.phase] + " timed out: " + e.err.Error()
}
func (e *phaseTimeout) Unwrap() error   { return e.err }
func (e *phaseTimeout) Timeout() bool   { return true }
func (e *phaseTimeout) Temporary() bool { return true }

// timeoutPhase tells whether err is a phase timing out on the timed
// transport t, and which.
func timeoutPhase(t *http.Transport, timeout time.Duration, err error) (int32, bool) {
	var pt *phaseTimeout
	if errors.As(err, &pt) {
		return pt.phase, true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "net/http: TLS handshake timeout" {
			return phaseTLS, t.TLSHandshakeTimeout == timeout
		}
	}
	return 0, false
}
