package httpaction

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/actions/pylambda"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// pollWaitUnit is how long one second of a poll interval lasts; tests
// shrink it.
var pollWaitUnit = time.Second

var pollSpec = actions.Spec{
	Name:        "core.http_poll",
	Title:       "HTTP poll",
	Description: "Perform a HTTP request to a given URL with polling.",
	DocURL:      docURL,
	Inputs: slices.Concat(
		commonInputs(),
		[]*template.Input{formDataInput},
		timeoutInputs(),
		[]*template.Input{
			verifySSLInput,
			actions.OptionalInput("poll_retry_codes", "int | list[int] | None", nil,
				"Statuses on which to poll again. Ignored when poll_condition is given; one of the two is required."),
			actions.OptionalInput("poll_interval", "float | None", nil,
				"Seconds between polls; when null, the wait grows 2, 4, 8, 16, 32 then 60 seconds."),
			actions.OptionalInput("poll_max_attempts", "int", 10,
				"Maximum number of requests; 0 polls until the step is cancelled."),
			actions.OptionalInput("poll_condition", "str | None", nil,
				"Python lambda that stops polling when it returns a true value; it receives {headers, data, status_code}, data being the body parsed as JSON when it is JSON, else its text."),
		},
	),
	Secrets: []*template.Secret{mtlsSecret, caCertSecret},
}

// pollAction is core.http_poll.
type pollAction struct{}

func (pollAction) Spec() *actions.Spec { return &pollSpec }

func (pollAction) Run(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	r, err := parseRequest(args, pollSpec.Name)
	if err != nil {
		return nil, err
	}
	r.pollStatuses = true
	var (
		codes       []int
		interval    = -1.0
		maxAttempts = 10
		cond        *pylambda.Lambda
	)
	for _, k := range args.Keys() {
		v, _ := args.Get(k)
		switch k {
		case "poll_retry_codes":
			switch x := v.(type) {
			case int:
				codes = []int{x}
			case []any:
				for _, c := range x {
					n, err := argInt("poll_retry_codes", c)
					if err != nil {
						return nil, err
					}
					codes = append(codes, n)
				}
			}
		case "poll_interval":
			if v != nil {
				f, ok := value.Number(v)
				if !ok {
					return nil, fmt.Errorf("poll_interval must be a number of seconds, not %s", value.TypeName(v))
				}
				interval = max(f, 0)
			}
		case "poll_max_attempts":
			if maxAttempts, err = argInt(k, v); err != nil {
				return nil, err
			}
		case "poll_condition":
			if s, _ := v.(string); s != "" {
				if cond, err = pylambda.Cached(s); err != nil {
					return nil, fmt.Errorf("poll_condition: %w", err)
				}
			}
		}
	}
	if cond == nil && len(codes) == 0 {
		return nil, errors.New("At least one of poll_condition or poll_retry_codes must be specified")
	}
	for attempt := 1; ; attempt++ {
		var resp response
		sent, err := send(ctx, env, &r, &resp)
		if err != nil {
			return nil, err
		}
		if !sent {
			return dryRunResult(), nil
		}
		again := false
		if cond != nil {
			arg := value.MapOf("headers", headerMap(resp.header), "data", resp.jsonOrText(), "status_code", resp.status)
			v, err := cond.Call(arg)
			if err != nil {
				return nil, fmt.Errorf("poll_condition: %w", err)
			}
			again = !value.Truthy(v)
		} else {
			for _, c := range codes {
				if c == resp.status {
					again = true
					break
				}
			}
		}
		if !again {
			return resp.result(false)
		}
		if maxAttempts > 0 && attempt >= maxAttempts {
			return nil, &RetryError{Method: r.method, URL: logURL(resp.url), Attempts: attempt, StatusCode: resp.status}
		}
		wait := pollWait(interval, attempt)
		env.Logger.Debug("polling again", "method", r.method, "url", logURL(resp.url),
			"attempt", attempt, "status_code", resp.status, "wait", wait)
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// pollWait is the wait after a poll: the fixed interval, or when it is
// negative (unset) tenacity's wait_exponential(multiplier=2, min=1,
// max=60): 2, 4, 8, 16, 32, then 60 seconds.
func pollWait(interval float64, attempt int) time.Duration {
	secs := interval
	if secs < 0 {
		secs = 60
		if attempt < 6 {
			secs = float64(int(2) << (attempt - 1))
		}
	}
	return time.Duration(secs * float64(pollWaitUnit))
}

// sleep waits for d or until ctx is done, returning ctx's cause.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// RetryError reports that core.http_poll made its poll_max_attempts
// requests and the condition still asked to poll again. Tracecat raises
// tenacity's RetryError in the same case.
type RetryError struct {
	Method string
	// URL is the last request's URL without credentials or query.
	URL      string
	Attempts int
	// StatusCode is the status of the last response.
	StatusCode int
}

// HTTPFailure marks the error as an [actions.HTTPFailure].
func (e *RetryError) HTTPFailure() {}

// Error describes the failure; the text is shown to users.
func (e *RetryError) Error() string {
	return fmt.Sprintf("RetryError: polling %s %s gave up after %d attempts; the last response had status %d",
		e.Method, e.URL, e.Attempts, e.StatusCode)
}

// Interface guards.
var _ actions.Action = pollAction{}
