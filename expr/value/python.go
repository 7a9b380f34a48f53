package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Str returns Python's str() of v: strings are returned as they are, None is
// "None", booleans "True"/"False", floats in repr form ("1.0", "1e+16"),
// containers in repr form with single quotes, datetimes with a space
// separator and durations as "H:MM:SS".
func Str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case DateTime:
		return formatDateTime(x, " ")
	case Date:
		return fmt.Sprintf("%04d-%02d-%02d", x.Year, int(x.Month), x.Day)
	case TimeOfDay:
		return formatTimeOfDay(x)
	case time.Duration:
		return formatDuration(x)
	}
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

// Repr returns Python's repr() of v.
func Repr(v any) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(FormatFloat(x))
	case string:
		writeQuoted(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e)
		}
		b.WriteByte(']')
	case *Map:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeQuoted(b, k)
			b.WriteString(": ")
			writeRepr(b, x.vals[i])
		}
		b.WriteByte('}')
	case DateTime:
		t := x.Time
		fmt.Fprintf(b, "datetime.datetime(%d, %d, %d, %d, %d", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute())
		us := t.Nanosecond() / 1000
		if t.Second() != 0 || us != 0 {
			fmt.Fprintf(b, ", %d", t.Second())
		}
		if us != 0 {
			fmt.Fprintf(b, ", %d", us)
		}
		if !x.Naive {
			b.WriteString(", tzinfo=")
			writeZoneRepr(b, t)
		}
		b.WriteByte(')')
	case Date:
		fmt.Fprintf(b, "datetime.date(%d, %d, %d)", x.Year, int(x.Month), x.Day)
	case TimeOfDay:
		fmt.Fprintf(b, "datetime.time(%d, %d", x.Hour, x.Minute)
		us := x.Nanosecond / 1000
		if x.Second != 0 || us != 0 {
			fmt.Fprintf(b, ", %d", x.Second)
		}
		if us != 0 {
			fmt.Fprintf(b, ", %d", us)
		}
		b.WriteByte(')')
	case time.Duration:
		writeDurationRepr(b, x)
	default:
		fmt.Fprintf(b, "%v", x)
	}
}

// writeZoneRepr writes the repr of the tzinfo of t: an IANA zone (a
// location named like "Europe/Paris") is a zoneinfo.ZoneInfo, any other zone
// a fixed datetime.timezone, UTC being datetime.timezone.utc.
func writeZoneRepr(b *strings.Builder, t time.Time) {
	name := t.Location().String()
	_, off := t.Zone()
	switch {
	case strings.Contains(name, "/"):
		fmt.Fprintf(b, "zoneinfo.ZoneInfo(key=%s)", Repr(name))
	case off == 0:
		b.WriteString("datetime.timezone.utc")
	default:
		b.WriteString("datetime.timezone(")
		writeDurationRepr(b, time.Duration(off)*time.Second)
		b.WriteByte(')')
	}
}

