package httpaction

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr/value"
)

// Upload limits, as Tracecat's TRACECAT__MAX_UPLOAD_FILES_COUNT,
// TRACECAT__MAX_FILE_SIZE_BYTES and
// TRACECAT__MAX_AGGREGATE_UPLOAD_SIZE_BYTES.
var (
	maxUploadFiles     = 5
	maxFileBytes       = 20 << 20
	maxAggregateUpload = 100 << 20
)

// encodeMultipart builds a multipart/form-data body from form fields and
// files, validating the files as Tracecat does.
func encodeMultipart(action string, form, files *value.Map) ([]byte, string, error) {
	if files.Len() > maxUploadFiles {
		return nil, "", fmt.Errorf("Number of files (%d) exceeds the maximum allowed limit of %d in %s.", files.Len(), maxUploadFiles, action)
	}
	type file struct {
		field, name, contentType string
		data                     []byte
	}
	var parsed []file
	total := 0
	for _, field := range files.Keys() {
		if field == "" || strings.ContainsRune(field, 0) {
			return nil, "", fmt.Errorf("Invalid form_field_name '%s' in %s: cannot be empty or contain null bytes.", field, action)
		}
		in, _ := files.Get(field)
		name, content, contentType := field, "", ""
		switch x := in.(type) {
		case string:
			content = x
		case *value.Map:
			c, ok := x.Get("content_base64")
			if !ok {
				return nil, "", fmt.Errorf("Missing 'content_base64' for form field '%s'", field)
			}
			s, ok := c.(string)
			if !ok {
				return nil, "", fmt.Errorf("'content_base64' for form field '%s' must be a string, not %s", field, value.TypeName(c))
			}
			content = s
			if fn, _ := x.Get("filename"); fn != nil {
				s, ok := fn.(string)
				if !ok {
					return nil, "", fmt.Errorf("'filename' for form field '%s' must be a string, not %s", field, value.TypeName(fn))
				}
				if s != "" {
					name = s
				}
			}
			if ct, _ := x.Get("content_type"); ct != nil {
				s, ok := ct.(string)
				if !ok {
					return nil, "", fmt.Errorf("'content_type' for form field '%s' must be a string, not %s", field, value.TypeName(ct))
				}
				contentType = s
			}
		default:
			return nil, "", fmt.Errorf("Invalid file input type for form field '%s'. Expected base64 string or dictionary, got %s", field, value.TypeName(in))
		}
		if name == "" || strings.ContainsRune(name, 0) {
			return nil, "", fmt.Errorf("Invalid filename for form field '%s' in %s: cannot be empty or contain null bytes.", field, action)
		}
		data, err := decodeBase64Strict(content)
		if err != nil {
			return nil, "", fmt.Errorf("Invalid base64 data for form field '%s' in %s: %v", field, action, err)
		}
		if len(data) > maxFileBytes {
			return nil, "", fmt.Errorf("File for form field '%s' in %s exceeds maximum size limit of %dMB.", field, action, maxFileBytes>>20)
		}
		total += len(data)
		if total > maxAggregateUpload {
			return nil, "", fmt.Errorf("Total size of files (%.2fMB) exceeds the aggregate limit of %.2fMB in %s.",
				float64(total)/1024/1024, float64(maxAggregateUpload)/1024/1024, action)
		}
		parsed = append(parsed, file{field: field, name: sanitizeFilename(name), contentType: contentType, data: data})
	}

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if form != nil {
		for _, k := range form.Keys() {
			v, _ := form.Get(k)
			vals := []any{v}
			if l, ok := v.([]any); ok {
				vals = l
			}
			for _, it := range vals {
				if err := w.WriteField(k, primitiveString(it)); err != nil {
					return nil, "", err
				}
			}
		}
	}
	for _, f := range parsed {
		ct := f.contentType
		if ct == "" {
			ct = guessType(f.name)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(f.field), quoteEscaper.Replace(f.name)))
		h.Set("Content-Type", ct)
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		pw.Write(f.data)
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// guessType guesses a file's media type from its extension, as httpx
// does with mimetypes, falling back to application/octet-stream. Like
// mimetypes, it gives no parameters: text/plain, not Go's text/plain;
// charset=utf-8.
func guessType(name string) string {
	if ext := path.Ext(name); ext != "" {
		if t := mime.TypeByExtension(ext); t != "" {
			t, _, _ = strings.Cut(t, ";")
			return strings.TrimSpace(t)
		}
	}
	return "application/octet-stream"
}

// decodeBase64Strict decodes standard base64 like Python's
// base64.b64decode(validate=True): no characters outside the alphabet
// (newlines included) and correct padding.
func decodeBase64Strict(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=') {
			return nil, errors.New("Only base64 data is allowed")
		}
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if len(s)%4 != 0 {
			return nil, errors.New("Incorrect padding")
		}
		return nil, errors.New("Discontinuous or excess padding")
	}
	return data, nil
}

// sanitizeFilename makes an upload's filename safe as Tracecat's
// _sanitize_filename does (OWASP): directory parts removed, dangerous and
// non-ASCII characters removed from the name, ".." collapsed, the
// extension kept alphanumeric and at most 10 characters, "unnamed" for an
// empty name, at most 255 characters.
func sanitizeFilename(filename string) string {
	const maxLen = 255
	// pathlib.Path(filename).name: the last non-empty, non-"." component.
	name := ""
	for part := range strings.SplitSeq(filename, "/") {
		if part != "" && part != "." {
			name = part
		}
	}
	name = strings.NewReplacer("/", "", `\`, "").Replace(name)

	var ext string
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		var b strings.Builder
		n := 0
		for _, r := range name[i+1:] {
			if n == 10 {
				break
			}
			if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) {
				b.WriteRune(r)
				n++
			}
		}
		ext = b.String()
		name = name[:i]
	}
	var b strings.Builder
	for _, r := range name {
		if r >= 127 || strings.ContainsRune("<>:\"|?*;%$'`", r) {
			continue
		}
		b.WriteRune(r)
	}
	clean := b.String()
	for strings.Contains(clean, "..") {
		clean = strings.ReplaceAll(clean, "..", ".")
	}
	if t := strings.TrimSpace(clean); t == "" || t == "." {
		clean = "unnamed"
	}
	final := clean
	if ext != "" {
		final = clean + "." + ext
	}
	if utf8.RuneCountInString(final) > maxLen {
		if ext != "" {
			limit := maxLen - utf8.RuneCountInString(ext) - 1
			final = clean[:min(limit, len(clean))] + "." + ext
		} else {
			final = final[:maxLen]
		}
	}
	return final
}
