package fn

// The Time family: datetimes, durations and their parts, with the results
// Python's datetime module gives Tracecat.
//
// A datetime is a value.DateTime. A naive one (no zone) holds its wall-clock
// fields in UTC; an aware one carries a *time.Location: time.UTC, a fixed
// offset named like Python's timezone ("UTC+01:00"), or an IANA zone.
// Arguments that expect a datetime also take an ISO 8601 string (parsed as
// to_datetime does) or a unix timestamp in seconds.

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA zones on machines without a zoneinfo database
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr/value"
)

// timeNow is the clock of now, utcnow, today and wall_clock. Tests replace
// it; the engine will point it at the workflow's logical clock, so nothing
// else in this package reads the time.
var timeNow = time.Now

func init() {
	register(&Func{Name: "now", MinArgs: 0, MaxArgs: 2,
		Doc:  "now(as_isoformat=False, timespec=\"auto\"): the current local time as a naive datetime",
		Call: func(args ...any) (any, error) { return clockNow("now", args, false) }})
	register(&Func{Name: "wall_clock", MinArgs: 0, MaxArgs: 2,
		Doc:  "wall_clock(as_isoformat=False, timespec=\"auto\"): the current local time as a naive datetime",
		Call: func(args ...any) (any, error) { return clockNow("wall_clock", args, false) }})
	register(&Func{Name: "utcnow", MinArgs: 0, MaxArgs: 2,
		Doc:  "utcnow(as_isoformat=False, timespec=\"auto\"): the current time as an aware UTC datetime",
		Call: func(args ...any) (any, error) { return clockNow("utcnow", args, true) }})
	register(&Func{Name: "today", MinArgs: 0, MaxArgs: 0,
		Doc: "today(): the current local date",
		Call: func(args ...any) (any, error) {
			t := timeNow()
			return value.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
		}})
	register(&Func{Name: "datetime", MinArgs: 3, MaxArgs: 6,
		Doc: "datetime(year, month, day, hour=0, minute=0, second=0): a naive datetime", Call: fnDatetime})
	register(&Func{Name: "to_datetime", MinArgs: 1, MaxArgs: 2,
		Doc: "to_datetime(x, timezone=None): a datetime from an ISO 8601 string, unix seconds or a datetime; converts to timezone (naive assumed UTC)", Call: fnToDatetime})
	register(&Func{Name: "parse_datetime", MinArgs: 2, MaxArgs: 2,
		Doc: "parse_datetime(s, format): parse s with strptime directives", Call: fnParseDatetime})
	register(&Func{Name: "parse_time", MinArgs: 1, MaxArgs: 1,
		Doc: "parse_time(s): a time from HH:MM or HH:MM:SS", Call: fnParseTime})
	register(&Func{Name: "to_time", MinArgs: 1, MaxArgs: 1,
		Doc: "to_time(x): the time of day of a time, datetime or string", Call: fnToTime})
	register(&Func{Name: "format_datetime", MinArgs: 2, MaxArgs: 2,
		Doc: "format_datetime(x, format): format x with strftime directives", Call: fnFormatDatetime})
	register(&Func{Name: "to_isoformat", MinArgs: 1, MaxArgs: 2,
		Doc: "to_isoformat(x, timespec=\"auto\"): ISO 8601 text of a datetime", Call: fnToIsoformat})
	register(&Func{Name: "to_timestamp", MinArgs: 1, MaxArgs: 2,
		Doc: "to_timestamp(x, unit=\"s\"): unix time in seconds or milliseconds (\"ms\"), naive assumed UTC", Call: fnToTimestamp})
	register(&Func{Name: "from_timestamp", MinArgs: 1, MaxArgs: 2,
		Doc: "from_timestamp(x, unit=\"s\"): an aware UTC datetime from unix seconds or milliseconds (\"ms\")", Call: fnFromTimestamp})
	register(&Func{Name: "set_timezone", MinArgs: 2, MaxArgs: 2,
		Doc: "set_timezone(x, timezone): convert x to an IANA time zone (naive assumed UTC)", Call: fnSetTimezone})
	register(&Func{Name: "unset_timezone", MinArgs: 1, MaxArgs: 1,
		Doc: "unset_timezone(x): drop the time zone, keeping the wall-clock time", Call: fnUnsetTimezone})
	register(&Func{Name: "windows_filetime", MinArgs: 1, MaxArgs: 1,
		Doc: "windows_filetime(x): 100-nanosecond ticks since 1601-01-01 UTC (naive assumed UTC)", Call: fnWindowsFiletime})
	for _, u := range []struct {
		name string
		unit time.Duration
	}{{"seconds", time.Second}, {"minutes", time.Minute}, {"hours", time.Hour}, {"days", 24 * time.Hour}, {"weeks", 7 * 24 * time.Hour}} {
		register(&Func{Name: u.name, MinArgs: 1, MaxArgs: 1,
			Doc:  u.name + "(n): a duration of n " + u.name,
			Call: func(args ...any) (any, error) { return durationOf(u.name, args[0], u.unit) }})
		register(&Func{Name: u.name + "_between", MinArgs: 2, MaxArgs: 2,
			Doc:  u.name + "_between(start, end): the " + u.name + " from start to end as a float",
			Call: func(args ...any) (any, error) { return tmBetween(u.name+"_between", args[0], args[1], u.unit) }})
	}
	for _, p := range []struct {
		name, what string
		get        func(time.Time) int
	}{
		{"get_second", "second (0-59)", time.Time.Second},
		{"get_minute", "minute (0-59)", time.Time.Minute},
		{"get_hour", "hour (0-23)", time.Time.Hour},
	} {
		register(&Func{Name: p.name, MinArgs: 1, MaxArgs: 1,
			Doc: p.name + "(x): the " + p.what + " of a datetime",
			Call: func(args ...any) (any, error) {
				d, err := dtArg(p.name, "x", args[0])
				if err != nil {
					return nil, err
				}
				return p.get(d.Time), nil
			}})
	}
	for _, p := range []struct {
		name, what string
		get        func(time.Time) int
	}{
		{"get_day", "day of the month (1-31)", time.Time.Day},
		{"get_year", "year", time.Time.Year},
	} {
		register(&Func{Name: p.name, MinArgs: 1, MaxArgs: 1,
			Doc: p.name + "(x): the " + p.what + " of a date or datetime",
			Call: func(args ...any) (any, error) {
				t, err := dateLikeArg(p.name, "x", args[0])
				if err != nil {
					return nil, err
				}
				return p.get(t), nil
			}})
	}
	register(&Func{Name: "get_day_of_week", MinArgs: 1, MaxArgs: 2,
		Doc: "get_day_of_week(x, format=\"number\"): Monday = 0 ... Sunday = 6, or the name with \"full\" or \"short\"", Call: fnGetDayOfWeek})
	register(&Func{Name: "get_month", MinArgs: 1, MaxArgs: 2,
		Doc: "get_month(x, format=\"number\"): 1-12, or the name with \"full\" or \"short\"", Call: fnGetMonth})
	register(&Func{Name: "is_working_hours", MinArgs: 3, MaxArgs: 5,
		Doc: "is_working_hours(x, start, end, include_weekends=False, timezone=None): whether x falls between the HH:MM times start and end (inclusive; overnight ranges wrap)", Call: fnIsWorkingHours})
}

