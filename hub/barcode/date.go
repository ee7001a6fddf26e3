package barcode

import (
	"fmt"
	"time"
)

// Date is a calendar date without time of day or zone, as printed on a
// label. The zero Date means "not present".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
// To test expiry: c.Expiry.Compare(barcode.DateOf(time.Now())) < 0.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return sign(d.Year - e.Year)
	case d.Month != e.Month:
		return sign(int(d.Month) - int(e.Month))
	default:
		return sign(d.Day - e.Day)
	}
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// gs1Year expands a two-digit year by the GS1 sliding window (General
// Specifications 7.12): up to 49 years ahead of, or 50 years behind,
// the current year.
func gs1Year(yy, current int) int {
	century := current - current%100
	switch diff := yy - current%100; {
	case diff >= 51:
		return century - 100 + yy
	case diff <= -50:
		return century + 100 + yy
	}
	return century + yy
}

// parseYYMMDD decodes a 6-digit GS1 date. DD=00 means the last day of the
// month when dayZero is true. It returns ok=false for an impossible date.
func parseYYMMDD(v string, currentYear int, dayZero bool) (Date, bool) {
	if len(v) != 6 || nonDigit(v) >= 0 {
		return Date{}, false
	}
	yy := int(v[0]-'0')*10 + int(v[1]-'0')
	mm := int(v[2]-'0')*10 + int(v[3]-'0')
	dd := int(v[4]-'0')*10 + int(v[5]-'0')
	if mm < 1 || mm > 12 {
		return Date{}, false
	}
	y := gs1Year(yy, currentYear)
	last := daysIn(y, time.Month(mm))
	switch {
	case dd == 0 && dayZero:
		dd = last
	case dd < 1 || dd > last:
		return Date{}, false
	}
	return Date{Year: y, Month: time.Month(mm), Day: dd}, true
}
