package vigil

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar date with no time of day or zone, such as a date of
// birth. The zero Date means "not known".
type Date struct{ t time.Time }

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date { return NewDate(t.Date()) }

// ParseDate reads an ISO date, 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Errorf(EINVALID, "%q is not a date in the form YYYY-MM-DD.", s)
	}
	return Date{t}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns d as 2006-01-02, or "" when unset.
func (d Date) String() string {
	if d.t.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// Format returns d in the given time layout, or "" when unset.
func (d Date) Format(layout string) string {
	if d.t.IsZero() {
		return ""
	}
	return d.t.Format(layout)
}

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time { return d.t }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// AgeOn returns the age in whole years of someone born on d, on day.
func (d Date) AgeOn(day Date) int {
	age := day.t.Year() - d.t.Year()
	if day.t.Month() < d.t.Month() || day.t.Month() == d.t.Month() && day.t.Day() < d.t.Day() {
		age--
	}
	return age
}

// Value stores d as ISO text, or NULL when unset.
func (d Date) Value() (driver.Value, error) {
	if d.t.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a date from either database: PostgreSQL gives a time.Time and
// SQLite gives text.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = NewDate(v.Date())
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("scan date: unexpected %T", src)
	}
	return nil
}

func (d *Date) scanText(s string) error {
	if len(s) >= 10 {
		s = s[:10]
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("scan date: %w", err)
	}
	*d = Date{t}
	return nil
}
