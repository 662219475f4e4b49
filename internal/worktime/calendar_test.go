package worktime

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/platform/clock"
)

// Days of 2026 as lunar-go v1.4.7 (HolidayUtil) publishes them, written out
// so that the tests state the facts instead of deriving them.
var (
	holidays2026 = []string{
		"2026-01-01", "2026-01-02", "2026-01-03", // 元旦节
		"2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", // 春节
		"2026-04-04", "2026-04-05", "2026-04-06", // 清明节
		"2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05", // 劳动节
		"2026-06-19", "2026-06-20", "2026-06-21", // 端午节
		"2026-09-25", "2026-09-26", "2026-09-27", // 中秋节
		"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07", // 国庆节
	}
	// Make-up workdays (调休): all on a Saturday or Sunday.
	workdays2026 = []string{
		"2026-01-04", // Sunday, 元旦节
		"2026-02-14", // Saturday, 春节
		"2026-02-28", // Saturday, 春节
		"2026-05-09", // Saturday, 劳动节
		"2026-09-20", // Sunday, 国庆节
		"2026-10-10", // Saturday, 国庆节
	}
)

func days2026() map[string]DayKind {
	m := map[string]DayKind{}
	for _, d := range holidays2026 {
		m[d] = Holiday
	}
	for _, d := range workdays2026 {
		m[d] = Workday
	}
	return m
}

func cal2026() *Calendar { return New(days2026(), DefaultPeriods) }

// sh is a local Asia/Shanghai wall time, returned as the UTC instant.
func sh(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, clock.Shanghai).UTC()
}

func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

const workday = 7*time.Hour + 30*time.Minute // 08:30–12:00 + 13:30–17:30

func TestLunarDays2026(t *testing.T) {
	got := LunarDays(2026)
	want := days2026()
	if len(got) != len(want) || len(got) != 39 {
		t.Fatalf("lunar-go lists %d days for 2026, want %d (39)", len(got), len(want))
	}
	for _, x := range got {
		if want[x.Day] != x.Kind {
			t.Errorf("%s: lunar-go says %s, test says %q", x.Day, x.Kind, want[x.Day])
		}
	}
	for _, d := range workdays2026 {
		n, _ := parseDay(d)
		if wd := weekday(n); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("make-up workday %s is a %s", d, wd)
		}
	}
}

func TestIsWorkday(t *testing.T) {
	c := cal2026()
	cases := []struct {
		day  time.Time
		want bool
	}{
		{sh(2026, 1, 1, 10, 0), false},  // 元旦, Thursday
		{sh(2026, 1, 4, 10, 0), true},   // Sunday make-up workday
		{sh(2026, 2, 14, 10, 0), true},  // Saturday make-up workday before 春节
		{sh(2026, 2, 16, 10, 0), false}, // Monday in 春节
		{sh(2026, 2, 23, 10, 0), false}, // Monday, last day of 春节
		{sh(2026, 2, 24, 10, 0), true},  // Tuesday after
		{sh(2026, 2, 28, 10, 0), true},  // Saturday make-up workday after 春节
		{sh(2026, 3, 7, 10, 0), false},  // ordinary Saturday
		{sh(2026, 3, 8, 10, 0), false},  // ordinary Sunday
		{sh(2026, 3, 9, 10, 0), true},   // ordinary Monday
		{sh(2026, 10, 1, 10, 0), false}, // 国庆
		{sh(2026, 10, 10, 10, 0), true}, // Saturday make-up workday
		// The local date counts, not the UTC one: 2026-03-09 07:00 in Shanghai
		// is Sunday 23:00 UTC, and 2026-03-07 07:00 (Saturday) is Friday UTC.
		{sh(2026, 3, 9, 7, 0), true},
		{sh(2026, 3, 7, 7, 0), false},
		{sh(2026, 3, 9, 0, 0), true},
		{sh(2026, 3, 8, 23, 59), false},
	}
	for _, tc := range cases {
		if got := c.IsWorkday(tc.day); got != tc.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tc.day.In(clock.Shanghai), got, tc.want)
		}
	}
}

