package template

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr/value"
)

// CoercionError says why a value does not fit a [Type].
type CoercionError struct {
	// Path locates the offending value inside the input: "" for the input
	// itself, then list indexes and dict keys, e.g. `[2]["name"]`.
	Path string
	// Want is what was expected: the type text, or a more precise
	// description such as `one of "a", "b"`.
	Want string
	// Got is the offending value.
	Got any
}

// maxReprLen bounds the rendering of the offending value in messages.
const maxReprLen = 120

// Error returns `[path]: expected <want>, got <repr> (<type>)`, without the
// path prefix when the path is empty.
func (e *CoercionError) Error() string {
	got := e.Got
	if m, ok := got.(*value.Map); ok && m == nil {
		got = nil // a nil map would crash value.Repr
	}
	repr := value.Repr(got)
	if len(repr) > maxReprLen {
		cut := maxReprLen
		for cut > 0 && !utf8.RuneStart(repr[cut]) {
			cut--
		}
		repr = repr[:cut] + "..."
	}
	msg := fmt.Sprintf("expected %s, got %s (%s)", e.Want, repr, value.TypeName(got))
	if e.Path != "" {
		msg = e.Path + ": " + msg
	}
	return msg
}

// Coerce validates v against t the way Pydantic v2 validates a Tracecat
// input in lax mode, and returns the JSON-shaped result: "42" becomes 42 for
// int, 3 becomes 3.0 for float, "yes" becomes true for bool, datetimes and
// durations become ISO 8601 text, lists and dicts are rebuilt with coerced
// items. v must be JSON-shaped (nil, bool, int, int64, float64, string,
// []any, *value.Map); v itself is never modified. A union first takes a
// member that v matches exactly, then one it matches in Pydantic's strict
// mode (an int for a float), then the first member, left to right, that
// accepts v after coercion. On failure it returns a *[CoercionError]; for a
// union it names the whole union, unless v is a list or dict that only one
// member could take and the failure is inside it, as with ["a", 2] for
// list[str] | None, which reports `[1]: expected str, got 2 (int)`.
func (t *Type) Coerce(v any) (any, error) {
	out, err := t.coerce(v, "")
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Expectations used as CoercionError.Want where the type name alone would
// not tell the user what to send.
const (
	wantDatetime = "an ISO 8601 datetime or a unix timestamp"
	wantDuration = "an ISO 8601 duration, [-][D days, ]HH:MM:SS[.f] or a number of seconds"
)

func (t *Type) coerce(v any, path string) (any, *CoercionError) {
	fail := func(want string) (any, *CoercionError) {
		return nil, &CoercionError{Path: path, Want: want, Got: v}
	}
	switch t.Kind {
	case KindAny:
		return v, nil
	case KindStr:
		if _, ok := v.(string); ok {
			return v, nil // as it is: boxing it again would allocate
		}
	case KindInt:
		if i, ok := laxInt(v); ok {
			return i, nil
		}
	case KindFloat:
		if f, ok := laxFloat(v); ok {
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, nil // Pydantic's JSON mode writes inf and nan as null
			}
			return f, nil
		}
	case KindBool:
		if b, ok := laxBool(v); ok {
			return b, nil
		}
	case KindDatetime:
		if s, ok := laxDatetime(v); ok {
			return s, nil
		}
		return fail(wantDatetime)
	case KindDuration:
		if d, ok := laxDuration(v); ok {
			return value.ISODuration(d), nil
		}
		return fail(wantDuration)
	case KindNone:
		if v == nil {
			return nil, nil
		}
	case KindEnum:
		if s, ok := v.(string); ok {
			for _, e := range t.Enum {
				if s == e {
					return v, nil
				}
			}
		}
		return fail(t.enumWant())
	case KindList:
		return t.coerceList(v, path)
	case KindDict:
		return t.coerceDict(v, path)
	case KindUnion:
		for _, strict := range [...]bool{false, true} {
			for _, m := range t.Members {
				if m.match(v, strict) {
					return m.coerce(v, path)
				}
			}
		}
		var inner *CoercionError
		deeper := 0
		for _, m := range t.Members {
			out, err := m.coerce(v, path)
			if err == nil {
				return out, nil
			}
			if err.Path != path {
				inner = err
				deeper++
			}
		}
		if deeper == 1 {
			// v has the shape of exactly one member (a list for the
			// list[str] of list[str] | None) and failed inside it: that
			// member's error says more than the union's.
			return nil, inner
		}
	}
	return fail(t.String())
}