// FormatFloat returns Python's repr() of a float: the shortest text that
// reads back as f, with ".0" on whole numbers and an exponent outside
// 1e-4 <= |f| < 1e16.
func FormatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if f != 0 && (exp < -4 || exp >= 16) {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

// writeQuoted writes a Python string literal: single quotes unless the text
// holds a single quote and no double quote.
func writeQuoted(b *strings.Builder, s string) {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteByte(q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, r)
		case r >= 0x80 && !unicode.IsPrint(r):
			switch {
			case r <= 0xff:
				fmt.Fprintf(b, `\x%02x`, r)
			case r <= 0xffff:
				fmt.Fprintf(b, `\u%04x`, r)
			default:
				fmt.Fprintf(b, `\U%08x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte(q)
}

func formatDateTime(d DateTime, sep string) string {
	t := d.Time
	var b strings.Builder
	fmt.Fprintf(&b, "%04d-%02d-%02d%s%02d:%02d:%02d", t.Year(), int(t.Month()), t.Day(), sep, t.Hour(), t.Minute(), t.Second())
	if us := t.Nanosecond() / 1000; us != 0 {
		fmt.Fprintf(&b, ".%06d", us)
	}
	if !d.Naive {
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		fmt.Fprintf(&b, "%c%02d:%02d", sign, off/3600, off%3600/60)
		if off%60 != 0 {
			fmt.Fprintf(&b, ":%02d", off%60)
		}
	}
	return b.String()
}

// ISOFormat returns Python's datetime.isoformat() of d: a "T" separator and
// the UTC offset as "+00:00" (none when naive).
func ISOFormat(d DateTime) string { return formatDateTime(d, "T") }

func formatTimeOfDay(t TimeOfDay) string {
	s := fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second)
	if us := t.Nanosecond / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}

// formatDuration writes a timedelta the way Python's str() does:
// "[-]D day[s], H:MM:SS[.ffffff]", days normalised so that the time part is
// never negative.
func formatDuration(d time.Duration) string {
	us := d.Microseconds()
	days := us / (86400 * 1e6)
	rem := us % (86400 * 1e6)
	if rem < 0 {
		rem += 86400 * 1e6
		days--
	}
	secs := rem / 1e6
	frac := rem % 1e6
	var b strings.Builder
	if days != 0 {
		plural := "s"
		if days == 1 || days == -1 {
			plural = ""
		}
		fmt.Fprintf(&b, "%d day%s, ", days, plural)
	}
	fmt.Fprintf(&b, "%d:%02d:%02d", secs/3600, secs%3600/60, secs%60)
	if frac != 0 {
		fmt.Fprintf(&b, ".%06d", frac)
	}
	return b.String()
}

func writeDurationRepr(b *strings.Builder, d time.Duration) {
	us := d.Microseconds()
	days := us / (86400 * 1e6)
	rem := us % (86400 * 1e6)
	if rem < 0 {
		rem += 86400 * 1e6
		days--
	}
	var parts []string
	if days != 0 {
		parts = append(parts, fmt.Sprintf("days=%d", days))
	}
	if s := rem / 1e6; s != 0 {
		parts = append(parts, fmt.Sprintf("seconds=%d", s))
	}
	if f := rem % 1e6; f != 0 {
		parts = append(parts, fmt.Sprintf("microseconds=%d", f))
	}
	b.WriteString("datetime.timedelta(")
	if len(parts) == 0 {
		b.WriteByte('0')
	}
	b.WriteString(strings.Join(parts, ", "))
	b.WriteByte(')')
}

// Truthy reports Python's truth value of v: None, False, zero numbers, empty
// strings, lists and maps, and a zero duration are false.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) != 0
	case *Map:
		return x.Len() != 0
	case time.Duration:
		return x != 0
	}
	return true
}

// TypeName returns the Python type name of v ("NoneType", "int", "dict", ...).
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case *Map:
		return "dict"
	case DateTime:
		return "datetime"
	case Date:
		return "date"
	case TimeOfDay:
		return "time"
	case time.Duration:
		return "timedelta"
	}
	return fmt.Sprintf("%T", v)
}

// Int returns v as an int when it is a Python int: an int or a bool (True
// is 1), and whether it is one.
func Int(v any) (int, bool) {
	i, ok := integer(v)
	return int(i), ok
}

// Number returns v as a float64 when v is a Python number (bool, int or
// float), and whether it is one.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// integer returns v as an int64 when v is a bool or an integer.
func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// floatEqualsInt compares a float and an integer exactly, as Python does:
// float(2**53) != 2**53 + 1 even though converting the int would round.
func floatEqualsInt(f float64, i int64) bool {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return false
	}
	return int64(f) == i
}

// Equal reports Python's a == b: numbers compare by value across bool, int
// and float; lists compare item by item; maps compare by their entries,
// whatever the order; other values must have the same type and value.
func Equal(a, b any) bool {
	if ai, ok := a.(int); ok {
		if bi, ok := b.(int); ok {
			return ai == bi
		}
	}
	if ai, ok := integer(a); ok {
		switch y := b.(type) {
		case float64:
			return floatEqualsInt(y, ai)
		default:
			bi, ok := integer(b)
			return ok && ai == bi
		}
	}
	if af, ok := a.(float64); ok {
		if bi, ok := integer(b); ok {
			return floatEqualsInt(af, bi)
		}
		bf, ok := b.(float64)
		return ok && af == bf
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i, k := range x.keys {
			yv, ok := y.Get(k)
			if !ok || !Equal(x.vals[i], yv) {
				return false
			}
		}
		return true
	case DateTime:
		y, ok := b.(DateTime)
		return ok && x.Naive == y.Naive && x.Time.Equal(y.Time)
	}
	return a == b
}
