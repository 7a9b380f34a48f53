package fn

import (
	"testing"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

// tnCase is one call of an FN function: want is Python's repr() of the
// result (so ints, floats, naive and aware datetimes are told apart), err the
// exact error text.
type tnCase struct {
	name string
	fn   string
	args []any
	want string
	err  string
}

func callTN(name string, args ...any) (any, error) {
	f, ok := Lookup(name)
	if !ok {
		panic("no function " + name)
	}
	if err := f.CheckArity(len(args)); err != nil {
		return nil, err
	}
	return f.Call(args...)
}

func checkTN(t *testing.T, c tnCase) {
	t.Helper()
	got, err := callTN(c.fn, c.args...)
	if c.err != "" {
		if err == nil {
			t.Fatalf("%s(%s) = %s, want error %q", c.fn, value.Repr(c.args), value.Repr(got), c.err)
		}
		if err.Error() != c.err {
			t.Fatalf("%s(%s) error\n got: %s\nwant: %s", c.fn, value.Repr(c.args), err, c.err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s(%s) error: %v", c.fn, value.Repr(c.args), err)
	}
	if r := value.Repr(got); r != c.want {
		t.Fatalf("%s(%s)\n got: %s\nwant: %s", c.fn, value.Repr(c.args), r, c.want)
	}
}

func runTN(t *testing.T, cases []tnCase) {
	t.Helper()
	for _, c := range cases {
		name := c.fn + "/" + c.name
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkTN(t, c)
		})
	}
}

func naiveDT(y int, mo time.Month, d, h, mi, s, us int) value.DateTime {
	return value.DateTime{Time: time.Date(y, mo, d, h, mi, s, us*1000, time.UTC), Naive: true}
}

const (
	utcRepr = "tzinfo=datetime.timezone.utc"
	errISO  = "; use ISO 8601 such as 2024-01-31T12:00:00Z or a unix timestamp"
	errDT   = " must be a datetime, an ISO 8601 string or a unix timestamp, got "
)

func TestClock(t *testing.T) {
	// Not parallel: swaps the package clock.
	saved := timeNow
	defer func() { timeNow = saved }()
	timeNow = func() time.Time {
		return time.Date(2024, 1, 31, 9, 15, 30, 123456789, time.FixedZone("CET", 3600))
	}
	for _, c := range []tnCase{
		{"naive local", "now", nil, "datetime.datetime(2024, 1, 31, 9, 15, 30, 123456)", ""},
		{"iso", "now", []any{true}, "'2024-01-31T09:15:30.123456'", ""},
		{"iso seconds", "now", []any{true, "seconds"}, "'2024-01-31T09:15:30'", ""},
		{"not iso", "now", []any{false, "seconds"}, "datetime.datetime(2024, 1, 31, 9, 15, 30, 123456)", ""},
		{"none timespec", "now", []any{true, nil}, "'2024-01-31T09:15:30.123456'", ""},
		{"bad timespec", "now", []any{false, "days"}, "", `now: unknown timespec "days"; use auto, hours, minutes, seconds, milliseconds or microseconds`},
		{"timespec not str", "now", []any{true, 3}, "", "now: timespec must be a string, got int"},
		{"too many", "now", []any{true, "auto", 1}, "", "Function 'now' accepts at most 2 argument(s) but 3 were provided"},
		{"aware", "utcnow", nil, "datetime.datetime(2024, 1, 31, 8, 15, 30, 123456, " + utcRepr + ")", ""},
		{"iso", "utcnow", []any{true}, "'2024-01-31T08:15:30.123456+00:00'", ""},
		{"iso minutes", "utcnow", []any{true, "minutes"}, "'2024-01-31T08:15+00:00'", ""},
		{"iso ms", "utcnow", []any{true, "milliseconds"}, "'2024-01-31T08:15:30.123+00:00'", ""},
		{"date", "today", nil, "datetime.date(2024, 1, 31)", ""},
		{"args", "today", []any{1}, "", "Function 'today' accepts at most 0 argument(s) but 1 were provided"},
		{"naive local", "wall_clock", nil, "datetime.datetime(2024, 1, 31, 9, 15, 30, 123456)", ""},
		{"iso hours", "wall_clock", []any{true, "hours"}, "'2024-01-31T09'", ""},
	} {
		t.Run(c.fn+"/"+c.name, func(t *testing.T) { checkTN(t, c) })
	}
}

func TestDatetime(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"date only", "datetime", []any{2024, 1, 31}, "datetime.datetime(2024, 1, 31, 0, 0)", ""},
		{"full", "datetime", []any{2024, 2, 29, 13, 5, 9}, "datetime.datetime(2024, 2, 29, 13, 5, 9)", ""},
		{"hour minute", "datetime", []any{2024, 2, 29, 13, 5}, "datetime.datetime(2024, 2, 29, 13, 5)", ""},
		{"no leap day", "datetime", []any{2023, 2, 29}, "", "datetime: day 29 is out of range for 2023-02"},
		{"day zero", "datetime", []any{2023, 2, 0}, "", "datetime: day 0 is out of range for 2023-02"},
		{"month", "datetime", []any{2024, 13, 1}, "", "datetime: month must be in 1..12, got 13"},
		{"year", "datetime", []any{0, 1, 1}, "", "datetime: year must be in 1..9999, got 0"},
		{"hour", "datetime", []any{2024, 1, 1, 24}, "", "datetime: hour must be in 0..23, got 24"},
		{"minute", "datetime", []any{2024, 1, 1, 0, 60}, "", "datetime: minute must be in 0..59, got 60"},
		{"second", "datetime", []any{2024, 1, 1, 0, 0, -1}, "", "datetime: second must be in 0..59, got -1"},
		{"str year", "datetime", []any{"2024", 1, 1}, "", "datetime: year must be an int, got str"},
		{"float day", "datetime", []any{2024, 1, 1.0}, "", "datetime: day must be an int, got float"},
		{"too few", "datetime", []any{2024, 1}, "", "Function 'datetime' expects at least 3 argument(s) but 2 were provided"},
	})
}

