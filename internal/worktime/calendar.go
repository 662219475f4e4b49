// Package worktime is the working-time calendar that case deadlines (SLA) are
// computed with: the working periods of a day and the public-holiday calendar
// with its make-up workdays (调休), both read from the database (tables
// work_hours and work_calendar), never hard-coded.
//
// All instants going in and out are UTC; the arithmetic happens in
// Asia/Shanghai local time. A day is a workday if it is Monday to Friday and
// not listed as a holiday, or if it is listed as a workday (a Saturday or
// Sunday made up for a holiday). Working time is the union of the working
// periods on workdays.
package worktime

import (
	"slices"
	"time"

	"github.com/tongxin/tongxin/internal/platform/clock"
)

// DayKind says whether a listed day is a holiday or a (make-up) workday.
type DayKind string

const (
	Holiday DayKind = "holiday"
	Workday DayKind = "workday"
)

// Valid reports whether k is one of the known kinds.
func (k DayKind) Valid() bool { return k == Holiday || k == Workday }

// Period is a working period of every workday, in minutes after local
// midnight (Asia/Shanghai): [StartMinute, EndMinute).
type Period struct {
	StartMinute int `json:"start_minute"`
	EndMinute   int `json:"end_minute"`
}

// DefaultPeriods are the working hours seeded by the migration (08:30–12:00,
// 13:30–17:30); New falls back to them when it is given no usable period.
var DefaultPeriods = []Period{{510, 720}, {810, 1050}}

// MinutesPerDay bounds Period minutes.
const MinutesPerDay = 24 * 60

// DateLayout is the layout of calendar days ("YYYY-MM-DD").
const DateLayout = "2006-01-02"

// Calendar is a working-time calendar. It is immutable and safe for
// concurrent use; the server builds a new one when the data changes.
type Calendar struct {
	loc      *time.Location
	days     map[int64]DayKind // civil day number → kind
	listed   []int64           // the keys of days, sorted
	periods  []Period          // sorted, disjoint, non-empty
	weekWork time.Duration     // working time of 7 consecutive unlisted days without zone change
}

// New builds a calendar from listed days (keyed "YYYY-MM-DD"; keys that are
// not real dates and unknown kinds are ignored) and the working periods of a
// day. Periods are clipped to the day, sorted and merged where they overlap
// or touch; with no non-empty period left, DefaultPeriods are used, so that
// Add always terminates.
func New(days map[string]DayKind, periods []Period) *Calendar {
	c := &Calendar{loc: clock.Shanghai, days: make(map[int64]DayKind, len(days))}
	for s, k := range days {
		n, ok := parseDay(s)
		if !ok || !k.Valid() {
			continue
		}
		c.days[n] = k
		c.listed = append(c.listed, n)
	}
	slices.Sort(c.listed)
	c.periods = normalize(periods)
	if len(c.periods) == 0 {
		c.periods = normalize(DefaultPeriods)
	}
	var daily time.Duration
	for _, p := range c.periods {
		daily += time.Duration(p.EndMinute-p.StartMinute) * time.Minute
	}
	c.weekWork = 5 * daily
	return c
}

func normalize(in []Period) []Period {
	ps := make([]Period, 0, len(in))
	for _, p := range in {
		p.StartMinute = max(p.StartMinute, 0)
		p.EndMinute = min(p.EndMinute, MinutesPerDay)
		if p.EndMinute > p.StartMinute {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b Period) int { return a.StartMinute - b.StartMinute })
	out := ps[:0]
	for _, p := range ps {
		if n := len(out); n > 0 && p.StartMinute <= out[n-1].EndMinute {
			out[n-1].EndMinute = max(out[n-1].EndMinute, p.EndMinute)
			continue
		}
		out = append(out, p)
	}
	return out
}

// Periods returns the working periods of a workday, sorted and disjoint.
func (c *Calendar) Periods() []Period { return slices.Clone(c.periods) }

// IsWorkday reports whether the local (Asia/Shanghai) date of t is a
// workday: Monday to Friday unless listed as a holiday, Saturday and Sunday
// only if listed as a workday.
func (c *Calendar) IsWorkday(t time.Time) bool {
	return c.isWorkday(c.dayOf(t))
}

// IsWorkingTime reports whether t falls inside a working period of a workday.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	n := c.dayOf(t)
	if !c.isWorkday(n) {
		return false
	}
	for _, p := range c.periods {
		ps, pe := c.period(n, p)
		if !t.Before(ps) && t.Before(pe) {
			return true
		}
	}
	return false
}