func TestAdd(t *testing.T) {
	c := cal2026()
	cases := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within a period", sh(2026, 3, 10, 9, 0), hm(1, 0), sh(2026, 3, 10, 10, 0)},
		{"across lunch", sh(2026, 3, 10, 11, 30), hm(1, 0), sh(2026, 3, 10, 14, 0)},
		{"from inside the lunch break", sh(2026, 3, 10, 12, 15), hm(1, 0), sh(2026, 3, 10, 14, 30)},
		{"from before work", sh(2026, 3, 10, 6, 0), hm(0, 30), sh(2026, 3, 10, 9, 0)},
		{"from 23:00", sh(2026, 3, 10, 23, 0), hm(1, 0), sh(2026, 3, 11, 9, 30)},
		{"from 00:00", sh(2026, 3, 11, 0, 0), hm(1, 0), sh(2026, 3, 11, 9, 30)},
		{"to the end of the morning, not the start of the afternoon", sh(2026, 3, 10, 8, 30), hm(3, 30), sh(2026, 3, 10, 12, 0)},
		{"to the end of the day, not the next morning", sh(2026, 3, 10, 8, 30), workday, sh(2026, 3, 10, 17, 30)},
		{"from the end of the morning", sh(2026, 3, 10, 12, 0), time.Minute, sh(2026, 3, 10, 13, 31)},
		{"from the end of the day", sh(2026, 3, 10, 17, 30), time.Nanosecond, sh(2026, 3, 11, 8, 30).Add(time.Nanosecond)},
		{"from the start of the afternoon", sh(2026, 3, 10, 13, 30), hm(4, 0), sh(2026, 3, 10, 17, 30)},
		{"one full workday from midday", sh(2026, 3, 10, 12, 0), workday, sh(2026, 3, 11, 12, 0)},
		{"across a weekend", sh(2026, 3, 6, 16, 30), hm(2, 0), sh(2026, 3, 9, 9, 30)},
		{"from a Saturday", sh(2026, 3, 7, 10, 0), hm(1, 0), sh(2026, 3, 9, 9, 30)},
		{"a full week from Monday", sh(2026, 3, 9, 8, 30), 5 * workday, sh(2026, 3, 13, 17, 30)},
		{"a week and a minute", sh(2026, 3, 9, 8, 30), 5*workday + time.Minute, sh(2026, 3, 16, 8, 31)},
		{"into the Saturday make-up workday before 春节", sh(2026, 2, 13, 17, 0), hm(1, 0), sh(2026, 2, 14, 9, 0)},
		{"across the 春节 holiday week", sh(2026, 2, 14, 17, 0), hm(1, 0), sh(2026, 2, 24, 9, 0)},
		{"across 国庆", sh(2026, 9, 30, 17, 0), hm(1, 0), sh(2026, 10, 8, 9, 0)},
		{"from inside 国庆", sh(2026, 10, 3, 10, 0), hm(1, 0), sh(2026, 10, 8, 9, 30)},
		{"into the Sunday make-up workday", sh(2026, 1, 3, 10, 0), hm(1, 0), sh(2026, 1, 4, 9, 30)},
		// Mon 2 March + 30 workdays: 25 up to Fri 3 April, Mon 6 April is 清明,
		// Tue 7 – Fri 10 April make 29, Mon 13 April the 30th.
		{"30 working days", sh(2026, 3, 2, 8, 30), 30 * workday, sh(2026, 4, 13, 17, 30)},
		{"30 working days from a Sunday evening", sh(2026, 3, 1, 20, 0), 30*workday + time.Nanosecond, sh(2026, 4, 14, 8, 30).Add(time.Nanosecond)},
		{"nanoseconds count", sh(2026, 3, 10, 9, 0).Add(123), 456, sh(2026, 3, 10, 9, 0).Add(579)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Add(tc.start, tc.d)
			if !got.Equal(tc.want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tc.start.In(clock.Shanghai), tc.d, got.In(clock.Shanghai), tc.want.In(clock.Shanghai))
			}
			if got.Location() != time.UTC {
				t.Errorf("Add returned %s, not UTC", got.Location())
			}
			if b := c.Between(tc.start, got); b != tc.d {
				t.Errorf("Between(start, Add(start, %s)) = %s", tc.d, b)
			}
		})
	}
}