func TestToDatetime(t *testing.T) {
	t.Parallel()
	dt := naiveDT(2024, 1, 5, 9, 3, 7, 42)
	runTN(t, []tnCase{
		{"Z", "to_datetime", []any{"2024-01-31T12:00:00Z"}, "datetime.datetime(2024, 1, 31, 12, 0, " + utcRepr + ")", ""},
		{"+00:00", "to_datetime", []any{"2024-01-31T12:00:00+00:00"}, "datetime.datetime(2024, 1, 31, 12, 0, " + utcRepr + ")", ""},
		{"date only", "to_datetime", []any{"2024-01-31"}, "datetime.datetime(2024, 1, 31, 0, 0)", ""},
		{"space minutes", "to_datetime", []any{"2024-01-31 12:30"}, "datetime.datetime(2024, 1, 31, 12, 30)", ""},
		{"hour only", "to_datetime", []any{"2024-01-31T12"}, "datetime.datetime(2024, 1, 31, 12, 0)", ""},
		{"fraction and offset", "to_datetime", []any{"2024-01-31T12:30:45.5+05:30"},
			"datetime.datetime(2024, 1, 31, 12, 30, 45, 500000, tzinfo=datetime.timezone(datetime.timedelta(seconds=19800)))", ""},
		{"negative offset", "to_datetime", []any{"2024-01-31T12:30:45-08:00"},
			"datetime.datetime(2024, 1, 31, 12, 30, 45, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=57600)))", ""},
		{"compact offset", "to_datetime", []any{"2024-01-31T12:30:45+0100"},
			"datetime.datetime(2024, 1, 31, 12, 30, 45, tzinfo=datetime.timezone(datetime.timedelta(seconds=3600)))", ""},
		{"basic format", "to_datetime", []any{"20240131T123045"}, "datetime.datetime(2024, 1, 31, 12, 30, 45)", ""},
		{"nanoseconds cut", "to_datetime", []any{"2024-01-31T12:30:45.123456789Z"}, "datetime.datetime(2024, 1, 31, 12, 30, 45, 123456, " + utcRepr + ")", ""},
		{"comma fraction", "to_datetime", []any{"2024-01-31T12:30:45,25"}, "datetime.datetime(2024, 1, 31, 12, 30, 45, 250000)", ""},
		{"epoch", "to_datetime", []any{0}, "datetime.datetime(1970, 1, 1, 0, 0, " + utcRepr + ")", ""},
		{"unix seconds", "to_datetime", []any{1706702400}, "datetime.datetime(2024, 1, 31, 12, 0, " + utcRepr + ")", ""},
		{"float seconds", "to_datetime", []any{1.5}, "datetime.datetime(1970, 1, 1, 0, 0, 1, 500000, " + utcRepr + ")", ""},
		{"datetime", "to_datetime", []any{dt}, "datetime.datetime(2024, 1, 5, 9, 3, 7, 42)", ""},
		{"to zone", "to_datetime", []any{"2024-01-31T12:00:00Z", "America/New_York"},
			"datetime.datetime(2024, 1, 31, 7, 0, tzinfo=zoneinfo.ZoneInfo(key='America/New_York'))", ""},
		{"naive assumed UTC", "to_datetime", []any{"2024-01-31T12:00:00", "Asia/Tokyo"},
			"datetime.datetime(2024, 1, 31, 21, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Tokyo'))", ""},
		{"zone UTC", "to_datetime", []any{"2024-01-31T12:00:00+01:00", "UTC"}, "datetime.datetime(2024, 1, 31, 11, 0, " + utcRepr + ")", ""},
		{"zone None", "to_datetime", []any{"2024-01-31", nil}, "datetime.datetime(2024, 1, 31, 0, 0)", ""},
		{"zone empty", "to_datetime", []any{"2024-01-31", ""}, "datetime.datetime(2024, 1, 31, 0, 0)", ""},
		{"words", "to_datetime", []any{"yesterday"}, "", `to_datetime: cannot parse "yesterday" as a datetime` + errISO},
		{"bad day", "to_datetime", []any{"2024-02-30"}, "", `to_datetime: cannot parse "2024-02-30" as a datetime` + errISO},
		{"bad hour", "to_datetime", []any{"2024-01-31T25:00"}, "", `to_datetime: cannot parse "2024-01-31T25:00" as a datetime` + errISO},
		{"bad separator", "to_datetime", []any{"2024-01-31_12:00"}, "", `to_datetime: cannot parse "2024-01-31_12:00" as a datetime` + errISO},
		{"bad offset", "to_datetime", []any{"2024-01-31T12:00+1"}, "", `to_datetime: cannot parse "2024-01-31T12:00+1" as a datetime` + errISO},
		{"empty", "to_datetime", []any{""}, "", `to_datetime: cannot parse "" as a datetime` + errISO},
		{"bad zone", "to_datetime", []any{"2024-01-31", "Mars/Base"}, "", `to_datetime: unknown time zone "Mars/Base"; use an IANA name such as America/New_York or UTC`},
		{"Local zone", "to_datetime", []any{"2024-01-31", "Local"}, "", `to_datetime: unknown time zone "Local"; use an IANA name such as America/New_York or UTC`},
		{"zone not str", "to_datetime", []any{"2024-01-31", 1}, "", "to_datetime: timezone must be a string, got int"},
		{"bool", "to_datetime", []any{true}, "", "to_datetime: x" + errDT + "bool"},
		{"None", "to_datetime", []any{nil}, "", "to_datetime: x" + errDT + "NoneType"},
		{"year 10000", "to_datetime", []any{253402300800}, "", "to_datetime: 253402300800 is out of range for a datetime (years 1 to 9999)"},
	})
}