// ---- argument helpers (shared with net.go) ----

// tnString returns v as a string or an error naming the function and argument.
func tnString(fn, arg string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: %s must be a string, got %s", fn, arg, value.TypeName(v))
	}
	return s, nil
}

// tnInt returns v as an int; bools and floats are refused.
func tnInt(fn, arg string, v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	}
	return 0, fmt.Errorf("%s: %s must be an int, got %s", fn, arg, value.TypeName(v))
}

// tnOptString returns the optional string argument i of args, def when it is
// absent or None.
func tnOptString(fn, arg string, args []any, i int, def string) (string, error) {
	if i >= len(args) || args[i] == nil {
		return def, nil
	}
	return tnString(fn, arg, args[i])
}

// tnOptBool returns the truth value of optional argument i of args.
func tnOptBool(args []any, i int) bool {
	return i < len(args) && value.Truthy(args[i])
}

// ---- datetime construction ----

// naiveOf returns the naive datetime with the wall-clock fields of t, cut to
// microseconds as Python keeps them.
func naiveOf(t time.Time) value.DateTime {
	return value.DateTime{Time: time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000*1000, time.UTC), Naive: true}
}

// awareOf returns the aware datetime of t, cut to microseconds.
func awareOf(t time.Time) value.DateTime {
	return value.DateTime{Time: t.Round(0).Truncate(time.Microsecond)}
}

// asAware returns d with a naive value taken as UTC.
func asAware(d value.DateTime) time.Time {
	if d.Naive {
		return d.Time.UTC()
	}
	return d.Time
}

// fixedZone returns the zone of a fixed UTC offset, named as Python names a
// datetime.timezone ("UTC+05:30"); offset 0 is time.UTC.
func fixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	return time.FixedZone("UTC"+formatOffset(off, true), off)
}

// formatOffset writes a UTC offset in seconds as ±HH[:]MM[[:]SS].
func formatOffset(off int, colon bool) string {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	sep := ""
	if colon {
		sep = ":"
	}
	s := fmt.Sprintf("%c%02d%s%02d", sign, off/3600, sep, off%3600/60)
	if off%60 != 0 {
		s += fmt.Sprintf("%s%02d", sep, off%60)
	}
	return s
}

var zoneCache sync.Map // name -> *time.Location

