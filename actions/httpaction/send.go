package httpaction

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/actuatehq/actuate/actions"
)

// Retry and size settings. They are variables so that tests can shrink the
// waits to milliseconds.
var (
	// defaultRetries is how many times a request with an idempotent method
	// is retried when the step does not set `retries:`.
	defaultRetries = 3
	// retryWaitMin and retryWaitMax bound the exponential backoff.
	retryWaitMin = 1 * time.Second
	retryWaitMax = 30 * time.Second
	// retryAfterUnit is how long one second of a Retry-After header
	// lasts, and maxRetryAfter caps the wait it asks for.
	retryAfterUnit = time.Second
	maxRetryAfter  = 60 * time.Second
	// maxResponseBytes bounds the response body.
	maxResponseBytes int64 = 100 << 20
)

// response is a response read in full.
type response struct {
	method string
	status int
	header http.Header
	body   []byte
	url    *url.URL
}

// send performs r and reads the response into out; it reports false,
// sending nothing, when env.DryRun is set. It does not check the status.
func send(ctx context.Context, env *actions.Env, r *request, out *response) (sent bool, err error) {
	if env.DryRun != nil {
		b, err := r.build(ctx)
		if err != nil {
			return false, err
		}
		env.DryRun(actions.Request{Method: r.method, URL: b.req.URL.String(), Headers: b.req.Header, Body: string(b.body)})
		return false, nil
	}
	rt, timed, err := stepTransport(env, r.verifySSL, r.timeout)
	if err != nil {
		return false, err
	}
	x := exchanges.Get().(*exchange)
	defer x.release()
	x.exchangeState = exchangeState{env: env, method: r.method, timeout: r.timeout, maxRedirects: r.maxRedirects, timed: timed, pollStatuses: r.pollStatuses}
	x.rt.rt = rt
	reqCtx := ctx
	watch := r.timeout > 0 && timed == nil // the fallback: watch every phase here
	if watch {
		var cancel context.CancelCauseFunc
		reqCtx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		x.cancel = cancel
		x.trace = httptrace.ClientTrace{
			GetConn:              x.onGetConn,
			ConnectStart:         x.onConnectStart,
			TLSHandshakeStart:    x.onTLSStart,
			GotConn:              x.onGotConn,
			WroteRequest:         x.onWroteRequest,
			GotFirstResponseByte: x.onFirstByte,
		}
		reqCtx = httptrace.WithClientTrace(reqCtx, &x.trace)
	}
	b, err := r.build(reqCtx)
	if err != nil {
		return false, err
	}
	x.url = b.req.URL
	rreq := &retryablehttp.Request{Request: b.req}
	if b.body != nil {
		if watch {
			x.body = b.body
			err = rreq.SetBody(retryablehttp.ReaderFunc(x.timedBody))
		} else {
			err = rreq.SetBody(b.body)
		}
		if err != nil {
			return false, err
		}
	}
	x.hc.Transport = &x.rt
	if r.followRedirects {
		x.hc.CheckRedirect = x.checkRedirectFn
	} else {
		x.hc.CheckRedirect = noRedirects
	}
	x.rc = retryablehttp.Client{
		HTTPClient:   &x.hc,
		RetryWaitMin: retryWaitMin,
		RetryWaitMax: retryWaitMax,
		RetryMax:     retryMax(env, r.method),
		CheckRetry:   x.checkRetryFn,
		Backoff:      x.backoffFn,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if watch {
		x.timer = time.AfterFunc(r.timeout, x.fire)
		defer x.timer.Stop()
	}
	hresp, err := x.rc.Do(rreq)
	if err != nil {
		if hresp != nil {
			hresp.Body.Close()
		}
		return false, x.fail(ctx, reqCtx, err)
	}
	defer hresp.Body.Close()
	body, err := x.readBody(hresp)
	if err != nil {
		return false, x.fail(ctx, reqCtx, err)
	}
	u := x.url
	if hresp.Request != nil && hresp.Request.URL != nil {
		u = hresp.Request.URL
	}
	*out = response{method: r.method, status: hresp.StatusCode, header: hresp.Header, body: body, url: u}
	return true, nil
}

// retryMax is the number of retries for a request: the step's `retries:`
// when set, else defaultRetries for idempotent methods and 0 for POST and
// PATCH.
func retryMax(env *actions.Env, method string) int {
	if env.Retries != nil {
		return max(*env.Retries, 0)
	}
	switch method {
	case http.MethodPost, http.MethodPatch:
		return 0
	}
	return defaultRetries
}

// exchange is the state of one request, retries included. Exchanges are
// pooled with the callbacks bound to them, so that a request allocates
// none of it.
type exchange struct {
	exchangeState
	checkRetryFn    retryablehttp.CheckRetry
	backoffFn       retryablehttp.Backoff
	checkRedirectFn func(*http.Request, []*http.Request) error
}

var exchanges = sync.Pool{New: func() any {
	x := &exchange{}
	x.checkRetryFn, x.backoffFn, x.checkRedirectFn = x.checkRetry, x.backoff, x.checkRedirect
	return x
}}

// release returns x to the pool, unless its fallback watchdog was armed:
// its callback may still be running.
func (x *exchange) release() {
	if x.timer != nil {
		return
	}
	x.exchangeState = exchangeState{}
	exchanges.Put(x)
}

// exchangeState is what an exchange starts afresh with each request.
type exchangeState struct {
	env          *actions.Env
	method       string
	url          *url.URL
	maxRedirects int
	pollStatuses bool // see request.pollStatuses

	rt keepIdle
	hc http.Client
	rc retryablehttp.Client

	// Retry bookkeeping, written by checkRetry and read by backoff.
	attempts   int
	lastStatus int
	lastErr    error

	timeout time.Duration
	// timed is the transport when it applies the timeout itself to every
	// phase.
	timed *http.Transport

	// The fallback timeout watchdog, for transports that are not an
	// *http.Transport: a timer reset at each phase of the exchange that
	// cancels the request with a *TimeoutError when it fires.
	timer  *time.Timer
	cancel context.CancelCauseFunc
	phase  atomic.Int32
	trace  httptrace.ClientTrace
	body   []byte // the request body, read through a timedReader
}

// Phases of an exchange, for the timeout watchdog.
const (
	phaseConnect int32 = iota
	phaseTLS
	phaseWrite
	phaseHeaders
	phaseBody
)

var phaseNames = [...]string{"connect", "tls", "write", "read_headers", "read_body"}

var phaseText = [...]string{
	"connecting to the server",
	"the TLS handshake",
	"sending the request",
	"waiting for the response headers",
	"reading the response body",
}

func (x *exchange) set(p int32) {
	if x.timer == nil {
		return
	}
	x.phase.Store(p)
	x.timer.Reset(x.timeout)
}

func (x *exchange) onGetConn(string)                          { x.set(phaseConnect) }
func (x *exchange) onConnectStart(string, string)             { x.set(phaseConnect) }
func (x *exchange) onTLSStart()                               { x.set(phaseTLS) }
func (x *exchange) onGotConn(httptrace.GotConnInfo)           { x.set(phaseWrite) }
func (x *exchange) onWroteRequest(httptrace.WroteRequestInfo) { x.set(phaseHeaders) }
func (x *exchange) onFirstByte()                              { x.set(phaseHeaders) }
func (x *exchange) fire()                                     { x.cancel(x.timeoutError(x.phase.Load())) }

func (x *exchange) timeoutError(p int32) *TimeoutError {
	return &TimeoutError{Method: x.method, URL: logURL(x.url), Phase: phaseNames[p], After: x.timeout, what: phaseText[p]}
}

// timedBody returns the request body for an attempt, under the
// fallback watchdog.
func (x *exchange) timedBody() (io.Reader, error) {
	return &timedReader{Reader: bytes.NewReader(x.body), x: x}, nil
}

// timedReader is a request body that restarts the write timeout at each
// read, so that a large upload is not cut short.
type timedReader struct {
	*bytes.Reader
	x *exchange
}

func (t *timedReader) Read(p []byte) (int, error) {
	t.x.set(phaseWrite)
	return t.Reader.Read(p)
}

// keepIdle hides the transport's CloseIdleConnections from
// retryablehttp, which calls it after a failed request: the transport's
// pool is shared by every step.
type keepIdle struct{ rt http.RoundTripper }

func (k *keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

// noRedirects returns 3xx responses as they are.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// TooManyRedirectsError reports a redirect chain longer than
// max_redirects.
type TooManyRedirectsError struct{ Max int }

// HTTPFailure marks the error as an [actions.HTTPFailure].
func (e *TooManyRedirectsError) HTTPFailure() {}

// Error describes the failure; the text is shown to users.
func (e *TooManyRedirectsError) Error() string {
	return fmt.Sprintf("exceeded the maximum of %d redirects", e.Max)
}

// checkRedirect bounds the redirects and, as httpx does, drops the
// Authorization header once the chain has left the first request's
// origin (scheme, host and port), an http to https upgrade aside:
// net/http keeps it for another port or scheme of the host and for its
// subdomains, and puts it back when the chain returns.
func (x *exchange) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > x.maxRedirects {
		return &TooManyRedirectsError{Max: x.maxRedirects}
	}
	for i := 1; i <= len(via); i++ {
		next := req
		if i < len(via) {
			next = via[i]
		}
		if !keepsAuthorization(via[i-1].URL, next.URL) {
			req.Header.Del("Authorization")
			break
		}
	}
	return nil
}

// keepsAuthorization reports whether httpx keeps the Authorization header
// on a redirect from one URL to another: same origin, or http on port 80
// to https on port 443 of the same host.
func keepsAuthorization(from, to *url.URL) bool {
	if !strings.EqualFold(from.Hostname(), to.Hostname()) {
		return false
	}
	fromPort, toPort := portOrDefault(from), portOrDefault(to)
	if strings.EqualFold(from.Scheme, to.Scheme) {
		return fromPort == toPort
	}
	return strings.EqualFold(from.Scheme, "http") && fromPort == "80" &&
		strings.EqualFold(to.Scheme, "https") && toPort == "443"
}

// portOrDefault is u's port, or its scheme's default port.
func portOrDefault(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return defaultPort(strings.ToLower(u.Scheme))
}

// checkRetry decides whether to retry: on connection errors and on 429,
// 502, 503 and 504, never once ctx is done. Whether a retry is left is
// retryablehttp's business.
func (x *exchange) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	x.attempts++
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		x.lastErr, x.lastStatus = err, 0
		if x.timed != nil {
			if _, ok := timeoutPhase(x.timed, x.timeout, err); ok {
				return false, nil
			}
		}
		return retryableError(err), nil
	}
	if x.pollStatuses {
		return false, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		x.lastErr, x.lastStatus = nil, resp.StatusCode
		x.set(phaseBody) // retryablehttp drains the body before the wait
		return true, nil
	}
	return false, nil
}