func TestParseDatetime(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"basic", "parse_datetime", []any{"2024-01-31 12:30:45", "%Y-%m-%d %H:%M:%S"}, "datetime.datetime(2024, 1, 31, 12, 30, 45)", ""},
		{"12 hour", "parse_datetime", []any{"31/01/24 1:05 PM", "%d/%m/%y %I:%M %p"}, "datetime.datetime(2024, 1, 31, 13, 5)", ""},
		{"midnight am", "parse_datetime", []any{"12:00 am", "%I:%M %p"}, "datetime.datetime(1900, 1, 1, 0, 0)", ""},
		{"noon pm", "parse_datetime", []any{"12:10 pm", "%I:%M %p"}, "datetime.datetime(1900, 1, 1, 12, 10)", ""},
		{"year 69", "parse_datetime", []any{"69", "%y"}, "datetime.datetime(1969, 1, 1, 0, 0)", ""},
		{"offset", "parse_datetime", []any{"2024-01-31T12:00:00.5+0100", "%Y-%m-%dT%H:%M:%S.%f%z"},
			"datetime.datetime(2024, 1, 31, 12, 0, 0, 500000, tzinfo=datetime.timezone(datetime.timedelta(seconds=3600)))", ""},
		{"offset colon", "parse_datetime", []any{"2024-01-31 12:00 -05:30", "%Y-%m-%d %H:%M %z"},
			"datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=66600)))", ""},
		{"Z", "parse_datetime", []any{"2024-01-31T12:00:00Z", "%Y-%m-%dT%H:%M:%S%z"}, "datetime.datetime(2024, 1, 31, 12, 0, " + utcRepr + ")", ""},
		{"rfc 1123", "parse_datetime", []any{"Wed, 31 Jan 2024 12:00:00 GMT", "%a, %d %b %Y %H:%M:%S %Z"}, "datetime.datetime(2024, 1, 31, 12, 0)", ""},
		{"names any case", "parse_datetime", []any{"march 5 2024", "%B %d %Y"}, "datetime.datetime(2024, 3, 5, 0, 0)", ""},
		{"day of year", "parse_datetime", []any{"2024 032", "%Y %j"}, "datetime.datetime(2024, 2, 1, 0, 0)", ""},
		{"whitespace run", "parse_datetime", []any{"2024-01-31 \t 12", "%Y-%m-%d %H"}, "datetime.datetime(2024, 1, 31, 12, 0)", ""},
		{"percent", "parse_datetime", []any{"50% 2024", "50%% %Y"}, "datetime.datetime(2024, 1, 1, 0, 0)", ""},
		{"literal regex chars", "parse_datetime", []any{"(2024).[01]", "(%Y).[%m]"}, "datetime.datetime(2024, 1, 1, 0, 0)", ""},
		{"leftover", "parse_datetime", []any{"2024-01-31", "%Y-%m"}, "", `parse_datetime: unconverted data remains: "-31"`},
		{"no match", "parse_datetime", []any{"2024/01/31", "%Y-%m-%d"}, "", `parse_datetime: time data "2024/01/31" does not match format "%Y-%m-%d"`},
		{"bad directive", "parse_datetime", []any{"2024", "%Q"}, "", `parse_datetime: bad directive "%Q" in format "%Q"`},
		{"lone percent", "parse_datetime", []any{"2024", "%Y%"}, "", `parse_datetime: format "%Y%" ends with a lone %`},
		{"bad day", "parse_datetime", []any{"2023-02-29", "%Y-%m-%d"}, "", "parse_datetime: day 29 is out of range for 2023-02"},
		{"bad day of year", "parse_datetime", []any{"2023 366", "%Y %j"}, "", "parse_datetime: day of year 366 is out of range for 2023"},
		{"leap second", "parse_datetime", []any{"23:59:60", "%H:%M:%S"}, "", "parse_datetime: second must be in 0..59, got 60"},
		{"s not str", "parse_datetime", []any{123, "%Y"}, "", "parse_datetime: s must be a string, got int"},
		{"format not str", "parse_datetime", []any{"2024", nil}, "", "parse_datetime: format must be a string, got NoneType"},
	})
}

