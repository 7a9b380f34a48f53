package httpaction

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestRequestMultipart(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var parts []map[string]string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			data, _ := io.ReadAll(p)
			parts = append(parts, map[string]string{
				"name": p.FormName(), "filename": p.FileName(), "type": p.Header.Get("Content-Type"), "data": string(data),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(parts)
	}))
	t.Cleanup(srv.Close)
	files := value.MapOf(
		"plain", b64("hello"),
		"report", value.MapOf("filename", "../../etc/re<po>rt:v1.tar.gz", "content_base64", b64("tgz"), "content_type", "application/gzip"),
		"doc", value.MapOf("filename", "", "content_base64", b64("d")),
		"noext", value.MapOf("filename", "data.", "content_base64", ""),
		"notes", value.MapOf("filename", "notes.txt", "content_base64", b64("n")),
	)
	got, err := run(t, req, nil, "url", srv.URL, "method", "POST",
		"form_data", value.MapOf("title", "t", "tags", []any{"a", 2}), "files", files)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := got.(*value.Map).Get("data")
	want := `[{"data":"t","filename":"","name":"title","type":""},` +
		`{"data":"a","filename":"","name":"tags","type":""},` +
		`{"data":"2","filename":"","name":"tags","type":""},` +
		`{"data":"hello","filename":"plain","name":"plain","type":"application/octet-stream"},` +
		`{"data":"tgz","filename":"reportv1.tar.gz","name":"report","type":"application/gzip"},` +
		`{"data":"d","filename":"doc","name":"doc","type":"application/octet-stream"},` +
		`{"data":"","filename":"data","name":"noext","type":"application/octet-stream"},` +
		`{"data":"n","filename":"notes.txt","name":"notes","type":"text/plain"}]`
	if s := jsonText(t, data); s != want {
		t.Errorf("\n got %s\nwant %s", s, want)
	}
}

func TestSanitizeFilename(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{"dir/sub/", "sub"},
		{`a\b.txt`, "ab.txt"},
		{`we<i>rd:"na|me?*;%$'` + "`" + `.txt`, "weirdname.txt"},
		{"naïve café.txt", "nave caf.txt"},
		{"a..b...c.txt", "a.b.c.txt"},
		{"file.t@r!", "file.tr"},
		{"file.abcdefghijklmnop", "file.abcdefghij"},
		{"file.tür", "file.tür"},
		{"..", "unnamed"},
		{".", "unnamed"},
		{"<>.txt", "unnamed.txt"},
		{"   .md", "unnamed.md"},
		{"x.", "x"},
		{strings.Repeat("n", 300) + ".txt", strings.Repeat("n", 251) + ".txt"},
		{strings.Repeat("n", 300), strings.Repeat("n", 255)},
	}
	for _, tc := range tests {
		if got := sanitizeFilename(tc.in); got != tc.want {
			t.Errorf("sanitizeFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRequestFileErrors(t *testing.T) {
	t.Parallel()
	big := base64.StdEncoding.EncodeToString(make([]byte, 20<<20+1))
	tests := []struct {
		name  string
		files *value.Map
		want  string
	}{
		{"too many", value.MapOf("a", "", "b", "", "c", "", "d", "", "e", "", "f", ""),
			"Number of files (6) exceeds the maximum allowed limit of 5 in core.http_request."},
		{"empty field name", value.MapOf("", "eA=="),
			"Invalid form_field_name '' in core.http_request: cannot be empty or contain null bytes."},
		{"nul in field name", value.MapOf("a\x00b", "eA=="),
			"Invalid form_field_name 'a\x00b' in core.http_request: cannot be empty or contain null bytes."},
		{"nul in filename", value.MapOf("f", value.MapOf("filename", "a\x00.txt", "content_base64", "eA==")),
			"Invalid filename for form field 'f' in core.http_request: cannot be empty or contain null bytes."},
		{"missing content", value.MapOf("f", value.MapOf("filename", "a.txt")),
			"Missing 'content_base64' for form field 'f'"},
		{"not base64", value.MapOf("f", "not base64!"),
			"Invalid base64 data for form field 'f' in core.http_request: Only base64 data is allowed"},
		{"bad padding", value.MapOf("f", "eA="),
			"Invalid base64 data for form field 'f' in core.http_request: Incorrect padding"},
		{"padding inside", value.MapOf("f", "e=A="),
			"Invalid base64 data for form field 'f' in core.http_request: Discontinuous or excess padding"},
		{"newline", value.MapOf("f", "eA==\n"),
			"Invalid base64 data for form field 'f' in core.http_request: Only base64 data is allowed"},
		{"too big", value.MapOf("f", big),
			"File for form field 'f' in core.http_request exceeds maximum size limit of 20MB."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv()
			var sent bool
			env.DryRun = func(actions.Request) { sent = true }
			_, err := run(t, req, env, "url", "http://127.0.0.1:9/", "method", "POST", "files", tc.files)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n got %v\nwant %q", err, tc.want)
			}
			if sent {
				t.Error("request described despite the error")
			}
		})
	}
}