func (t *Type) enumWant() string {
	var b strings.Builder
	b.WriteString("one of ")
	for i, e := range t.Enum {
		if i > 0 {
			b.WriteString(", ")
		}
		writeEnumValue(&b, e)
	}
	return b.String()
}

func (t *Type) coerceList(v any, path string) (any, *CoercionError) {
	items, ok := v.([]any)
	if !ok {
		return nil, &CoercionError{Path: path, Want: t.String(), Got: v}
	}
	if t.unchanged(v) {
		return v, nil
	}
	out := make([]any, len(items))
	for i, item := range items {
		c, err := t.Elem.coerce(item, "")
		if err != nil {
			// Paths are built only on failure: success allocates none.
			err.Path = path + "[" + strconv.Itoa(i) + "]" + err.Path
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func (t *Type) coerceDict(v any, path string) (any, *CoercionError) {
	m, ok := v.(*value.Map)
	if !ok || m == nil {
		return nil, &CoercionError{Path: path, Want: t.String(), Got: v}
	}
	if t.unchanged(v) {
		return v, nil
	}
	out := value.NewMap(m.Len())
	var err *CoercionError
	m.Range(func(k string, item any) bool {
		key := k
		if t.Key.Kind != KindStr && t.Key.Kind != KindAny {
			if key, err = t.coerceKey(k); err != nil {
				err.Path = path + "[" + strconv.Quote(k) + "]"
				return false
			}
		}
		var c any
		if c, err = t.Val.coerce(item, ""); err != nil {
			err.Path = path + "[" + strconv.Quote(k) + "]" + err.Path
			return false
		}
		out.Set(key, c)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// unchanged reports whether coercing v by t would give v back: v matches
// t exactly and t has no part whose values coercion rewrites (datetimes and
// durations become text, infinite floats None). Such a value is returned as
// it is, without a copy.
func (t *Type) unchanged(v any) bool {
	return !t.rewrites() && t.exact(v) && !(t.has(KindInt) && holdsInt64(v))
}

// has reports whether t or a type inside it is of kind k.
func (t *Type) has(k Kind) bool {
	switch {
	case t.Kind == k:
		return true
	case t.Kind == KindList:
		return t.Elem.has(k)
	case t.Kind == KindDict:
		return t.Key.has(k) || t.Val.has(k)
	}
	for _, m := range t.Members {
		if m.has(k) {
			return true
		}
	}
	return false
}

// holdsInt64 reports whether v, or a value inside it, is an int64, which
// exact accepts for an int and coercion turns into one.
func holdsInt64(v any) bool {
	switch x := v.(type) {
	case int64:
		return true
	case []any:
		for _, it := range x {
			if holdsInt64(it) {
				return true
			}
		}
	case *value.Map:
		if x != nil {
			for _, it := range x.Values() {
				if holdsInt64(it) {
					return true
				}
			}
		}
	}
	return false
}

func (t *Type) rewrites() bool {
	switch t.Kind {
	case KindDatetime, KindDuration, KindFloat:
		return true
	case KindList:
		return t.Elem.rewrites()
	case KindDict:
		return t.Key.rewrites() || t.Val.rewrites()
	case KindUnion:
		for _, m := range t.Members {
			if m.rewrites() {
				return true
			}
		}
	}
	return false
}

// coerceKey coerces a dict key by the key type. Keys stay strings, as in
// JSON: an int key type turns " 01" into "1"; key types whose values are
// not strings or ints are not supported. The error's path is the caller's
// to set.
func (t *Type) coerceKey(k string) (string, *CoercionError) {
	c, err := t.Key.coerce(k, "")
	if err != nil {
		return "", &CoercionError{Want: "a key of type " + t.Key.String(), Got: k}
	}
	switch c := c.(type) {
	case string:
		return c, nil
	case int:
		return strconv.Itoa(c), nil
	}
	return "", &CoercionError{Want: "a str or int key (key type " + t.Key.String() + " is not supported)", Got: k}
}

// exact reports whether v matches t without any coercion, the first pass of
// Pydantic's smart union.
func (t *Type) exact(v any) bool { return t.match(v, false) }

// match reports whether v matches t exactly or, when strict is set, in
// Pydantic's strict mode, which also takes an int for a float: the second
// pass of its smart union, before lax coercion.
func (t *Type) match(v any, strict bool) bool {
	switch t.Kind {
	case KindAny:
		return true
	case KindStr:
		_, ok := v.(string)
		return ok
	case KindInt:
		switch v.(type) {
		case int, int64:
			return true
		}
	case KindFloat:
		switch v.(type) {
		case float64:
			return true
		case int, int64:
			return strict
		}
	case KindBool:
		_, ok := v.(bool)
		return ok
	case KindDatetime:
		_, ok := v.(value.DateTime)
		return ok
	case KindDuration:
		_, ok := v.(time.Duration)
		return ok
	case KindNone:
		return v == nil
	case KindEnum:
		s, ok := v.(string)
		if ok {
			for _, e := range t.Enum {
				if s == e {
					return true
				}
			}
		}
	case KindList:
		items, ok := v.([]any)
		if !ok {
			return false
		}
		for _, item := range items {
			if !t.Elem.match(item, strict) {
				return false
			}
		}
		return true
	case KindDict:
		m, ok := v.(*value.Map)
		if !ok || m == nil {
			return false
		}
		// Keys are strings: a str or any key type needs no check, which
		// spares boxing each key.
		anyKey := t.Key.Kind == KindStr || t.Key.Kind == KindAny
		vals := m.Values()
		for i, k := range m.Keys() {
			if !anyKey && !t.Key.match(k, strict) || !t.Val.match(vals[i], strict) {
				return false
			}
		}
		return true
	case KindUnion:
		for _, m := range t.Members {
			if m.match(v, strict) {
				return true
			}
		}
	}
	return false
}

// laxInt converts v to an int like Pydantic's lax int: ints, bools, floats
// without a fraction, and integer strings (surrounding whitespace, "_"
// between digits and a ".0" tail allowed).
func laxInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case float64:
		return floatAsInt(x)
	case string:
		return parseIntText(x)
	}
	return 0, false
}

func floatAsInt(f float64) (int, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) || f != math.Trunc(f) {
		return 0, false
	}
	if f <= math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int(f), true
}

// parseIntText follows pydantic-core's str_as_int: an integer, possibly
// with single underscores between digits ("1_000"), and optionally a
// fraction of one or more zeros ("4.0", "1_000.00", but not "4.").
func parseIntText(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if whole, frac, ok := strings.Cut(s, "."); ok {
		if frac == "" || strings.Trim(frac, "0") != "" {
			return 0, false
		}
		s = whole
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(i), true
	}
	if u, ok := stripUnderscores(s); ok {
		i, err := strconv.ParseInt(u, 10, 64)
		return int(i), err == nil
	}
	return 0, false
}

// stripUnderscores removes digit-group underscores the way Python allows
// them: not leading, not trailing, never two in a row.
func stripUnderscores(s string) (string, bool) {
	if !strings.Contains(s, "_") || strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") || strings.Contains(s, "__") {
		return "", false
	}
	return strings.ReplaceAll(s, "_", ""), true
}

// laxFloat converts v to a float like Pydantic's lax float: numbers, bools
// and numeric strings (including "inf" and "nan").
func laxFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		if f, ok := parseFloatText(strings.TrimSpace(x)); ok {
			return f, true
		}
		// Like pydantic-core, text with underscores is not trimmed:
		// " 1_000" is refused where " 1000" is accepted.
		if u, ok := stripUnderscores(x); ok {
			return parseFloatText(u)
		}
	}
	return 0, false
}