func TestTimeOfDay(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"HH:MM", "parse_time", []any{"09:30"}, "datetime.time(9, 30)", ""},
		{"H:MM:SS", "parse_time", []any{"9:05:07"}, "datetime.time(9, 5, 7)", ""},
		{"bad hour", "parse_time", []any{"25:00"}, "", `parse_time: cannot parse "25:00" as a time; use HH:MM or HH:MM:SS such as 09:30`},
		{"words", "parse_time", []any{"noon"}, "", `parse_time: cannot parse "noon" as a time; use HH:MM or HH:MM:SS such as 09:30`},
		{"not str", "parse_time", []any{930}, "", "parse_time: s must be a string, got int"},
		{"clock", "to_time", []any{"17:45"}, "datetime.time(17, 45)", ""},
		{"iso datetime", "to_time", []any{"2024-01-31T12:34:56.789Z"}, "datetime.time(12, 34, 56, 789000)", ""},
		{"datetime", "to_time", []any{naiveDT(2024, 1, 5, 9, 3, 7, 42)}, "datetime.time(9, 3, 7, 42)", ""},
		{"time", "to_time", []any{value.TimeOfDay{Hour: 8}}, "datetime.time(8, 0)", ""},
		{"unix", "to_time", []any{3661}, "datetime.time(1, 1, 1)", ""},
		{"words", "to_time", []any{"noon"}, "", `to_time: cannot parse "noon" as a time; use HH:MM, HH:MM:SS or an ISO 8601 datetime`},
		{"list", "to_time", []any{[]any{}}, "", "to_time: x must be a time, a datetime or a string, got list"},
	})
}

func TestFormatDatetime(t *testing.T) {
	t.Parallel()
	dt := naiveDT(2024, 1, 5, 9, 3, 7, 42)
	runTN(t, []tnCase{
		{"micro", "format_datetime", []any{dt, "%Y-%m-%d %H:%M:%S.%f"}, "'2024-01-05 09:03:07.000042'", ""},
		{"names and zone", "format_datetime", []any{"2024-01-05T13:03:07+01:00", "%a %A %b %h %B %d %e %j %I %l %p %P %y %C %z %Z %:z"},
			"'Fri Friday Jan Jan January 05  5 005 01  1 PM pm 24 20 +0100 UTC+01:00 +01:00'", ""},
		{"utc", "format_datetime", []any{"2024-01-05T13:03:07Z", "%z %Z %s"}, "'+0000 UTC 1704459787'", ""},
		{"fixed zone name", "format_datetime", []any{"2024-07-01T12:00:00+02:00", "%H:%M %Z"}, "'12:00 UTC+02:00'", ""},
		{"iana zone abbreviation", "format_datetime", []any{value.DateTime{Time: time.Date(2024, 7, 1, 12, 0, 0, 0, mustZone("Europe/Paris"))}, "%H:%M %Z %z"}, "'12:00 CEST +0200'", ""},
		{"naive zone empty", "format_datetime", []any{dt, "[%z|%Z|%:z]"}, "'[||]'", ""},
		{"no padding", "format_datetime", []any{dt, "%-d/%-m/%Y %-H:%M %-I %-j"}, "'5/1/2024 9:03 9 5'", ""},
		{"locale forms", "format_datetime", []any{dt, "%c|%x|%X"}, "'Fri Jan  5 09:03:07 2024|01/05/24|09:03:07'", ""},
		{"shortcuts", "format_datetime", []any{dt, "%F %T %D %R %r %k"}, "'2024-01-05 09:03:07 01/05/24 09:03 09:03:07 AM  9'", ""},
		{"weeks", "format_datetime", []any{dt, "%U %W %V %G %g %u %w"}, "'00 01 01 2024 24 5 5'", ""},
		{"iso week of previous year", "format_datetime", []any{"2021-01-03", "%G-W%V-%u"}, "'2020-W53-7'", ""},
		{"escapes", "format_datetime", []any{dt, "100%% %Y%n%t"}, "'100% 2024\\n\\t'", ""},
		{"unicode literal", "format_datetime", []any{dt, "%d → %m"}, "'05 → 01'", ""},
		{"date", "format_datetime", []any{value.Date{Year: 2024, Month: 1, Day: 31}, "%Y/%m/%d %H"}, "'2024/01/31 00'", ""},
		{"time", "format_datetime", []any{value.TimeOfDay{Hour: 17, Minute: 5}, "%H:%M"}, "'17:05'", ""},
		{"unix", "format_datetime", []any{0, "%Y-%m-%dT%H:%M:%S%z"}, "'1970-01-01T00:00:00+0000'", ""},
		{"unknown directive", "format_datetime", []any{dt, "%Y %Q"}, "", `format_datetime: unsupported directive "%Q" in format "%Y %Q"`},
		{"unknown flag", "format_datetime", []any{dt, "%_d"}, "", `format_datetime: unsupported directive "%_" in format "%_d"`},
		{"lone percent", "format_datetime", []any{dt, "100%"}, "", `format_datetime: format "100%" ends with a lone %`},
		{"lone flag", "format_datetime", []any{dt, "%-"}, "", `format_datetime: format "%-" ends with an incomplete directive "%-"`},
		{"format not str", "format_datetime", []any{dt, 5}, "", "format_datetime: format must be a string, got int"},
		{"bad string", "format_datetime", []any{"bad", "%Y"}, "", `format_datetime: cannot parse "bad" as a datetime` + errISO},
		{"bad type", "format_datetime", []any{[]any{}, "%Y"}, "", "format_datetime: x" + errDT + "list"},
	})
}

