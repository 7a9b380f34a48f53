package expr

import (
	"testing"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

// Python's date + timedelta counts whole days of the duration, floored:
// an hour back from a date is the day before.
func TestDateArithmetic(t *testing.T) {
	t.Parallel()
	d := value.Date{Year: 2024, Month: time.January, Day: 2}
	tests := []struct {
		name string
		got  func() (any, error)
		want string
	}{
		{"date + -1h", func() (any, error) { return opAdd(d, -time.Hour) }, "datetime.date(2024, 1, 1)"},
		{"1 day + date", func() (any, error) { return opAdd(24*time.Hour, d) }, "datetime.date(2024, 1, 3)"},
		{"date - 1 day", func() (any, error) { return opSub(d, 24*time.Hour) }, "datetime.date(2024, 1, 1)"},
		{"date - date", func() (any, error) { return opSub(d, value.Date{Year: 2023, Month: time.December, Day: 31}) }, "datetime.timedelta(days=2)"},
	}
	for _, tt := range tests {
		got, err := tt.got()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if r := value.Repr(got); r != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, r, tt.want)
		}
	}
}
