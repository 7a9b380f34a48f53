// Package httpaction implements the HTTP actions core.http_request,
// core.http_poll and core.http_paginate with Tracecat's arguments, results
// and error texts, on github.com/hashicorp/go-retryablehttp. Importing the
// package registers the three actions with [actions.Default].
//
// # Requests
//
// A request is built from the step's args: params are merged into the URL's
// query (null values dropped, lists repeating the key, booleans as
// true/false), headers with a null value are dropped, and the body is, in
// this order of precedence, the raw content, a multipart form when files
// are given (form_data as its fields), a urlencoded form, or the JSON
// payload (key order kept). Raw content may not be combined with the
// others. Basic auth comes from auth {username, password}. A followed
// redirect that leaves the origin (scheme, host, port) drops the
// Authorization header, as httpx does.
//
// Requests go through [actions.Env.Transport], so connections are pooled
// across steps. A step that needs its own TLS settings (verify_ssl: false, a
// client certificate from the mtls secret, a CA bundle from the ca_cert
// secret) gets a clone of that transport, cached by those settings so its
// connections are pooled too.
//
// The timeout applies to each phase of an exchange separately, as httpx
// does: connecting (including waiting for a pooled connection), the TLS
// handshake, writing the request, waiting for the response headers and each
// read of the body. It is not a deadline for the whole exchange. When it
// expires the action fails with a [*TimeoutError] naming the phase. When
// the transport is an *http.Transport (without its own TLS dialer or a
// limit of connections per host) the timeout is carried by a cached clone
// of it: a dial timeout, TLSHandshakeTimeout (a shorter one of the
// transport is kept), and deadlines on the connection: each write must
// progress within the timeout, and the response must start, and keep
// coming, within the timeout of the last write or read. So that
// back-to-back requests do not update a timer each, a deadline is set an
// eighth of the timeout further and moved only when less than the timeout
// is left: these phases time out after 1 to 1.125 times the timeout
// without progress. A pooled connection idle for that long is closed. Other transports get the
// same phases watched through httptrace, at a higher cost per request.
//
// # Retries
//
// Tracecat never retries an HTTP request; we retry where it is safe.
// Requests with an idempotent method (GET, HEAD, OPTIONS, PUT, DELETE) are
// retried up to 3 times on connection errors and on the
// statuses 429, 502, 503 and 504. POST and PATCH are retried only when the
// step sets `retries: N`, which also overrides the default for the other
// methods; `retries: 0` turns retrying off. core.http_poll retries
// connection errors only: its own loop decides which statuses to ask
// again, and after what wait. The wait honours Retry-After
// (seconds or an HTTP date, capped at one minute) and is otherwise an
// exponential backoff with jitter from 1 s up to 30 s. Each retry is
// logged at warn level (method, URL without credentials or query, attempt,
// wait and reason). When the retries run
// out, the last response is handled as if it were the only one, so a
// status error carries its status and body. Timeouts, TLS certificate
// errors, bad URLs and too many redirects are not retried.
//
// # Results and errors
//
// A response becomes {status_code, headers, data}: header names lowercased
// (sorted, repeated headers joined with ", "), data None for a 204, the
// body base64-encoded when base64_encode_data is set, parsed JSON when the
// Content-Type starts with application/json, and text otherwise. A status
// of 400 or more that is not in ignore_status_codes fails with a
// [*StatusError] carrying Tracecat's message. Response bodies larger than
// 100 MiB are an error. A HEAD response's data is the empty string, even
// with a JSON Content-Type.
//
// # Polling and pagination
//
// core.http_poll repeats the request while poll_condition (a Python lambda
// run by package pylambda) is false, or while the status is one of
// poll_retry_codes, waiting poll_interval seconds or 2, 4, 8, 16, 32 then
// 60 seconds; it never fails on a status, and fails with a [*RetryError]
// when poll_max_attempts requests did not satisfy it. core.http_paginate
// requests pages (each failing on a status as core.http_request does)
// until stop_condition is true or limit is reached, building each next
// request with next_request, and returns the pages or, with
// items_jsonpath, their items.
//
// # Dry run
//
// When [actions.Env.DryRun] is set the request is built exactly as for
// real and described to it, nothing is sent, and the result is
// {status_code: 200, headers: {}, data: None}. core.http_poll returns
// that placeholder; core.http_paginate describes its first request and
// returns [placeholder], or [] with items_jsonpath.
package httpaction

import "github.com/actuatehq/actuate/actions"

// Interface guards.
var (
	_ actions.HTTPFailure = (*StatusError)(nil)
	_ actions.HTTPFailure = (*TimeoutError)(nil)
	_ actions.HTTPFailure = (*TooManyRedirectsError)(nil)
	_ actions.HTTPFailure = (*RetryError)(nil)
)