func TestToIsoformat(t *testing.T) {
	t.Parallel()
	dt := naiveDT(2024, 1, 5, 9, 3, 7, 42)
	runTN(t, []tnCase{
		{"utc", "to_isoformat", []any{"2024-01-31T12:00:00Z"}, "'2024-01-31T12:00:00+00:00'", ""},
		{"offset", "to_isoformat", []any{"2024-01-31T12:00:00+05:30"}, "'2024-01-31T12:00:00+05:30'", ""},
		{"naive micro", "to_isoformat", []any{dt}, "'2024-01-05T09:03:07.000042'", ""},
		{"hours", "to_isoformat", []any{dt, "hours"}, "'2024-01-05T09'", ""},
		{"minutes", "to_isoformat", []any{dt, "minutes"}, "'2024-01-05T09:03'", ""},
		{"seconds", "to_isoformat", []any{dt, "seconds"}, "'2024-01-05T09:03:07'", ""},
		{"milliseconds", "to_isoformat", []any{dt, "milliseconds"}, "'2024-01-05T09:03:07.000'", ""},
		{"microseconds", "to_isoformat", []any{"2024-01-31T12:00:00Z", "microseconds"}, "'2024-01-31T12:00:00.000000+00:00'", ""},
		{"zone", "to_isoformat", []any{value.DateTime{Time: time.Date(2024, 7, 1, 14, 0, 0, 0, mustZone("Europe/Paris"))}}, "'2024-07-01T14:00:00+02:00'", ""},
		{"date", "to_isoformat", []any{value.Date{Year: 2024, Month: 1, Day: 31}}, "'2024-01-31'", ""},
		{"time", "to_isoformat", []any{value.TimeOfDay{Hour: 9, Minute: 30}}, "'09:30:00'", ""},
		{"time minutes", "to_isoformat", []any{value.TimeOfDay{Hour: 9, Minute: 30}, "minutes"}, "'09:30'", ""},
		{"bad timespec", "to_isoformat", []any{dt, "days"}, "", `to_isoformat: unknown timespec "days"; use auto, hours, minutes, seconds, milliseconds or microseconds`},
		{"bad input", "to_isoformat", []any{"31.01.2024"}, "", `to_isoformat: cannot parse "31.01.2024" as a datetime` + errISO},
	})
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestTimestamps(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"aware", "to_timestamp", []any{"2024-01-31T12:00:00Z"}, "1706702400", ""},
		{"naive assumed UTC", "to_timestamp", []any{"2024-01-31T12:00:00"}, "1706702400", ""},
		{"ms", "to_timestamp", []any{"2024-01-31T12:00:00.999+01:00", "ms"}, "1706698800999", ""},
		{"truncates toward zero", "to_timestamp", []any{"1969-12-31T23:59:59.5Z"}, "0", ""},
		{"negative", "to_timestamp", []any{"1969-12-31T23:59:59Z", "s"}, "-1", ""},
		{"unit None", "to_timestamp", []any{"1970-01-01T00:00:01Z", nil}, "1", ""},
		{"int", "to_timestamp", []any{1706702400}, "1706702400", ""},
		{"bad unit", "to_timestamp", []any{"2024-01-31", "us"}, "", `to_timestamp: unit must be "s" or "ms", got "us"`},
		{"bad input", "to_timestamp", []any{value.NewMap(0)}, "", "to_timestamp: x" + errDT + "dict"},

		{"seconds", "from_timestamp", []any{1706702400}, "datetime.datetime(2024, 1, 31, 12, 0, " + utcRepr + ")", ""},
		{"ms", "from_timestamp", []any{1706702400123, "ms"}, "datetime.datetime(2024, 1, 31, 12, 0, 0, 123000, " + utcRepr + ")", ""},
		{"float", "from_timestamp", []any{1.5}, "datetime.datetime(1970, 1, 1, 0, 0, 1, 500000, " + utcRepr + ")", ""},
		{"float ms", "from_timestamp", []any{1500.0005, "ms"}, "datetime.datetime(1970, 1, 1, 0, 0, 1, 500000, " + utcRepr + ")", ""},
		{"negative", "from_timestamp", []any{-1}, "datetime.datetime(1969, 12, 31, 23, 59, 59, " + utcRepr + ")", ""},
		{"str", "from_timestamp", []any{"1706702400"}, "", "from_timestamp: x must be a number, got str"},
		{"bad unit", "from_timestamp", []any{1, "sec"}, "", `from_timestamp: unit must be "s" or "ms", got "sec"`},
		{"huge float", "from_timestamp", []any{1e20}, "", "from_timestamp: x 1e+20 is out of range for a datetime (years 1 to 9999)"},
		{"year 10000", "from_timestamp", []any{253402300800}, "", "from_timestamp: 253402300800 is out of range for a datetime (years 1 to 9999)"},

		{"epoch 1601", "windows_filetime", []any{"1601-01-01T00:00:00Z"}, "0", ""},
		{"unix epoch", "windows_filetime", []any{"1970-01-01T00:00:00Z"}, "116444736000000000", ""},
		{"microsecond", "windows_filetime", []any{"2024-01-31T12:00:00.000001Z"}, "133511760000000016", ""},
		{"naive assumed UTC", "windows_filetime", []any{"2024-01-31T13:00:00.000001+01:00"}, "133511760000000016", ""},
		{"bad", "windows_filetime", []any{"soon"}, "", `windows_filetime: cannot parse "soon" as a datetime` + errISO},
	})
}