// Add returns the instant at which d of working time has passed since start.
// Counting begins at start if it is working time, else at the next working
// period. When d runs out exactly at the end of a period, that end is the
// answer (not the start of the next period). d <= 0 returns start.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	rem := d
	day := c.dayOf(start)
	cur := start
	for {
		if c.isWorkday(day) {
			for _, p := range c.periods {
				ps, pe := c.period(day, p)
				if !pe.After(cur) {
					continue
				}
				from := ps
				if cur.After(ps) {
					from = cur
				}
				avail := pe.Sub(from)
				if avail <= 0 {
					continue
				}
				if rem <= avail {
					return from.Add(rem).UTC()
				}
				rem -= avail
				cur = pe
			}
		}
		day++
		// Whole weeks that hold no listed day and no change of UTC offset
		// contain exactly five workdays of full periods. Skip them while more
		// than a week's work remains, so the answer lies beyond them.
		for rem > c.weekWork && c.plainWeek(day) {
			rem -= c.weekWork
			day += 7
		}
	}
}

// Between returns the working time in [a, b); 0 if b is not after a.
// Between(start, Add(start, d)) == d for every start and d > 0.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	first, last := c.dayOf(a), c.dayOf(b)
	var total time.Duration
	for day := first; day <= last; {
		// A week lying wholly inside [a, b) (it starts after a's day and ends
		// at or before the start of b's day) counts whole if it is plain.
		if day > first && day+7 <= last && c.plainWeek(day) {
			total += c.weekWork
			day += 7
			continue
		}
		if c.isWorkday(day) {
			for _, p := range c.periods {
				ps, pe := c.period(day, p)
				if ps.Before(a) {
					ps = a
				}
				if pe.After(b) {
					pe = b
				}
				if pe.After(ps) {
					total += pe.Sub(ps)
				}
			}
		}
		day++
	}
	return total
}

// AddCalendar adds plain clock time, for categories whose SLA counts calendar
// hours. d <= 0 returns start.
func AddCalendar(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	return start.Add(d).UTC()
}

// isWorkday reports whether civil day n is a workday.
func (c *Calendar) isWorkday(n int64) bool {
	if k, ok := c.days[n]; ok {
		return k == Workday
	}
	wd := weekday(n)
	return wd != time.Saturday && wd != time.Sunday
}

// plainWeek reports whether the seven days from n on hold no listed day and
// lie well inside one span of constant UTC offset, so that their working time
// is exactly weekWork (five weekdays of full periods, each as long as its
// minutes say). The margin of a day on either side makes sure every local
// time of the week exists, is unambiguous, and maps with that offset.
func (c *Calendar) plainWeek(n int64) bool {
	i, _ := slices.BinarySearch(c.listed, n)
	if i < len(c.listed) && c.listed[i] < n+7 {
		return false
	}
	from := c.dayStart(n)
	start, end := from.ZoneBounds()
	return (start.IsZero() || !start.After(from.Add(-24*time.Hour))) &&
		(end.IsZero() || end.After(c.dayStart(n+7).Add(24*time.Hour)))
}

// period returns the instants at which period p begins and ends on day n.
func (c *Calendar) period(n int64, p Period) (time.Time, time.Time) {
	y, m, d := civil(n)
	return time.Date(y, m, d, 0, p.StartMinute, 0, 0, c.loc), time.Date(y, m, d, 0, p.EndMinute, 0, 0, c.loc)
}

func (c *Calendar) dayStart(n int64) time.Time {
	y, m, d := civil(n)
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

// dayOf returns the civil day number of t's local date.
func (c *Calendar) dayOf(t time.Time) int64 {
	y, m, d := t.In(c.loc).Date()
	return dayNumber(y, m, d)
}

// Civil day numbers count days since 1970-01-01, independent of any zone.

const secondsPerDay = 24 * 60 * 60

func dayNumber(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

func civil(n int64) (int, time.Month, int) {
	return time.Unix(n*secondsPerDay, 0).UTC().Date()
}

func weekday(n int64) time.Weekday {
	return time.Weekday(((n % 7) + 7 + int64(time.Thursday)) % 7) // 1970-01-01 was a Thursday
}

// parseDay parses a "YYYY-MM-DD" that names a real date.
func parseDay(s string) (int64, bool) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Format(DateLayout) != s {
		return 0, false
	}
	y, m, d := t.Date()
	return dayNumber(y, m, d), true
}