// retryableError tells connection errors worth retrying from errors that
// would fail again the same way: too many redirects, certificate and TLS
// alert errors, bad schemes and headers, and transport errors that say so
// with a Permanent() bool method (see [actions.Env.Transport]).
func retryableError(err error) bool {
	var (
		redirects *TooManyRedirectsError
		verify    *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		permanent interface{ Permanent() bool }
	)
	switch {
	case errors.As(err, &permanent) && permanent.Permanent():
		return false
	case errors.As(err, &redirects), errors.As(err, &verify), errors.As(err, &unknownCA),
		errors.As(err, &hostname), errors.As(err, &invalid):
		return false
	}
	msg := err.Error()
	return !nonRetryableRe.MatchString(msg)
}

var nonRetryableRe = regexp.MustCompile(`unsupported protocol scheme|invalid header|remote error: tls:|tls: failed to verify`)

// backoff computes the wait before the next attempt and logs the retry.
func (x *exchange) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if x.timer != nil {
		x.timer.Stop()
	}
	wait, ok := retryAfter(resp, x.env.Now)
	if !ok {
		wait = exponential(lo, hi, attempt)
	}
	if log := x.env.Logger; log != nil {
		reason := ""
		if x.lastErr != nil {
			reason = unwrapURLError(x.lastErr).Error()
		} else {
			reason = "status " + strconv.Itoa(x.lastStatus)
		}
		log.Warn("retrying HTTP request", "method", x.method, "url", logURL(x.url),
			"attempt", attempt+1, "retries_left", x.rc.RetryMax-attempt, "wait", wait, "reason", reason)
	}
	return wait
}