func TestTimezones(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"summer", "set_timezone", []any{"2024-07-01T12:00:00Z", "Europe/Paris"}, "datetime.datetime(2024, 7, 1, 14, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))", ""},
		{"winter", "set_timezone", []any{"2024-01-01T12:00:00Z", "Europe/Paris"}, "datetime.datetime(2024, 1, 1, 13, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))", ""},
		{"naive assumed UTC", "set_timezone", []any{"2024-07-01T12:00:00", "America/New_York"}, "datetime.datetime(2024, 7, 1, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='America/New_York'))", ""},
		{"to UTC", "set_timezone", []any{"2024-07-01T12:00:00+02:00", "UTC"}, "datetime.datetime(2024, 7, 1, 10, 0, " + utcRepr + ")", ""},
		{"bad zone", "set_timezone", []any{"2024-07-01", "Europe/Atlantis"}, "", `set_timezone: unknown time zone "Europe/Atlantis"; use an IANA name such as America/New_York or UTC`},
		{"empty zone", "set_timezone", []any{"2024-07-01", ""}, "", `set_timezone: unknown time zone ""; use an IANA name such as America/New_York or UTC`},
		{"zone not str", "set_timezone", []any{"2024-07-01", 5}, "", "set_timezone: timezone must be a string, got int"},
		{"bad x", "set_timezone", []any{nil, "UTC"}, "", "set_timezone: x" + errDT + "NoneType"},
		{"keeps wall time", "unset_timezone", []any{"2024-07-01T14:00:00.5+02:00"}, "datetime.datetime(2024, 7, 1, 14, 0, 0, 500000)", ""},
		{"naive stays", "unset_timezone", []any{"2024-07-01T14:00"}, "datetime.datetime(2024, 7, 1, 14, 0)", ""},
		{"bad", "unset_timezone", []any{"later"}, "", `unset_timezone: cannot parse "later" as a datetime` + errISO},
	})
}