func TestAddNonPositive(t *testing.T) {
	c := cal2026()
	start := sh(2026, 3, 7, 3, 0) // a Saturday night
	for _, d := range []time.Duration{0, -1, -time.Hour} {
		if got := c.Add(start, d); got != start {
			t.Errorf("Add(start, %s) = %s, want start", d, got)
		}
		if got := AddCalendar(start, d); got != start {
			t.Errorf("AddCalendar(start, %s) = %s, want start", d, got)
		}
	}
	if got, want := AddCalendar(sh(2026, 3, 7, 3, 0), 48*time.Hour), sh(2026, 3, 9, 3, 0); got != want {
		t.Errorf("AddCalendar = %s, want %s", got, want)
	}
}

func TestBetween(t *testing.T) {
	c := cal2026()
	cases := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"empty", sh(2026, 3, 10, 9, 0), sh(2026, 3, 10, 9, 0), 0},
		{"reversed", sh(2026, 3, 10, 10, 0), sh(2026, 3, 10, 9, 0), 0},
		{"within a period", sh(2026, 3, 10, 9, 0), sh(2026, 3, 10, 10, 0), hm(1, 0)},
		{"the lunch break", sh(2026, 3, 10, 12, 0), sh(2026, 3, 10, 13, 30), 0},
		{"across lunch", sh(2026, 3, 10, 11, 0), sh(2026, 3, 10, 14, 0), hm(1, 30)},
		{"night to night", sh(2026, 3, 10, 23, 0), sh(2026, 3, 11, 23, 0), workday},
		{"a day", sh(2026, 3, 10, 0, 0), sh(2026, 3, 11, 0, 0), workday},
		{"a weekend", sh(2026, 3, 6, 17, 30), sh(2026, 3, 9, 8, 30), 0},
		{"across a weekend", sh(2026, 3, 6, 16, 30), sh(2026, 3, 9, 9, 30), hm(2, 0)},
		{"a week", sh(2026, 3, 9, 0, 0), sh(2026, 3, 16, 0, 0), 5 * workday},
		{"a week from Wednesday noon", sh(2026, 3, 11, 12, 0), sh(2026, 3, 18, 12, 0), 5 * workday},
		{"the 春节 holiday", sh(2026, 2, 14, 17, 30), sh(2026, 2, 24, 8, 30), 0},
		{"春节 with its make-up Saturdays", sh(2026, 2, 14, 0, 0), sh(2026, 3, 1, 0, 0), 6 * workday}, // 14th, 24th–27th, 28th
		{"国庆 fortnight", sh(2026, 9, 28, 0, 0), sh(2026, 10, 12, 0, 0), 6 * workday},                // 28–30 Sep; 8, 9 and (Saturday) 10 Oct
		// 261 weekdays in 2026, 19 of them holidays, 6 make-up weekend days.
		{"all of 2026", sh(2026, 1, 1, 0, 0), sh(2027, 1, 1, 0, 0), 248 * workday},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Between(tc.a, tc.b); got != tc.want {
				t.Errorf("Between(%s, %s) = %s, want %s", tc.a.In(clock.Shanghai), tc.b.In(clock.Shanghai), got, tc.want)
			}
			if got := refBetween(c, tc.a, tc.b); got != tc.want {
				t.Errorf("reference Between = %s, want %s", got, tc.want)
			}
			// Symmetric: the reverse interval is empty; splitting adds up.
			if tc.b.After(tc.a) {
				if got := c.Between(tc.b, tc.a); got != 0 {
					t.Errorf("Between(b, a) = %s, want 0", got)
				}
				mid := tc.a.Add(tc.b.Sub(tc.a) / 3)
				if got := c.Between(tc.a, mid) + c.Between(mid, tc.b); got != tc.want {
					t.Errorf("split at %s: %s, want %s", mid, got, tc.want)
				}
			}
		})
	}
}

// Between counted minute by minute with IsWorkingTime, over short ranges.
func TestBetweenByMinutes(t *testing.T) {
	c := cal2026()
	rng := rand.New(rand.NewPCG(7, 11))
	base := sh(2026, 1, 1, 0, 0)
	for range 200 {
		a := base.Add(time.Duration(rng.IntN(365*24*60)) * time.Minute)
		b := a.Add(time.Duration(rng.IntN(4*24*60)) * time.Minute)
		var want time.Duration
		for m := a; m.Before(b); m = m.Add(time.Minute) {
			if c.IsWorkingTime(m) {
				want += time.Minute
			}
		}
		if got := c.Between(a, b); got != want {
			t.Fatalf("Between(%s, %s) = %s, minute count %s", a.In(clock.Shanghai), b.In(clock.Shanghai), got, want)
		}
	}
}