// loadZone returns the IANA zone called name.
func loadZone(fn, name string) (*time.Location, error) {
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	var loc *time.Location
	var err error
	if name == "" || name == "Local" || strings.HasPrefix(name, "/") {
		err = fmt.Errorf("not an IANA name")
	} else {
		loc, err = time.LoadLocation(name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: unknown time zone %q; use an IANA name such as America/New_York or UTC", fn, name)
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

func checkYear(fn string, t time.Time, what string) error {
	if y := t.Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%s: %s is out of range for a datetime (years 1 to 9999)", fn, what)
	}
	return nil
}

// fromUnixMicro returns the aware UTC datetime us microseconds after the epoch.
func fromUnixMicro(fn string, us int64, what string) (value.DateTime, error) {
	t := time.UnixMicro(us).UTC()
	if err := checkYear(fn, t, what); err != nil {
		return value.DateTime{}, err
	}
	return value.DateTime{Time: t}, nil
}

// unixMicroOf converts a number of seconds (or milliseconds when scale is
// 1000) to microseconds, rounding floats half to even as Python does.
func unixMicroOf(fn, arg string, v any, scale int64) (int64, error) {
	const limit = 1 << 62
	switch x := v.(type) {
	case int:
		if lim := int64(limit / 1_000_000); int64(x) > lim || int64(x) < -lim {
			return 0, fmt.Errorf("%s: %s %d is out of range for a datetime (years 1 to 9999)", fn, arg, x)
		}
		return int64(x) * (1e6 / scale), nil
	case float64:
		f := math.RoundToEven(x * float64(1e6/scale))
		if math.IsNaN(f) || math.Abs(f) > limit {
			return 0, fmt.Errorf("%s: %s %s is out of range for a datetime (years 1 to 9999)", fn, arg, value.FormatFloat(x))
		}
		return int64(f), nil
	}
	return 0, fmt.Errorf("%s: %s must be a number, got %s", fn, arg, value.TypeName(v))
}

// dtArg converts a datetime argument: a datetime, an ISO 8601 string or unix
// seconds (int or float).
func dtArg(fn, arg string, v any) (value.DateTime, error) {
	switch x := v.(type) {
	case value.DateTime:
		return x, nil
	case string:
		return parseISODateTime(fn, x)
	case int, float64:
		us, err := unixMicroOf(fn, arg, x, 1)
		if err != nil {
			return value.DateTime{}, err
		}
		return fromUnixMicro(fn, us, value.Repr(x))
	}
	return value.DateTime{}, fmt.Errorf("%s: %s must be a datetime, an ISO 8601 string or a unix timestamp, got %s", fn, arg, value.TypeName(v))
}

// dateLikeArg is dtArg that also takes a date (at midnight) and returns the
// wall-clock time.
func dateLikeArg(fn, arg string, v any) (time.Time, error) {
	if d, ok := v.(value.Date); ok {
		return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC), nil
	}
	d, err := dtArg(fn, arg, v)
	return d.Time, err
}

// parseISODateTime parses the forms Python's datetime.fromisoformat (3.11+)
// takes: a date (YYYY-MM-DD or YYYYMMDD), optionally followed by "T", "t" or a
// space and a time (HH, HH:MM, HH:MM:SS, fractions with "." or ","; or
// HHMM[SS]), optionally followed by "Z" or an offset ±HH[:MM[:SS[.ffffff]]].
func parseISODateTime(fn, s string) (value.DateTime, error) {
	d, ok := parseISO(s)
	if !ok {
		return value.DateTime{}, fmt.Errorf("%s: cannot parse %q as a datetime; use ISO 8601 such as 2024-01-31T12:00:00Z or a unix timestamp", fn, s)
	}
	return d, nil
}

func parseISO(s string) (value.DateTime, bool) {
	var y, mo, d int
	rest := s
	switch {
	case len(s) >= 10 && s[4] == '-' && s[7] == '-':
		y, mo, d = tmAtoi(s[0:4]), tmAtoi(s[5:7]), tmAtoi(s[8:10])
		rest = s[10:]
	case len(s) >= 8 && tmDigits(s[:8]):
		y, mo, d = tmAtoi(s[0:4]), tmAtoi(s[4:6]), tmAtoi(s[6:8])
		rest = s[8:]
	default:
		return value.DateTime{}, false
	}
	if y < 1 || mo < 1 || mo > 12 || d < 1 || d > tmDaysIn(y, time.Month(mo)) {
		return value.DateTime{}, false
	}
	var h, mi, sec, us int
	loc := (*time.Location)(nil)
	if rest != "" {
		if c := rest[0]; c != 'T' && c != 't' && c != ' ' {
			return value.DateTime{}, false
		}
		rest = rest[1:]
		// time part ends where the offset starts
		end := strings.IndexAny(rest, "+-Zz")
		tp, zp := rest, ""
		if end >= 0 {
			tp, zp = rest[:end], rest[end:]
		}
		var ok bool
		if h, mi, sec, us, ok = parseISOTime(tp); !ok {
			return value.DateTime{}, false
		}
		if zp != "" {
			off, ok := parseISOOffset(zp)
			if !ok {
				return value.DateTime{}, false
			}
			loc = fixedZone(off)
		}
	}
	if loc == nil {
		return value.DateTime{Time: time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, time.UTC), Naive: true}, true
	}
	return value.DateTime{Time: time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, loc)}, true
}

// parseISOTime parses HH[:MM[:SS[.f+]]] or HH[MM[SS[.f+]]].
func parseISOTime(s string) (h, mi, sec, us int, ok bool) {
	frac := ""
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		s, frac = s[:i], s[i+1:]
		if frac == "" || !tmDigits(frac) {
			return 0, 0, 0, 0, false
		}
	}
	var parts []string
	if strings.Contains(s, ":") {
		parts = strings.Split(s, ":")
	} else {
		for len(s) >= 2 {
			parts = append(parts, s[:2])
			s = s[2:]
		}
		if s != "" {
			return 0, 0, 0, 0, false
		}
	}
	if len(parts) == 0 || len(parts) > 3 || (frac != "" && len(parts) != 3) {
		return 0, 0, 0, 0, false
	}
	vals := [3]int{}
	for i, p := range parts {
		if len(p) != 2 || !tmDigits(p) {
			return 0, 0, 0, 0, false
		}
		vals[i] = tmAtoi(p)
	}
	if vals[0] > 23 || vals[1] > 59 || vals[2] > 59 {
		return 0, 0, 0, 0, false
	}
	if frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		us = tmAtoi(frac + strings.Repeat("0", 6-len(frac)))
	}
	return vals[0], vals[1], vals[2], us, true
}