func TestDurations(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"int", "seconds", []any{90}, "datetime.timedelta(seconds=90)", ""},
		{"float", "seconds", []any{1.5}, "datetime.timedelta(seconds=1, microseconds=500000)", ""},
		{"zero", "seconds", []any{0}, "datetime.timedelta(0)", ""},
		{"rounds to microseconds", "seconds", []any{0.0000005}, "datetime.timedelta(0)", ""},
		{"negative", "minutes", []any{-1}, "datetime.timedelta(days=-1, seconds=86340)", ""},
		{"over a day", "hours", []any{25}, "datetime.timedelta(days=1, seconds=3600)", ""},
		{"int", "days", []any{2}, "datetime.timedelta(days=2)", ""},
		{"half", "days", []any{0.5}, "datetime.timedelta(seconds=43200)", ""},
		{"int", "weeks", []any{1}, "datetime.timedelta(days=7)", ""},
		{"str", "days", []any{"1"}, "", "days: n must be a number, got str"},
		{"None", "weeks", []any{nil}, "", "weeks: n must be a number, got NoneType"},
		{"too big", "days", []any{200000}, "", "days: 200000 days is out of range for a duration (at most about 292 years)"},
		{"too big float", "hours", []any{1e12}, "", "hours: 1000000000000.0 hours is out of range for a duration (at most about 292 years)"},

		{"seconds", "seconds_between", []any{"2024-01-31T12:00:00Z", "2024-01-31T12:01:30Z"}, "90.0", ""},
		{"fraction", "seconds_between", []any{"2024-01-31T12:00:00Z", "2024-01-31T12:00:00.25Z"}, "0.25", ""},
		{"backwards", "seconds_between", []any{"2024-01-02", "2024-01-01"}, "-86400.0", ""},
		{"unix", "seconds_between", []any{0, 60}, "60.0", ""},
		{"minutes", "minutes_between", []any{"2024-01-31T12:00:00Z", "2024-01-31T12:01:30Z"}, "1.5", ""},
		{"third", "minutes_between", []any{"2024-01-31T12:00:00Z", "2024-01-31T12:00:20Z"}, "0.3333333333333333", ""},
		{"across zones", "hours_between", []any{"2024-01-31T00:00:00Z", "2024-01-31T06:00:00+01:00"}, "5.0", ""},
		{"days", "days_between", []any{"2024-01-01", "2024-01-31T12:00:00"}, "30.5", ""},
		{"weeks", "weeks_between", []any{"2024-01-01", "2024-01-15"}, "2.0", ""},
		{"datetimes", "days_between", []any{naiveDT(2024, 1, 1, 0, 0, 0, 0), naiveDT(2024, 1, 2, 0, 0, 0, 0)}, "1.0", ""},
		{"naive and aware", "seconds_between", []any{"2024-01-01", "2024-01-01T00:00:00Z"}, "",
			"seconds_between: cannot subtract a naive and an aware datetime (2024-01-01T00:00:00 and 2024-01-01T00:00:00+00:00); give both or neither a time zone"},
		{"bad start", "hours_between", []any{nil, "2024-01-01"}, "", "hours_between: start" + errDT + "NoneType"},
		{"bad end", "weeks_between", []any{"2024-01-01", "next week"}, "", `weeks_between: cannot parse "next week" as a datetime` + errISO},
	})
}

func TestDateParts(t *testing.T) {
	t.Parallel()
	date := value.Date{Year: 2024, Month: 1, Day: 31}
	runTN(t, []tnCase{
		{"str", "get_second", []any{"2024-01-31T12:34:56Z"}, "56", ""},
		{"str", "get_minute", []any{"2024-01-31T12:34:56Z"}, "34", ""},
		{"str", "get_hour", []any{"2024-01-31T12:34:56Z"}, "12", ""},
		{"local wall time", "get_hour", []any{"2024-01-31T23:15:00+05:30"}, "23", ""},
		{"unix", "get_hour", []any{3600}, "1", ""},
		{"str", "get_day", []any{"2024-01-31T12:34:56Z"}, "31", ""},
		{"str", "get_year", []any{"2024-01-31T12:34:56Z"}, "2024", ""},
		{"date", "get_day", []any{date}, "31", ""},
		{"date", "get_year", []any{date}, "2024", ""},
		{"date", "get_hour", []any{date}, "", "get_hour: x" + errDT + "date"},
		{"bad", "get_minute", []any{"noon"}, "", `get_minute: cannot parse "noon" as a datetime` + errISO},
		{"bad type", "get_second", []any{true}, "", "get_second: x" + errDT + "bool"},

		{"number", "get_day_of_week", []any{"2024-01-31"}, "2", ""},
		{"monday", "get_day_of_week", []any{"2024-01-29", "number"}, "0", ""},
		{"sunday", "get_day_of_week", []any{"2024-02-04"}, "6", ""},
		{"full", "get_day_of_week", []any{"2024-01-31", "full"}, "'Wednesday'", ""},
		{"short", "get_day_of_week", []any{"2024-01-31", "short"}, "'Wed'", ""},
		{"date", "get_day_of_week", []any{date, "short"}, "'Wed'", ""},
		{"bad format", "get_day_of_week", []any{"2024-01-31", "long"}, "", `get_day_of_week: format must be 'number', 'full' or 'short', got "long"`},
		{"format not str", "get_day_of_week", []any{"2024-01-31", 1}, "", "get_day_of_week: format must be a string, got int"},

		{"number", "get_month", []any{"2024-09-01"}, "9", ""},
		{"full", "get_month", []any{"2024-09-01", "full"}, "'September'", ""},
		{"short", "get_month", []any{"2024-09-01", "short"}, "'Sep'", ""},
		{"date", "get_month", []any{date, "full"}, "'January'", ""},
		{"bad format", "get_month", []any{"2024-09-01", "roman"}, "", `get_month: format must be 'number', 'full' or 'short', got "roman"`},
		{"bad", "get_month", []any{"September"}, "", `get_month: cannot parse "September" as a datetime` + errISO},
	})
}