// parseFloatText parses decimal float text as Rust's f64 parser does, which
// Pydantic uses: no hexadecimal, no underscores, overflow gives infinity.
func parseFloatText(s string) (float64, bool) {
	if strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// laxBool converts v to a bool like Pydantic's lax bool.
func laxBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case int:
		return x == 1, x == 0 || x == 1
	case int64:
		return x == 1, x == 0 || x == 1
	case float64:
		return x == 1, x == 0 || x == 1
	case string:
		switch strings.ToLower(x) {
		case "1", "t", "y", "on", "yes", "true":
			return true, true
		case "0", "f", "n", "no", "off", "false":
			return false, true
		}
	}
	return false, false
}

// laxDatetime converts v to the JSON text of a datetime: an ISO 8601
// datetime or date string, or a unix timestamp (number or numeric string)
// in seconds, or in milliseconds when its magnitude exceeds 2e10.
func laxDatetime(v any) (string, bool) {
	var d value.DateTime
	ok := false
	switch x := v.(type) {
	case value.DateTime:
		d, ok = x, true
	case int:
		d, ok = unixInt(int64(x))
	case int64:
		d, ok = unixInt(x)
	case float64:
		d, ok = unixFloat(x)
	case string:
		if numericText.MatchString(x) {
			if i, err := strconv.ParseInt(x, 10, 64); err == nil {
				d, ok = unixInt(i)
			} else if f, err := strconv.ParseFloat(x, 64); err == nil {
				d, ok = unixFloat(f)
			}
		} else {
			d, ok = parseISODatetime(x)
		}
	}
	if !ok {
		return "", false
	}
	return value.JSONDateTime(d), true
}