// lunarCalendar is 2025–2027 as lunar-go lists them.
func lunarCalendar(periods []Period) *Calendar {
	m := map[string]DayKind{}
	for y := 2025; y <= 2027; y++ {
		for _, x := range LunarDays(y) {
			m[x.Day] = x.Kind
		}
	}
	return New(m, periods)
}

// refAdd and refBetween walk day by day and period by period, without the
// week skipping of the real ones.
func refAdd(c *Calendar, start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	for day := c.dayOf(start); ; day++ {
		if !c.isWorkday(day) {
			continue
		}
		for _, p := range c.periods {
			ps, pe := c.period(day, p)
			if ps.Before(start) {
				ps = start
			}
			if !pe.After(ps) {
				continue
			}
			if d <= pe.Sub(ps) {
				return ps.Add(d).UTC()
			}
			d -= pe.Sub(ps)
		}
	}
}

func refBetween(c *Calendar, a, b time.Time) time.Duration {
	var total time.Duration
	for day := c.dayOf(a); day <= c.dayOf(b); day++ {
		if !c.isWorkday(day) {
			continue
		}
		for _, p := range c.periods {
			ps, pe := c.period(day, p)
			ps, pe = later(ps, a), earlier(pe, b)
			if pe.After(ps) {
				total += pe.Sub(ps)
			}
		}
	}
	return total
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func TestAddBetweenProperty(t *testing.T) {
	calendars := map[string]*Calendar{
		"default hours": lunarCalendar(DefaultPeriods),
		"odd hours":     lunarCalendar([]Period{{0, 1}, {419, 421}, {600, 1439}}),
		"whole day":     lunarCalendar([]Period{{0, 1440}}),
		"no holidays":   New(nil, []Period{{540, 1020}}),
	}
	for name, c := range calendars {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2026, uint64(len(name))))
			checkProperty(t, c, rng, sh(2025, 6, 1, 0, 0), 700*24*time.Hour, 5000)
		})
	}
}

// Asia/Shanghai kept daylight saving time from 1986 to 1991: days of 23 and
// 25 hours, and weeks that cannot be skipped whole.
func TestAddBetweenDST(t *testing.T) {
	days := map[string]DayKind{"1986-05-04": Workday, "1986-09-14": Workday} // Sundays of the changes
	whole := New(days, []Period{{0, 1440}})
	if got := whole.Between(sh(1986, 5, 4, 0, 0), sh(1986, 5, 5, 0, 0)); got != 23*time.Hour {
		t.Errorf("1986-05-04 lasted %s of working time, want 23h", got)
	}
	if got := whole.Between(sh(1986, 9, 14, 0, 0), sh(1986, 9, 15, 0, 0)); got != 25*time.Hour {
		t.Errorf("1986-09-14 lasted %s of working time, want 25h", got)
	}
	if got := whole.Between(sh(1986, 5, 1, 0, 0), sh(1986, 5, 15, 0, 0)); got != 10*24*time.Hour+23*time.Hour { // 10 weekdays and the short Sunday
		t.Errorf("two weeks around the change: %s", got)
	}
	for name, c := range map[string]*Calendar{
		"whole day":    whole,
		"across 2:00":  New(days, []Period{{60, 180}, {510, 1050}}),
		"default":      New(days, DefaultPeriods),
		"no overrides": New(nil, []Period{{0, 1440}}),
	} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1986, uint64(len(name))))
			checkProperty(t, c, rng, sh(1985, 6, 1, 0, 0), 5*365*24*time.Hour, 3000)
		})
	}
}