// exponential is lo·2^attempt capped at hi, less a random jitter of up to
// half of it.
func exponential(lo, hi time.Duration, attempt int) time.Duration {
	d := hi
	if attempt < 30 {
		if e := lo << attempt; e > 0 && e < hi {
			d = e
		}
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return d - half + rand.N(half+1)
}

// retryAfter reads the Retry-After header of a response: a number of
// seconds or an HTTP date, capped at maxRetryAfter.
func retryAfter(resp *http.Response, now func() time.Time) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	h := resp.Header.Get("Retry-After")
	if h == "" {
		return 0, false
	}
	const day = 24 * time.Hour
	var until time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil && secs >= 0 {
		until = time.Duration(min(secs, int64(day/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		if now == nil {
			now = time.Now
		}
		until = min(max(t.Sub(now()), 0), day)
	} else {
		return 0, false
	}
	d := time.Duration(float64(until) / float64(time.Second) * float64(retryAfterUnit))
	return min(d, maxRetryAfter), true
}

// fail turns the error of an exchange into the action's error: ctx's
// cause when the step was cancelled, the *TimeoutError when a phase timed
// out, else the cause prefixed with the method and URL.
func (x *exchange) fail(ctx, reqCtx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if reqCtx != ctx {
		var te *TimeoutError
		if errors.As(context.Cause(reqCtx), &te) {
			return te
		}
	}
	if x.timed != nil {
		if p, ok := timeoutPhase(x.timed, x.timeout, err); ok {
			return x.timeoutError(p)
		}
	}
	err = unwrapURLError(err)
	if x.attempts > 1 {
		return fmt.Errorf("%s %s: giving up after %d attempts: %w", x.method, logURL(x.url), x.attempts, err)
	}
	return fmt.Errorf("%s %s: %w", x.method, logURL(x.url), err)
}

// unwrapURLError returns the cause of a transport error without its
// *url.Error wrapping. An alert the server sent (remote error: tls: …) is
// the cause itself: net/http wraps it differently depending on whether
// the connection's reader or the request saw it first.
func unwrapURLError(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" {
		return oe
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// logURL is u without credentials, query or fragment, for logs and
// connection errors.
func logURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return c.String()
}

// readBody reads the response body, failing beyond maxResponseBytes.
// The timeout restarts at each read: the timed transport's connection
// or the fallback watchdog applies it.
func (x *exchange) readBody(resp *http.Response) ([]byte, error) {
	size := 512
	if n := resp.ContentLength; n > maxResponseBytes {
		return nil, errTooLarge()
	} else if n >= 0 {
		size = int(n) + 1
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		x.set(phaseBody)
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > maxResponseBytes {
			return nil, errTooLarge()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var pt *phaseTimeout
			if errors.As(err, &pt) {
				return nil, &phaseTimeout{phase: phaseBody, err: pt.err}
			}
			return nil, err
		}
	}
	if x.timer != nil {
		x.timer.Stop()
	}
	return buf, nil
}

func errTooLarge() error {
	return fmt.Errorf("the response body is larger than the limit of %d MiB", maxResponseBytes>>20)
}

// TimeoutError reports that a phase of an HTTP exchange took longer than
// the step's timeout. Tracecat raises httpx's ReadTimeout (or
// ConnectTimeout, WriteTimeout) in the same cases.
type TimeoutError struct {
	Method string
	// URL is the request URL without credentials or query.
	URL string
	// Phase is connect, tls, write, read_headers or read_body.
	Phase string
	// After is the timeout.
	After time.Duration
	what  string
}

// HTTPFailure marks the error as an [actions.HTTPFailure].
func (e *TimeoutError) HTTPFailure() {}

// Error describes the failure; the text is shown to users.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s %s: %s timed out after %s", e.Method, e.URL, e.what, e.After)
}

// Timeout reports true, as net.Error does for timeouts.
func (e *TimeoutError) Timeout() bool { return true }
