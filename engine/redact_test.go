package engine

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

func TestRedactorForms(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.AddSecret(`p@ss/w"rd`)
	r.AddSecret("x") // too short to mask
	cases := []struct{ in, want string }{
		{`token p@ss/w"rd here`, "token *** here"},
		{"b64 cEBzcy93InJk", "b64 ***"},                 // base64
		{"b64url cEBzcy93InJk", "b64url ***"},           // same bytes, same text
		{"query p%40ss%2Fw%22rd", "query ***"},          // url.QueryEscape
		{"path p@ss%2Fw%22rd", "path ***"},              // url.PathEscape
		{`json {"k":"p@ss/w\"rd"}`, `json {"k":"***"}`}, // JSON escaping
		{"x marks the spot", "x marks the spot"},
	}
	for _, c := range cases {
		if got := r.String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedactorLongestFirstAndValues(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.AddSecret("abc")
	r.AddSecret("abcdef")
	if got := r.String("abcdef abc"); got != "*** ***" {
		t.Errorf("got %q", got)
	}
	v := value.MapOf("list", []any{"abc", 1, nil}, "abcdef", value.MapOf("k", "zabcdefz"))
	got, _ := value.MarshalJSON(r.Value(v))
	if string(got) != `{"list":["***",1,null],"***":{"k":"z***z"}}` {
		t.Errorf("Value = %s", got)
	}
	var nilRedactor *Redactor
	if nilRedactor.String("abc") != "abc" {
		t.Error("nil redactor changed text")
	}
}

func TestRedactingLogHandler(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.AddSecret("s3cr3t")
	r.AddSecret("482913") // a PIN
	r.AddValue(482913 * 2)
	r.AddSecret("7") // one character: masked as a whole value only
	var buf bytes.Buffer
	log := slog.New(&redactingHandler{inner: slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}), r: r})
	log.With("base", "with s3cr3t").Warn("retrying s3cr3t", "url", "https://x/?k=s3cr3t", "err", errors.New("bad s3cr3t"), slog.Group("g", "v", "s3cr3t"), "n", 3,
		"pin", 482913, "pin2", uint64(965826), "pinf", 482913.0, "digit", "7", "big", uint64(1<<63))
	want := `level=WARN msg="retrying ***" base="with ***" url="https://x/?k=***" err="bad ***" g.v=*** n=3 pin=*** pin2=*** pinf=*** digit=*** big=9223372036854775808` + "\n"
	if buf.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// A secret added after a redaction built the replacer is masked too, and
// texts without a secret come back unchanged.
func TestRedactorLearnsAfterUse(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.AddSecret("alpha-1")
	if got := r.String("nothing here"); got != "nothing here" {
		t.Errorf("String = %q", got)
	}
	if got := r.String("x alpha-1 y"); got != "x *** y" {
		t.Errorf("String = %q", got)
	}
	r.AddSecret("beta-22")
	if got := r.String("beta-22 alpha-1 " + base64.StdEncoding.EncodeToString([]byte("beta-22"))); got != "*** *** ***" {
		t.Errorf("String = %q", got)
	}
}

// HTTP Basic credentials holding a secret are masked whole wherever they
// appear (an API echoing them in an error), though the base64 of
// "user:secret" is not a form of the secret.
func TestRedactorBasicCredentials(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.AddSecret("s3cr3t")
	cred := base64.StdEncoding.EncodeToString([]byte("bot:s3cr3t"))
	other := base64.StdEncoding.EncodeToString([]byte("bot:public"))
	cases := []struct{ in, want string }{
		{"Basic " + cred, "Basic ***"},
		{`{"auth":"basic  ` + cred + `"}`, `{"auth":"basic  ***"}`},
		{"bAsIc " + cred, "bAsIc ***"},
		{"BASIC " + cred, "BASIC ***"},
		{"Basic " + other, "Basic " + other},
		{"basic auth is off", "basic auth is off"},
	}
	for _, c := range cases {
		if got := r.String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestRedactorManySecrets crosses the size from which a Redactor indexes
// its secrets: each is masked and none is kept twice.
func TestRedactorManySecrets(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	for round := 0; round < 2; round++ {
		for i := range 2 * indexFrom {
			r.AddSecret(fmt.Sprintf("secret-%02d", i))
		}
	}
	if len(r.secrets) != 2*indexFrom || len(r.index) != 2*indexFrom {
		t.Fatalf("%d secrets, %d indexed; want %d", len(r.secrets), len(r.index), 2*indexFrom)
	}
	if got := r.String("secret-00 secret-16 secret-31 secret-32"); got != "*** *** *** secret-32" {
		t.Errorf("String = %q", got)
	}
}

// TestRedactorNumbers checks that numbers derived from a secret, or
// reading as one, are masked as whole values whether ints or whole
// floats, and that other numbers and the digits of text are left alone.
func TestRedactorNumbers(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.AddSecret("482913")
	r.AddValue(value.MapOf("n", 1006, "f", 2.5, "l", []any{77}))
	v := value.MapOf("pin", 482913, "derived", 1006, "half", 2.5, "listed", 77, "other", 7, "float pin", 482913.0,
		"float derived", 1006.0, "other float", 7.0, "near", 482913.5, "text", "id 1006")
	got, _ := value.MarshalJSON(r.Value(v))
	want := `{"pin":"***","derived":"***","half":"***","listed":"***","other":7,"float pin":"***",` +
		`"float derived":"***","other float":7.0,"near":482913.5,"text":"id 1006"}`
	if string(got) != want {
		t.Errorf("Value = %s\nwant    %s", got, want)
	}
	var nilRedactor *Redactor
	if nilRedactor.Value(5) != 5 {
		t.Error("nil redactor changed a number")
	}
}

// TestRedactorNumbersUnformatted checks that numbers are not formatted
// to be matched when no secret reads as a number and none derives from
// one; with one that does, they are. Not parallel: it counts allocations.
func TestRedactorNumbersUnformatted(t *testing.T) {
	r := NewRedactor()
	r.AddSecret("tok-123")
	r.AddSecret("x")
	nums := make([]any, 100)
	for i := range nums {
		nums[i] = i + 1000
	}
	one := testing.AllocsPerRun(10, func() { r.Value(nums[:1]) })
	if n := testing.AllocsPerRun(10, func() { r.Value(nums) }); n != one {
		t.Errorf("Value of 100 numbers made %v allocations, of 1 number %v: want the same", n, one)
	}
	r.AddSecret("1042")
	got, _ := value.MarshalJSON(r.Value(nums[41:44]))
	if string(got) != `[1041,"***",1043]` {
		t.Errorf("with a numeric secret: %s", got)
	}
}

// TestRedactorSecretLines checks that the lines of a secret of several
// lines are masked one by one, the short ones and those with spaces (PEM
// armour) left alone.
func TestRedactorSecretLines(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.AddSecret("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\nAASCBKcwggSjAgEAAoIBAQC7\nshort\n-----END PRIVATE KEY-----\n")
	in := "key starts -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\nAASCBKcw[cut]\nshort"
	want := "key starts -----BEGIN PRIVATE KEY-----\n***\nAASCBKcw[cut]\nshort"
	if got := r.String(in); got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

// TestRedactorShortSecret checks that a one-character secret is masked
// where it is a whole value, as a string or a number, and left in text.
func TestRedactorShortSecret(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.AddSecret("7")
	r.AddSecret("")
	v := value.MapOf("s", "7", "n", 7, "text", "route 7", "empty", "", "other", "8")
	got, _ := value.MarshalJSON(r.Value(v))
	if want := `{"s":"***","n":"***","text":"route 7","empty":"","other":"8"}`; string(got) != want {
		t.Errorf("Value = %s\nwant    %s", got, want)
	}
	if got := r.String("route 7"); got != "route 7" {
		t.Errorf("String = %q", got)
	}
}