func checkProperty(t *testing.T, c *Calendar, rng *rand.Rand, from time.Time, span time.Duration, n int) {
	t.Helper()
	maxD := 60 * 24 * time.Hour // up to 60 days of working time (some periods are 24h)
	for i := range n {
		start := from.Add(time.Duration(rng.Int64N(int64(span))))
		if i%4 == 0 { // on a minute, often a period boundary
			start = start.Truncate(30 * time.Minute)
		}
		var d time.Duration
		switch i % 5 {
		case 0:
			d = time.Duration(rng.Int64N(int64(time.Hour)))
		case 1:
			d = time.Duration(rng.IntN(60*24*60)) * time.Minute
		case 2:
			d = time.Duration(rng.IntN(60)) * workday
		default:
			d = time.Duration(rng.Int64N(int64(maxD)))
		}
		end := c.Add(start, d)
		if d > 0 && !end.After(start) {
			t.Fatalf("Add(%s, %s) = %s, not after start", start, d, end)
		}
		if got := c.Between(start, end); got != d {
			t.Fatalf("Between(%s, Add(%s, %s) = %s) = %s", start.In(clock.Shanghai), start.In(clock.Shanghai), d, end.In(clock.Shanghai), got)
		}
		if ref := refAdd(c, start, d); !ref.Equal(end) {
			t.Fatalf("Add(%s, %s) = %s, reference %s", start.In(clock.Shanghai), d, end.In(clock.Shanghai), ref.In(clock.Shanghai))
		}
		if d > 0 && !c.IsWorkingTime(end.Add(-1)) {
			t.Fatalf("Add(%s, %s) = %s: the nanosecond before is not working time", start, d, end)
		}
		// Monotonic in d.
		d2 := d + time.Duration(rng.Int64N(int64(8*time.Hour)))
		if end2 := c.Add(start, d2); end2.Before(end) {
			t.Fatalf("Add(%s, %s) = %s before Add(…, %s) = %s", start, d2, end2, d, end)
		}
		// Between agrees with the reference on arbitrary intervals too.
		b := start.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
		if got, ref := c.Between(start, b), refBetween(c, start, b); got != ref {
			t.Fatalf("Between(%s, %s) = %s, reference %s", start, b, got, ref)
		}
	}
}

func TestNewNormalizes(t *testing.T) {
	c := New(map[string]DayKind{"2026-02-30": Holiday, "nonsense": Workday, "2026-03-10": "vacation"},
		[]Period{{810, 1050}, {-5, 30}, {600, 720}, {700, 800}, {1000, 2000}, {900, 900}})
	want := []Period{{0, 30}, {600, 800}, {810, 1440}}
	if got := c.Periods(); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("Periods() = %v, want %v", got, want)
	}
	if !c.IsWorkday(sh(2026, 3, 10, 10, 0)) {
		t.Error("a day with an unknown kind must follow the weekday rule")
	}
	if got := New(nil, nil).Periods(); len(got) != 2 || got[0] != DefaultPeriods[0] || got[1] != DefaultPeriods[1] {
		t.Errorf("New with no periods: %v, want the defaults", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := lunarCalendar(DefaultPeriods)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			start := sh(2026, 1, 1, g, 0)
			for i := range 200 {
				d := time.Duration(i) * 17 * time.Minute
				if got := c.Between(start, c.Add(start, d)); got != d {
					t.Errorf("goroutine %d: %s != %s", g, got, d)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkAdd30WorkingDays(b *testing.B) {
	c := lunarCalendar(DefaultPeriods)
	start := sh(2026, 1, 20, 10, 17)
	for b.Loop() {
		c.Add(start, 30*workday)
	}
}

func BenchmarkBetweenYear(b *testing.B) {
	c := lunarCalendar(DefaultPeriods)
	a, z := sh(2026, 1, 1, 0, 0), sh(2027, 1, 1, 0, 0)
	for b.Loop() {
		c.Between(a, z)
	}
}

// Shanghai's clock changes (1986–1991) all fell on Sundays, outside working
// time; a zone that changed on a weekday checks that weeks holding a change
// are never skipped whole. Tehran moved to +04:30 at 00:00 on Friday
// 2019-03-22.
func TestWeekdayClockChange(t *testing.T) {
	tehran, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		t.Skip(err)
	}
	c := New(nil, []Period{{0, 1440}})
	c.loc = tehran
	a := time.Date(2019, 3, 18, 0, 0, 0, 0, tehran) // Monday
	if got := c.Between(a.AddDate(0, 0, -7), a.AddDate(0, 0, 14)); got != 3*5*24*time.Hour-time.Hour {
		t.Errorf("three weeks around the change: %s", got)
	}
	if got := c.Between(a, a.AddDate(0, 0, 7)); got != 5*24*time.Hour-time.Hour {
		t.Errorf("the week of the change: %s", got)
	}
	rng := rand.New(rand.NewPCG(2019, 3))
	checkProperty(t, c, rng, time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC), 2*365*24*time.Hour, 3000)
}
