package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// MarshalJSON writes the map as a JSON object with its keys in order.
func (m *Map) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalJSON replaces the map's entries with those of a JSON object,
// keeping the object's key order.
func (m *Map) UnmarshalJSON(data []byte) error {
	v, err := ParseJSON(data)
	if err != nil {
		return err
	}
	obj, ok := v.(*Map)
	if !ok {
		return fmt.Errorf("expected a JSON object, got %s", TypeName(v))
	}
	*m = *obj
	return nil
}

// MarshalJSON encodes v compactly, keeping map order. Datetimes, dates and
// times become ISO 8601 text and durations ISO 8601 durations, as Tracecat's
// JSON mode writes them.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case *Map:
		if x == nil {
			buf.WriteString("null")
			return nil
		}
		buf.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			WriteJSONString(buf, k)
			buf.WriteByte(':')
			if err := writeJSON(buf, x.vals[i]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		WriteJSONString(buf, x)
	case int:
		buf.WriteString(strconv.Itoa(x))
	case float64:
		// Python's json writes a float as its repr: 1.0 stays a float.
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("cannot encode %s as JSON", FormatFloat(x))
		}
		buf.WriteString(FormatFloat(x))
	case DateTime:
		WriteJSONString(buf, JSONDateTime(x))
	case Date, TimeOfDay:
		WriteJSONString(buf, Str(x))
	case time.Duration:
		WriteJSONString(buf, ISODuration(x))
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}

// WriteJSONString writes s to buf as a JSON string, as encoding/json
// writes it with HTML escaping off: <, > and & are kept, so that text such
// as a cassette's <secret:NAME> placeholders stays as it was. Printable
// ASCII without quotes or backslashes is written as is.
func WriteJSONString(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			enc := json.NewEncoder(buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s)           // a string always encodes
			buf.Truncate(buf.Len() - 1) // Encode's newline
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}

// JSONDateTime returns the text Pydantic's JSON mode gives a datetime: ISO
// 8601 with a "T", and "Z" for UTC.
func JSONDateTime(d DateTime) string {
	s := ISOFormat(d)
	if !d.Naive {
		s = strings.TrimSuffix(s, "+00:00")
		if _, off := d.Time.Zone(); off == 0 {
			s += "Z"
		}
	}
	return s
}

// ISODuration returns the ISO 8601 text of a duration as Pydantic writes it:
// "P1D", "PT1H", "PT1M30.5S", "PT0S", and years of 365 days: "P1Y35D".
func ISODuration(d time.Duration) string {
	days := d / (24 * time.Hour)
	return ISODurationDays(int64(days), d-days*24*time.Hour)
}

// ISODurationDays is [ISODuration] of days whole days and rest, which
// has the sign of days (or any sign when days is 0) and is shorter than a
// day: for durations beyond the ±292 years of a time.Duration, as a
// Python timedelta's, which reaches 999999999 days.
func ISODurationDays(days int64, rest time.Duration) string {
	var b strings.Builder
	if days < 0 || rest < 0 {
		b.WriteByte('-')
		days, rest = -days, -rest
	}
	b.WriteByte('P')
	d := rest
	if years := days / 365; years > 0 {
		fmt.Fprintf(&b, "%dY", years)
	}
	if days%365 > 0 {
		fmt.Fprintf(&b, "%dD", days%365)
	}
	if d == 0 {
		if days == 0 {
			b.WriteString("T0S")
		}
		return b.String()
	}
	b.WriteByte('T')
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	if h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if d > 0 {
		b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
		b.WriteByte('S')
	}
	return b.String()
}

// ParseJSON decodes one JSON document into values: objects become *Map in
// document order, integers without a fraction or exponent become int, other
// numbers float64. Like Python's json module, it accepts the literals NaN,
// Infinity and -Infinity.
func ParseJSON(data []byte) (any, error) {
	return ParseJSONText(string(data))
}

// ParseJSONText is [ParseJSON] for a document held in a string: it spares
// the copy, and the strings of the result share text's memory.
func ParseJSONText(text string) (any, error) {
	if v, ok := parseFast(text); ok {
		return v, nil
	}
	return parseTokens(text)
}

// parseTokens decodes through encoding/json's token API: the reference
// for errors and corner cases, used when parseFast declines.
func parseTokens(data string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	v, err := decodeJSON(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: extra data after the first value")
	}
	return v, nil
}

func decodeJSON(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := NewMap(4)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, jsonError(err)
				}
				k, _ := kt.(string)
				v, err := decodeJSON(dec)
				if err != nil {
					return nil, err
				}
				m.Set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonError(err)
			}
			return m, nil
		case '[':
			list := []any{}
			for dec.More() {
				v, err := decodeJSON(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonError(err)
			}
			return list, nil
		}
		return nil, fmt.Errorf("invalid JSON: unexpected %q", t)
	case json.Number:
		return parseNumber(string(t))
	default:
		return t, nil // string, bool or nil
	}
}

// jsonError words a decoding error; input that stops early, wherever that
// is, is "unexpected end of input".
func jsonError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of input")
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func parseNumber(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.Atoi(s); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("invalid JSON number %s", s)
	}
	return f, nil // out of range: ±inf or 0, as Python's float() gives
}