// parseISOOffset parses "Z" or ±HH[:MM[:SS[.ffffff]]] (colons optional),
// returning whole seconds.
func parseISOOffset(s string) (int, bool) {
	if s == "Z" || s == "z" {
		return 0, true
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, mi, sec, _, ok := parseISOTime(s[1:])
	if !ok {
		return 0, false
	}
	return sign * (h*3600 + mi*60 + sec), true
}

func tmDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// tmAtoi parses a string of ASCII digits; -1 when it is not one.
func tmAtoi(s string) int {
	if !tmDigits(s) {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func tmDaysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// isoFormat returns Python's isoformat(sep="T", timespec=...) of d.
func isoFormat(fn string, d value.DateTime, timespec string) (string, error) {
	t := d.Time
	date := fmt.Sprintf("%04d-%02d-%02dT", t.Year(), int(t.Month()), t.Day())
	tm, err := isoTime(fn, t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000, timespec)
	if err != nil {
		return "", err
	}
	s := date + tm
	if !d.Naive {
		_, off := t.Zone()
		s += formatOffset(off, true)
	}
	return s, nil
}

func isoTime(fn string, h, mi, sec, us int, timespec string) (string, error) {
	switch timespec {
	case "auto":
		if us != 0 {
			return fmt.Sprintf("%02d:%02d:%02d.%06d", h, mi, sec, us), nil
		}
		return fmt.Sprintf("%02d:%02d:%02d", h, mi, sec), nil
	case "hours":
		return fmt.Sprintf("%02d", h), nil
	case "minutes":
		return fmt.Sprintf("%02d:%02d", h, mi), nil
	case "seconds":
		return fmt.Sprintf("%02d:%02d:%02d", h, mi, sec), nil
	case "milliseconds":
		return fmt.Sprintf("%02d:%02d:%02d.%03d", h, mi, sec, us/1000), nil
	case "microseconds":
		return fmt.Sprintf("%02d:%02d:%02d.%06d", h, mi, sec, us), nil
	}
	return "", fmt.Errorf("%s: unknown timespec %q; use auto, hours, minutes, seconds, milliseconds or microseconds", fn, timespec)
}

// ---- functions ----

func clockNow(fn string, args []any, utc bool) (any, error) {
	timespec, err := tnOptString(fn, "timespec", args, 1, "auto")
	if err != nil {
		return nil, err
	}
	t := timeNow()
	var d value.DateTime
	if utc {
		d = awareOf(t.UTC())
	} else {
		d = naiveOf(t)
	}
	if tnOptBool(args, 0) {
		return isoFormat(fn, d, timespec)
	}
	if _, err := isoTime(fn, 0, 0, 0, 0, timespec); err != nil {
		return nil, err
	}
	return d, nil
}

func fnDatetime(args ...any) (any, error) {
	names := []string{"year", "month", "day", "hour", "minute", "second"}
	f := [6]int{}
	for i, a := range args {
		n, err := tnInt("datetime", names[i], a)
		if err != nil {
			return nil, err
		}
		f[i] = n
	}
	switch {
	case f[0] < 1 || f[0] > 9999:
		return nil, fmt.Errorf("datetime: year must be in 1..9999, got %d", f[0])
	case f[1] < 1 || f[1] > 12:
		return nil, fmt.Errorf("datetime: month must be in 1..12, got %d", f[1])
	case f[2] < 1 || f[2] > tmDaysIn(f[0], time.Month(f[1])):
		return nil, fmt.Errorf("datetime: day %d is out of range for %04d-%02d", f[2], f[0], f[1])
	case f[3] < 0 || f[3] > 23:
		return nil, fmt.Errorf("datetime: hour must be in 0..23, got %d", f[3])
	case f[4] < 0 || f[4] > 59:
		return nil, fmt.Errorf("datetime: minute must be in 0..59, got %d", f[4])
	case f[5] < 0 || f[5] > 59:
		return nil, fmt.Errorf("datetime: second must be in 0..59, got %d", f[5])
	}
	return value.DateTime{Time: time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, time.UTC), Naive: true}, nil
}

func fnToDatetime(args ...any) (any, error) {
	d, err := dtArg("to_datetime", "x", args[0])
	if err != nil {
		return nil, err
	}
	tz, err := tnOptString("to_datetime", "timezone", args, 1, "")
	if err != nil || tz == "" {
		return d, err
	}
	loc, err := loadZone("to_datetime", tz)
	if err != nil {
		return nil, err
	}
	return value.DateTime{Time: asAware(d).In(loc)}, nil
}

func fnSetTimezone(args ...any) (any, error) {
	d, err := dtArg("set_timezone", "x", args[0])
	if err != nil {
		return nil, err
	}
	tz, err := tnString("set_timezone", "timezone", args[1])
	if err != nil {
		return nil, err
	}
	loc, err := loadZone("set_timezone", tz)
	if err != nil {
		return nil, err
	}
	return value.DateTime{Time: asAware(d).In(loc)}, nil
}

func fnUnsetTimezone(args ...any) (any, error) {
	d, err := dtArg("unset_timezone", "x", args[0])
	if err != nil {
		return nil, err
	}
	return naiveOf(d.Time), nil
}

func fnToIsoformat(args ...any) (any, error) {
	timespec, err := tnOptString("to_isoformat", "timespec", args, 1, "auto")
	if err != nil {
		return nil, err
	}
	switch x := args[0].(type) {
	case value.Date:
		return value.Str(x), nil
	case value.TimeOfDay:
		return isoTime("to_isoformat", x.Hour, x.Minute, x.Second, x.Nanosecond/1000, timespec)
	}
	d, err := dtArg("to_isoformat", "x", args[0])
	if err != nil {
		return nil, err
	}
	return isoFormat("to_isoformat", d, timespec)
}

func timestampUnit(fn string, args []any) (int64, error) {
	unit, err := tnOptString(fn, "unit", args, 1, "s")
	if err != nil {
		return 0, err
	}
	switch unit {
	case "s":
		return 1, nil
	case "ms":
		return 1000, nil
	}
	return 0, fmt.Errorf("%s: unit must be \"s\" or \"ms\", got %q", fn, unit)
}

func fnToTimestamp(args ...any) (any, error) {
	d, err := dtArg("to_timestamp", "x", args[0])
	if err != nil {
		return nil, err
	}
	scale, err := timestampUnit("to_timestamp", args)
	if err != nil {
		return nil, err
	}
	// Go's integer division truncates toward zero, as Python's int() does.
	return int(asAware(d).UnixMicro() / (1e6 / scale)), nil
}

func fnFromTimestamp(args ...any) (any, error) {
	scale, err := timestampUnit("from_timestamp", args)
	if err != nil {
		return nil, err
	}
	us, err := unixMicroOf("from_timestamp", "x", args[0], scale)
	if err != nil {
		return nil, err
	}
	return fromUnixMicro("from_timestamp", us, value.Repr(args[0]))
}

// filetimeEpoch is 1601-01-01 UTC in microseconds since the unix epoch.
const filetimeEpoch = -11644473600 * 1e6

func fnWindowsFiletime(args ...any) (any, error) {
	d, err := dtArg("windows_filetime", "x", args[0])
	if err != nil {
		return nil, err
	}
	// Python computes int(delta.total_seconds() * 10_000_000): seconds as
	// the float nearest the exact value, then a float product truncated.
	secs, _ := new(big.Rat).SetFrac64(asAware(d).UnixMicro()-filetimeEpoch, 1e6).Float64()
	return int(secs * 10_000_000), nil
}

// maxDurationMicros bounds durations so that they fit a time.Duration.
const maxDurationMicros = math.MaxInt64 / 1000

func durationOf(fn string, v any, unit time.Duration) (any, error) {
	perUnit := int64(unit / time.Microsecond)
	var us int64
	switch x := v.(type) {
	case int:
		if x > maxDurationMicros/int(perUnit) || x < -maxDurationMicros/int(perUnit) {
			return nil, fmt.Errorf("%s: %d %s is out of range for a duration (at most about 292 years)", fn, x, fn)
		}
		us = int64(x) * perUnit
	case float64:
		f := math.RoundToEven(x * float64(perUnit))
		if math.IsNaN(f) || math.Abs(f) > maxDurationMicros {
			return nil, fmt.Errorf("%s: %s %s is out of range for a duration (at most about 292 years)", fn, value.FormatFloat(x), fn)
		}
		us = int64(f)
	default:
		return nil, fmt.Errorf("%s: n must be a number, got %s", fn, value.TypeName(v))
	}
	return time.Duration(us) * time.Microsecond, nil
}

func tmBetween(fn string, a, b any, unit time.Duration) (any, error) {
	start, err := dtArg(fn, "start", a)
	if err != nil {
		return nil, err
	}
	end, err := dtArg(fn, "end", b)
	if err != nil {
		return nil, err
	}
	if start.Naive != end.Naive {
		return nil, fmt.Errorf("%s: cannot subtract a naive and an aware datetime (%s and %s); give both or neither a time zone", fn, value.ISOFormat(start), value.ISOFormat(end))
	}
	us := end.Time.UnixMicro() - start.Time.UnixMicro()
	secs := float64(us) / 1e6
	if unit == time.Second {
		return secs, nil
	}
	return secs / unit.Seconds(), nil
}

var (
	weekdayNames = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	monthNames   = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// pyWeekday returns Python's weekday(): Monday = 0.
func pyWeekday(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

func nameFormat(fn string, args []any, n int, names []string) (any, error) {
	format, err := tnOptString(fn, "format", args, 1, "number")
	if err != nil {
		return nil, err
	}
	switch format {
	case "number":
		return n, nil
	case "full":
		return names[n], nil
	case "short":
		return names[n][:3], nil
	}
	return nil, fmt.Errorf("%s: format must be 'number', 'full' or 'short', got %q", fn, format)
}

func fnGetDayOfWeek(args ...any) (any, error) {
	t, err := dateLikeArg("get_day_of_week", "x", args[0])
	if err != nil {
		return nil, err
	}
	wd := pyWeekday(t)
	r, err := nameFormat("get_day_of_week", args, wd, weekdayNames[:])
	return r, err
}

func fnGetMonth(args ...any) (any, error) {
	t, err := dateLikeArg("get_month", "x", args[0])
	if err != nil {
		return nil, err
	}
	r, err := nameFormat("get_month", args, int(t.Month())-1, monthNames[:])
	if n, ok := r.(int); ok {
		return n + 1, err
	}
	return r, err
}

// ---- times of day ----

func fnParseTime(args ...any) (any, error) {
	s, err := tnString("parse_time", "s", args[0])
	if err != nil {
		return nil, err
	}
	return parseClock("parse_time", s)
}

// parseClock parses HH:MM:SS or HH:MM as strptime does (one-digit fields
// allowed).
func parseClock(fn, s string) (value.TimeOfDay, error) {
	for _, f := range []string{"%H:%M:%S", "%H:%M"} {
		if d, err := strptime(fn, s, f); err == nil {
			t := d.Time
			return value.TimeOfDay{Hour: t.Hour(), Minute: t.Minute(), Second: t.Second()}, nil
		}
	}
	return value.TimeOfDay{}, fmt.Errorf("%s: cannot parse %q as a time; use HH:MM or HH:MM:SS such as 09:30", fn, s)
}

func fnToTime(args ...any) (any, error) {
	switch x := args[0].(type) {
	case value.TimeOfDay:
		return x, nil
	case string:
		if t, err := parseClock("to_time", x); err == nil {
			return t, nil
		}
		if d, ok := parseISO(x); ok {
			return timeOfDay(d.Time), nil
		}
		return nil, fmt.Errorf("to_time: cannot parse %q as a time; use HH:MM, HH:MM:SS or an ISO 8601 datetime", x)
	}
	d, err := dtArg("to_time", "x", args[0])
	if err != nil {
		return nil, fmt.Errorf("to_time: x must be a time, a datetime or a string, got %s", value.TypeName(args[0]))
	}
	return timeOfDay(d.Time), nil
}

func timeOfDay(t time.Time) value.TimeOfDay {
	return value.TimeOfDay{Hour: t.Hour(), Minute: t.Minute(), Second: t.Second(), Nanosecond: t.Nanosecond() / 1000 * 1000}
}

func clockArg(fn, arg string, v any) (value.TimeOfDay, error) {
	switch x := v.(type) {
	case value.TimeOfDay:
		return x, nil
	case string:
		t, err := parseClock(fn, x)
		if err != nil {
			return t, fmt.Errorf("%s: %s %q is not a time; use HH:MM or HH:MM:SS such as 09:30", fn, arg, x)
		}
		return t, nil
	}
	return value.TimeOfDay{}, fmt.Errorf("%s: %s must be a time string such as \"09:30\", got %s", fn, arg, value.TypeName(v))
}

func clockNanos(t value.TimeOfDay) int64 {
	return int64(t.Hour)*int64(time.Hour) + int64(t.Minute)*int64(time.Minute) + int64(t.Second)*int64(time.Second) + int64(t.Nanosecond)
}

func fnIsWorkingHours(args ...any) (any, error) {
	const fn = "is_working_hours"
	d, err := dtArg(fn, "x", args[0])
	if err != nil {
		return nil, err
	}
	start, err := clockArg(fn, "start", args[1])
	if err != nil {
		return nil, err
	}
	end, err := clockArg(fn, "end", args[2])
	if err != nil {
		return nil, err
	}
	tz, err := tnOptString(fn, "timezone", args, 4, "")
	if err != nil {
		return nil, err
	}
	t := d.Time
	if tz != "" {
		loc, err := loadZone(fn, tz)
		if err != nil {
			return nil, err
		}
		t = asAware(d).In(loc)
	}
	if !tnOptBool(args, 3) && pyWeekday(t) >= 5 {
		return false, nil
	}
	now, s, e := clockNanos(timeOfDay(t)), clockNanos(start), clockNanos(end)
	if s <= e {
		return s <= now && now <= e, nil
	}
	return now >= s || now <= e, nil // overnight, e.g. 22:00-06:00
}

// ---- strftime / strptime ----

func fnFormatDatetime(args ...any) (any, error) {
	const fn = "format_datetime"
	format, err := tnString(fn, "format", args[1])
	if err != nil {
		return nil, err
	}
	var d value.DateTime
	switch x := args[0].(type) {
	case value.Date:
		d = value.DateTime{Time: time.Date(x.Year, x.Month, x.Day, 0, 0, 0, 0, time.UTC), Naive: true}
	case value.TimeOfDay:
		d = value.DateTime{Time: time.Date(1900, 1, 1, x.Hour, x.Minute, x.Second, x.Nanosecond, time.UTC), Naive: true}
	default:
		if d, err = dtArg(fn, "x", args[0]); err != nil {
			return nil, err
		}
	}
	return strftime(fn, d, format)
}

// strftime formats d with the C directives Python's strftime passes to glibc.
// A "-" after "%" drops the padding of a numeric field (%-d). Unknown
// directives are an error rather than copied through.
func strftime(fn string, d value.DateTime, format string) (string, error) {
	t := d.Time
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		start := i
		i++
		if i >= len(format) {
			return "", fmt.Errorf("%s: format %q ends with a lone %%", fn, format)
		}
		noPad := false
		if format[i] == '-' {
			noPad = true
			i++
			if i >= len(format) {
				return "", fmt.Errorf("%s: format %q ends with an incomplete directive %q", fn, format, format[start:])
			}
		}
		if format[i] == ':' && i+1 < len(format) && format[i+1] == 'z' && !noPad {
			i++
			if !d.Naive {
				_, off := t.Zone()
				b.WriteString(formatOffset(off, true))
			}
			continue
		}
		num := func(n, width int, pad byte) {
			s := strconv.Itoa(n)
			if !noPad {
				for len(s) < width {
					s = string(pad) + s
				}
			}
			b.WriteString(s)
		}
		hour12 := t.Hour() % 12
		if hour12 == 0 {
			hour12 = 12
		}
		switch format[i] {
		case 'a':
			b.WriteString(weekdayNames[pyWeekday(t)][:3])
		case 'A':
			b.WriteString(weekdayNames[pyWeekday(t)])
		case 'w':
			num(int(t.Weekday()), 1, '0')
		case 'u':
			num(pyWeekday(t)+1, 1, '0')
		case 'd':
			num(t.Day(), 2, '0')
		case 'e':
			num(t.Day(), 2, ' ')
		case 'b', 'h':
			b.WriteString(monthNames[t.Month()-1][:3])
		case 'B':
			b.WriteString(monthNames[t.Month()-1])
		case 'm':
			num(int(t.Month()), 2, '0')
		case 'y':
			num(t.Year()%100, 2, '0')
		case 'Y':
			num(t.Year(), 4, '0')
		case 'C':
			num(t.Year()/100, 2, '0')
		case 'G':
			y, _ := t.ISOWeek()
			num(y, 4, '0')
		case 'g':
			y, _ := t.ISOWeek()
			num(y%100, 2, '0')
		case 'V':
			_, w := t.ISOWeek()
			num(w, 2, '0')
		case 'H':
			num(t.Hour(), 2, '0')
		case 'k':
			num(t.Hour(), 2, ' ')
		case 'I':
			num(hour12, 2, '0')
		case 'l':
			num(hour12, 2, ' ')
		case 'p':
			b.WriteString(map[bool]string{false: "AM", true: "PM"}[t.Hour() >= 12])
		case 'P':
			b.WriteString(map[bool]string{false: "am", true: "pm"}[t.Hour() >= 12])
		case 'M':
			num(t.Minute(), 2, '0')
		case 'S':
			num(t.Second(), 2, '0')
		case 'f':
			num(t.Nanosecond()/1000, 6, '0')
		case 'j':
			num(t.YearDay(), 3, '0')
		case 'U':
			num((t.YearDay()+6-int(t.Weekday()))/7, 2, '0')
		case 'W':
			num((t.YearDay()+6-pyWeekday(t))/7, 2, '0')
		case 'z':
			if !d.Naive {
				_, off := t.Zone()
				b.WriteString(formatOffset(off, false))
			}
		case 'Z':
			if !d.Naive {
				name, _ := t.Zone()
				b.WriteString(name)
			}
		case 's':
			num(int(asAware(d).Unix()), 1, '0')
		case 'c':
			fmt.Fprintf(&b, "%s %s %2d %02d:%02d:%02d %d", weekdayNames[pyWeekday(t)][:3], monthNames[t.Month()-1][:3], t.Day(), t.Hour(), t.Minute(), t.Second(), t.Year())
		case 'x', 'D':
			fmt.Fprintf(&b, "%02d/%02d/%02d", int(t.Month()), t.Day(), t.Year()%100)
		case 'X', 'T':
			fmt.Fprintf(&b, "%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
		case 'F':
			fmt.Fprintf(&b, "%04d-%02d-%02d", t.Year(), int(t.Month()), t.Day())
		case 'R':
			fmt.Fprintf(&b, "%02d:%02d", t.Hour(), t.Minute())
		case 'r':
			fmt.Fprintf(&b, "%02d:%02d:%02d %s", hour12, t.Minute(), t.Second(), map[bool]string{false: "AM", true: "PM"}[t.Hour() >= 12])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '%':
			b.WriteByte('%')
		default:
			return "", fmt.Errorf("%s: unsupported directive %q in format %q", fn, format[start:i+1], format)
		}
	}
	return b.String(), nil
}

func fnParseDatetime(args ...any) (any, error) {
	s, err := tnString("parse_datetime", "s", args[0])
	if err != nil {
		return nil, err
	}
	format, err := tnString("parse_datetime", "format", args[1])
	if err != nil {
		return nil, err
	}
	return strptime("parse_datetime", s, format)
}

// strptimeParts are the regular expressions of Python's _strptime.TimeRE.
var strptimeParts = map[byte]string{
	'd': `3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]`,
	'f': `[0-9]{1,6}`,
	'H': `2[0-3]|[0-1]\d|\d`,
	'I': `1[0-2]|0[1-9]|[1-9]`,
	'j': `36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9]`,
	'm': `1[0-2]|0[1-9]|[1-9]`,
	'M': `[0-5]\d|\d`,
	'S': `6[0-1]|[0-5]\d|\d`,
	'w': `[0-6]`,
	'u': `[1-7]`,
	'y': `\d\d`,
	'Y': `\d\d\d\d`,
	'z': `[+-]\d\d:?[0-5]\d(?::?[0-5]\d(?:\.\d{1,6})?)?|(?-i:Z)`,
	'Z': `utc|gmt`,
	'p': `am|pm`,
	'a': `monday|tuesday|wednesday|thursday|saturday|friday|sunday|mon|tue|wed|thu|fri|sat|sun`,
	'A': `monday|tuesday|wednesday|thursday|saturday|friday|sunday|mon|tue|wed|thu|fri|sat|sun`,
	'b': `september|february|november|december|january|october|august|march|april|june|july|may|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec`,
	'B': `september|february|november|december|january|october|august|march|april|june|july|may|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec`,
}

var strptimeCache sync.Map // format -> *strptimeRE

type strptimeRE struct {
	re    *regexp.Regexp
	order []byte // the directive of each capture group
	err   string // a bad directive, reported per call
}

func compileStrptime(format string) *strptimeRE {
	if c, ok := strptimeCache.Load(format); ok {
		return c.(*strptimeRE)
	}
	c := &strptimeRE{}
	var b strings.Builder
	b.WriteString(`^(?i)`)
	for i := 0; i < len(format); i++ {
		ch := format[i]
		switch {
		case ch == '%':
			i++
			if i >= len(format) {
				c.err = fmt.Sprintf("format %q ends with a lone %%", format)
				break
			}
			dch := format[i]
			if dch == '%' {
				b.WriteString("%")
				continue
			}
			part, ok := strptimeParts[dch]
			if !ok {
				c.err = fmt.Sprintf("bad directive %q in format %q", format[i-1:i+1], format)
				break
			}
			b.WriteString("(" + part + ")")
			c.order = append(c.order, dch)
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v':
			for i+1 < len(format) && strings.IndexByte(" \t\n\r\f\v", format[i+1]) >= 0 {
				i++
			}
			b.WriteString(`\s+`)
		default:
			r, size := utf8.DecodeRuneInString(format[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += size - 1
		}
		if c.err != "" {
			break
		}
	}
	if c.err == "" {
		c.re = regexp.MustCompile(b.String())
	}
	strptimeCache.Store(format, c)
	return c
}

// strptime is Python's datetime.strptime: the whole of s must match format;
// the result is naive unless format has %z.
func strptime(fn, s, format string) (value.DateTime, error) {
	c := compileStrptime(format)
	if c.err != "" {
		return value.DateTime{}, fmt.Errorf("%s: %s", fn, c.err)
	}
	m := c.re.FindStringSubmatchIndex(s)
	if m == nil {
		return value.DateTime{}, fmt.Errorf("%s: time data %q does not match format %q", fn, s, format)
	}
	if m[1] != len(s) {
		return value.DateTime{}, fmt.Errorf("%s: unconverted data remains: %q", fn, s[m[1]:])
	}
	year, month, day, hour, minute, second, us := 1900, 1, 1, 0, 0, 0, 0
	hour12, isPM, hasI, julian := -1, false, false, -1
	var loc *time.Location
	for gi, dch := range c.order {
		v := s[m[2+2*gi]:m[3+2*gi]]
		n := tmAtoi(strings.TrimSpace(v))
		switch dch {
		case 'Y':
			year = n
		case 'y':
			year = n + 1900
			if n <= 68 {
				year = n + 2000
			}
		case 'm':
			month = n
		case 'b', 'B':
			month = monthByName(v) + 1
		case 'd':
			day = n
		case 'H':
			hour = n
		case 'I':
			hour12, hasI = n, true
		case 'p':
			isPM = strings.EqualFold(v, "pm")
		case 'M':
			minute = n
		case 'S':
			second = n
		case 'f':
			us = tmAtoi(v + strings.Repeat("0", 6-len(v)))
		case 'j':
			julian = n
		case 'z':
			if v == "Z" {
				loc = time.UTC
				break
			}
			off, _ := parseISOOffset(strings.SplitN(v, ".", 2)[0])
			loc = fixedZone(off)
		}
	}
	if hasI {
		hour = hour12 % 12
		if isPM {
			hour += 12
		}
	}
	if julian > 0 {
		if julian > time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC).YearDay() {
			return value.DateTime{}, fmt.Errorf("%s: day of year %d is out of range for %d", fn, julian, year)
		}
		t := time.Date(year, 1, julian, 0, 0, 0, 0, time.UTC)
		month, day = int(t.Month()), t.Day()
	}
	if year < 1 {
		return value.DateTime{}, fmt.Errorf("%s: year %d is out of range", fn, year)
	}
	if day > tmDaysIn(year, time.Month(month)) {
		return value.DateTime{}, fmt.Errorf("%s: day %d is out of range for %04d-%02d", fn, day, year, month)
	}
	if second > 59 {
		return value.DateTime{}, fmt.Errorf("%s: second must be in 0..59, got %d", fn, second)
	}
	if loc == nil {
		return value.DateTime{Time: time.Date(year, time.Month(month), day, hour, minute, second, us*1000, time.UTC), Naive: true}, nil
	}
	return value.DateTime{Time: time.Date(year, time.Month(month), day, hour, minute, second, us*1000, loc)}, nil
}

func monthByName(name string) int {
	for i, m := range monthNames {
		if strings.EqualFold(name, m) || strings.EqualFold(name, m[:3]) {
			return i
		}
	}
	return 0
}
