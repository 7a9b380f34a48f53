package httpaction

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

// testCA is a certificate authority that signs client certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// client issues a client certificate and returns its PEM and its key's.
func (ca *testCA) client(t *testing.T, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

// quietLog silences the TLS handshake errors the servers would print.
var quietLog = log.New(io.Discard, "", 0)

func serverCAPEM(srv *httptest.Server) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
}

func TestRequestTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "secure")
	}))
	srv.Config.ErrorLog = quietLog
	srv.StartTLS()
	t.Cleanup(srv.Close)

	tests := []struct {
		name    string
		secrets secrets
		args    []any
		wantErr string
	}{
		{name: "unknown authority", wantErr: "GET SRV: tls: failed to verify certificate: x509: certificate signed by unknown authority"},
		{name: "verify_ssl false", args: []any{"verify_ssl", false}},
		{name: "ca_cert secret", secrets: secrets{"ca_cert.CA_CERTIFICATE": serverCAPEM(srv)}},
		{name: "ca_cert ignored without verification", args: []any{"verify_ssl", false},
			secrets: secrets{"ca_cert.CA_CERTIFICATE": "not a PEM"}},
		{name: "bad ca_cert", secrets: secrets{"ca_cert.CA_CERTIFICATE": "not a PEM"},
			wantErr: "ca_cert secret: CA_CERTIFICATE holds no PEM certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv()
			if tc.secrets != nil {
				env.Secrets = tc.secrets
			}
			got, err := run(t, req, env, append([]any{"url", srv.URL, "method", "GET"}, tc.args...)...)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "SRV", srv.URL)
				if err == nil || err.Error() != want {
					t.Fatalf("error:\n got %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if data, _ := got.(*value.Map).Get("data"); data != "secure" {
				t.Errorf("data %v", data)
			}
		})
	}
}

func TestRequestMTLS(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello "+r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.Config.ErrorLog = quietLog
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	certPEM, keyPEM := ca.client(t, "robot")
	otherCert, otherKey := newTestCA(t).client(t, "stranger")
	serverCA := serverCAPEM(srv)

	tests := []struct {
		name    string
		secrets secrets
		want    string
		wantErr string
	}{
		{name: "cert and key", want: "hello robot", secrets: secrets{
			"mtls.TLS_CERTIFICATE": certPEM, "mtls.TLS_PRIVATE_KEY": keyPEM, "ca_cert.CA_CERTIFICATE": serverCA}},
		{name: "combined PEM", want: "hello robot", secrets: secrets{
			"mtls.TLS_CERTIFICATE": certPEM + keyPEM, "ca_cert.CA_CERTIFICATE": serverCA}},
		{name: "no client certificate", secrets: secrets{"ca_cert.CA_CERTIFICATE": serverCA},
			wantErr: "GET SRV: remote error: tls: certificate required"},
		{name: "certificate of another CA", secrets: secrets{
			"mtls.TLS_CERTIFICATE": otherCert, "mtls.TLS_PRIVATE_KEY": otherKey, "ca_cert.CA_CERTIFICATE": serverCA},
			wantErr: "GET SRV: remote error: tls: unknown certificate authority"},
		{name: "key of another certificate", secrets: secrets{
			"mtls.TLS_CERTIFICATE": certPEM, "mtls.TLS_PRIVATE_KEY": otherKey},
			wantErr: "mtls secret: TLS_CERTIFICATE and TLS_PRIVATE_KEY do not form a client certificate: tls: private key does not match public key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv()
			env.Secrets = tc.secrets
			got, err := run(t, req, env, "url", srv.URL, "method", "GET")
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "SRV", srv.URL)
				if err == nil || err.Error() != want {
					t.Fatalf("error:\n got %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if data, _ := got.(*value.Map).Get("data"); data != tc.want {
				t.Errorf("data %v", data)
			}
		})
	}
}

func TestTransportCache(t *testing.T) {
	t.Parallel()
	env, _ := newEnv()
	plain, err := transportFor(env, true)
	if err != nil || plain != testTransport {
		t.Fatalf("plain transport %v %v", plain, err)
	}
	a, _ := transportFor(env, false)
	b, _ := transportFor(env, false)
	if a == plain || a != b {
		t.Errorf("insecure transports not cached: %p %p", a, b)
	}
	env.Secrets = secrets{"ca_cert.CA_CERTIFICATE": newTestCA(t).pem}
	c, _ := transportFor(env, true)
	if c == a || c == plain {
		t.Error("CA transport shared with another setting")
	}
	d, _ := transportFor(env, false) // the CA is ignored without verification
	if d != a {
		t.Error("insecure transport with an ignored CA not shared")
	}
}

// TestRemoteAlertCause checks that a TLS alert from the server reads the
// same whichever way net/http wrapped it (the request's error, or its
// connection reader's, which it prefixes).
func TestRemoteAlertCause(t *testing.T) {
	t.Parallel()
	alert := &net.OpError{Op: "remote error", Err: tls.AlertError(116)}
	for _, err := range []error{
		&url.Error{Op: "Get", URL: "https://x", Err: alert},
		&url.Error{Op: "Get", URL: "https://x", Err: fmt.Errorf("readLoopPeekFailLocked: %w", alert)},
	} {
		if got := unwrapURLError(err).Error(); got != "remote error: tls: certificate required" {
			t.Errorf("unwrapURLError(%v) = %q", err, got)
		}
	}
}

// TestRequestTimeoutHTTP2Server checks that a step's timeout holds against
// a server that speaks HTTP/2, while another request to it keeps
// receiving data: the timed transport does not share a connection (and
// its deadlines) between requests, as HTTP/2 would.
func TestRequestTimeoutHTTP2Server(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stream":
			for range 15 {
				io.WriteString(w, "x")
				w.(http.Flusher).Flush()
				time.Sleep(50 * time.Millisecond)
			}
		case "/hang":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = quietLog
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = true
	if resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/stream"); err != nil || resp.ProtoMajor != 2 {
		t.Fatalf("the server does not speak HTTP/2: %v", err)
	} else {
		resp.Body.Close()
	}
	env, _ := newEnv()
	env.Transport = tr
	streamed := make(chan error, 1)
	go func() {
		_, err := run(t, req, env, "url", srv.URL+"/stream", "method", "GET", "timeout", 0.3)
		streamed <- err
	}()
	time.Sleep(100 * time.Millisecond) // the stream has started
	start := time.Now()
	_, err := run(t, req, env, "url", srv.URL+"/hang", "method", "GET", "timeout", 0.3)
	want := "GET " + srv.URL + "/hang: waiting for the response headers timed out after 300ms"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
	if d := time.Since(start); d > 600*time.Millisecond {
		t.Errorf("timed out after %s, want about 300ms", d)
	}
	if err := <-streamed; err != nil {
		t.Errorf("stream: %v", err)
	}
}