// numericText is what speedate reads as a timestamp: an integer, or a
// decimal ("1.", ".5", "1.5") with an optional exponent ("1.5e3"; "1e3" is
// not one).
var numericText = regexp.MustCompile(`^[+-]?(?:[0-9]+|(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)$`)

// msThreshold is where Pydantic starts reading a timestamp as milliseconds.
const msThreshold = 2e10

func unixInt(i int64) (value.DateTime, bool) {
	sec, us := i, int64(0)
	if i > msThreshold || i < -msThreshold {
		sec, us = i/1000, i%1000*1000
		if us < 0 {
			sec, us = sec-1, us+1e6
		}
	}
	return unixTime(sec, us)
}

func unixFloat(f float64) (value.DateTime, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return value.DateTime{}, false
	}
	if math.Abs(f) > msThreshold {
		f /= 1000
	}
	if math.Abs(f) > 1e12 {
		return value.DateTime{}, false
	}
	sec := math.Floor(f)
	us := math.Round((f - sec) * 1e6)
	if us >= 1e6 {
		sec, us = sec+1, 0
	}
	return unixTime(int64(sec), int64(us))
}

func unixTime(sec, us int64) (value.DateTime, bool) {
	t := time.Unix(sec, us*1000).UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return value.DateTime{}, false
	}
	return value.DateTime{Time: t}, true
}