func TestIsWorkingHours(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"inside", "is_working_hours", []any{"2024-01-31T10:00:00Z", "09:00", "17:00"}, "True", ""},
		{"start inclusive", "is_working_hours", []any{"2024-01-31T09:00:00Z", "09:00", "17:00"}, "True", ""},
		{"end inclusive", "is_working_hours", []any{"2024-01-31T17:00:00Z", "09:00", "17:00"}, "True", ""},
		{"after end", "is_working_hours", []any{"2024-01-31T17:00:01Z", "09:00", "17:00"}, "False", ""},
		{"before start", "is_working_hours", []any{"2024-01-31T08:59:59Z", "09:00", "17:00"}, "False", ""},
		{"seconds in bounds", "is_working_hours", []any{"2024-01-31T17:00:30Z", "09:00", "17:00:30"}, "True", ""},
		{"saturday", "is_working_hours", []any{"2024-02-03T10:00:00Z", "09:00", "17:00"}, "False", ""},
		{"saturday included", "is_working_hours", []any{"2024-02-03T10:00:00Z", "09:00", "17:00", true}, "True", ""},
		{"sunday", "is_working_hours", []any{"2024-02-04T10:00:00Z", "09:00", "17:00", false}, "False", ""},
		{"overnight late", "is_working_hours", []any{"2024-01-31T23:30:00Z", "22:00", "06:00"}, "True", ""},
		{"overnight early", "is_working_hours", []any{"2024-01-31T05:00:00Z", "22:00", "06:00"}, "True", ""},
		{"overnight day", "is_working_hours", []any{"2024-01-31T12:00:00Z", "22:00", "06:00"}, "False", ""},
		{"zone inside", "is_working_hours", []any{"2024-01-31T15:00:00Z", "09:00", "17:00", false, "America/New_York"}, "True", ""},
		{"zone outside", "is_working_hours", []any{"2024-01-31T23:00:00Z", "09:00", "17:00", false, "America/New_York"}, "False", ""},
		{"zone moves weekday", "is_working_hours", []any{"2024-02-03T02:00:00Z", "09:00", "23:59", false, "America/Los_Angeles"}, "True", ""},
		{"zone None", "is_working_hours", []any{"2024-01-31T10:00:00Z", "09:00", "17:00", nil, nil}, "True", ""},
		{"naive", "is_working_hours", []any{naiveDT(2024, 1, 31, 10, 0, 0, 0), "9:00", "17:00"}, "True", ""},
		{"bad start", "is_working_hours", []any{"2024-01-31T10:00:00Z", "9am", "17:00"}, "", `is_working_hours: start "9am" is not a time; use HH:MM or HH:MM:SS such as 09:30`},
		{"bad end", "is_working_hours", []any{"2024-01-31T10:00:00Z", "09:00", "24:00"}, "", `is_working_hours: end "24:00" is not a time; use HH:MM or HH:MM:SS such as 09:30`},
		{"start not str", "is_working_hours", []any{"2024-01-31T10:00:00Z", 9, "17:00"}, "", `is_working_hours: start must be a time string such as "09:30", got int`},
		{"bad zone", "is_working_hours", []any{"2024-01-31T10:00:00Z", "09:00", "17:00", false, "EST5"}, "", `is_working_hours: unknown time zone "EST5"; use an IANA name such as America/New_York or UTC`},
		{"bad x", "is_working_hours", []any{"now", "09:00", "17:00"}, "", `is_working_hours: cannot parse "now" as a datetime` + errISO},
	})
}

func TestTimeFunctionsRegistered(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"now", "utcnow", "today", "wall_clock", "datetime", "to_datetime", "parse_datetime",
		"parse_time", "to_time", "format_datetime", "to_isoformat", "to_timestamp", "from_timestamp", "set_timezone",
		"unset_timezone", "windows_filetime", "seconds", "minutes", "hours", "days", "weeks", "seconds_between",
		"minutes_between", "hours_between", "days_between", "weeks_between", "get_second", "get_minute", "get_hour",
		"get_day", "get_year", "get_day_of_week", "get_month", "is_working_hours"} {
		if f, ok := Lookup(name); !ok || f.Doc == "" {
			t.Errorf("%s is not registered or has no doc", name)
		}
	}
}