// isoDatetime matches what Pydantic (speedate) reads as a datetime:
// YYYY-MM-DD, optionally followed by T, t, space or _ and HH:MM[:SS[.f]]
// and a zone: Z, z, ±HH:MM or ±HHMM.
var isoDatetime = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[Tt _](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$`)

func parseISODatetime(s string) (value.DateTime, bool) {
	m := isoDatetime.FindStringSubmatch(s)
	if m == nil {
		return value.DateTime{}, false
	}
	num := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
	year, month, day := num(1), num(2), num(3)
	hour, minute, sec := num(4), num(5), num(6)
	if year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || sec > 59 {
		return value.DateTime{}, false
	}
	frac := m[7]
	if len(frac) > 6 {
		frac = frac[:6] // Pydantic truncates below microseconds
	}
	us := 0
	if frac != "" {
		us, _ = strconv.Atoi(frac + strings.Repeat("0", 6-len(frac)))
	}
	loc, naive := time.UTC, true
	switch {
	case m[8] != "":
		naive = false
	case m[9] != "":
		oh, om := num(10), num(11)
		if oh > 23 || om > 59 {
			return value.DateTime{}, false
		}
		off := oh*3600 + om*60
		if m[9] == "-" {
			off = -off
		}
		loc, naive = time.FixedZone("", off), false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, us*1000, loc)
	return value.DateTime{Time: t, Naive: naive}, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// laxDuration converts v to a duration like Pydantic's lax timedelta:
// ISO 8601 text, "[-]D day[s], H:MM:SS[.f]" text (whose sign, unlike in
// Python's str of a timedelta, applies to the whole), or a number of
// seconds (a bool counts as 0 or 1). The result is in microseconds: ISO
// fractions and numbers are rounded to them, H:MM:SS.f fractions truncated.
func laxDuration(v any) (time.Duration, bool) {
	const maxSeconds = math.MaxInt64 / int64(time.Second)
	switch x := v.(type) {
	case time.Duration:
		return x, true
	case bool:
		if x {
			return time.Second, true
		}
		return 0, true
	case int:
		if int64(x) > maxSeconds || int64(x) < -maxSeconds {
			return 0, false
		}
		return time.Duration(x) * time.Second, true
	case int64:
		if x > maxSeconds || x < -maxSeconds {
			return 0, false
		}
		return time.Duration(x) * time.Second, true
	case float64:
		if math.IsNaN(x) || math.Abs(x) >= float64(maxSeconds) {
			return 0, false
		}
		return time.Duration(math.Round(x*1e6)) * time.Microsecond, true
	case string:
		return parseDurationText(x)
	}
	return 0, false
}

var (
	isoDuration     = regexp.MustCompile(`^([+-]?)P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`)
	pythonDuration  = regexp.MustCompile(`^([+-]?)(\d+) days?(?:, (\d+):(\d{2}):(\d{2})(?:\.(\d+))?)?$`)
	clockDuration   = regexp.MustCompile(`^([+-]?)(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$`)
	isoDurationUnit = [...]time.Duration{
		24 * time.Hour * 365, // Y, as Pydantic counts it
		24 * time.Hour * 30,  // M
		24 * time.Hour * 7,   // W
		24 * time.Hour,       // D
		time.Hour,            // H
		time.Minute,          // M
		time.Second,          // S
	}
)

func parseDurationText(s string) (time.Duration, bool) {
	if m := isoDuration.FindStringSubmatch(s); m != nil {
		// At least one component ("P1DT" is P1D, but "PT" is nothing),
		// and only the last may have a fraction, as in speedate.
		total, fraction := (*big.Int)(nil), false
		for i, unit := range isoDurationUnit {
			num := m[i+2]
			if num == "" {
				continue
			}
			if fraction {
				return 0, false
			}
			fraction = strings.ContainsAny(num, ".,")
			if total == nil {
				total = new(big.Int)
			}
			total.Add(total, decimalMicros(num, unit, true))
		}
		if total == nil {
			return 0, false
		}
		return microsToDuration(total, m[1] == "-")
	}
	if m := pythonDuration.FindStringSubmatch(s); m != nil {
		days, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil || days > 1e6 {
			return 0, false
		}
		total := big.NewInt(days * 86400e6)
		if m[3] != "" {
			if h, _ := strconv.Atoi(m[3]); h > 23 {
				return 0, false // the hours after days are an hour of the day
			}
			clock, ok := clockMicros(m[3], m[4], m[5], m[6])
			if !ok {
				return 0, false
			}
			total.Add(total, clock)
		}
		return microsToDuration(total, m[1] == "-")
	}
	if m := clockDuration.FindStringSubmatch(s); m != nil {
		clock, ok := clockMicros(m[2], m[3], m[4], m[5])
		if !ok {
			return 0, false
		}
		return microsToDuration(clock, m[1] == "-")
	}
	return 0, false
}

// clockMicros is the length of H:MM:SS.f in microseconds.
func clockMicros(h, m, s, frac string) (*big.Int, bool) {
	mi, _ := strconv.Atoi(m)
	se, _ := strconv.Atoi(s)
	if mi > 59 || se > 59 {
		return nil, false
	}
	total := decimalMicros(h, time.Hour, false)
	total.Add(total, big.NewInt(int64(mi)*60e6+int64(se)*1e6))
	if frac != "" {
		total.Add(total, decimalMicros("0."+frac, time.Second, false))
	}
	return total, true
}

// decimalMicros returns the decimal text num ("12", "1.5", "0,25") times unit,
// in whole microseconds, truncated, or rounded half up when round is set.
func decimalMicros(num string, unit time.Duration, round bool) *big.Int {
	num = strings.Replace(num, ",", ".", 1)
	whole, frac, _ := strings.Cut(num, ".")
	n, _ := new(big.Int).SetString(whole+frac, 10)
	n.Mul(n, big.NewInt(unit.Microseconds()))
	d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	if round {
		n.Add(n, new(big.Int).Rsh(d, 1))
	}
	return n.Quo(n, d)
}

func microsToDuration(us *big.Int, negative bool) (time.Duration, bool) {
	if negative {
		us.Neg(us)
	}
	if !us.IsInt64() {
		return 0, false
	}
	n := us.Int64()
	if n > math.MaxInt64/1000 || n < math.MinInt64/1000 {
		return 0, false
	}
	return time.Duration(n) * time.Microsecond, true
}
