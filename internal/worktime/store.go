package worktime

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Day is a listed day of the calendar: a public holiday, or a make-up workday
// (调休) on a weekend.
type Day struct {
	Day  string  `json:"day"` // YYYY-MM-DD
	Kind DayKind `json:"kind"`
	Name string  `json:"name"`
}

// Limits of the stored data.
const (
	MinYear     = 1000
	MaxYear     = 9999
	MaxNameLen  = 64 // runes
	MaxPeriods  = 12
	minutesText = "0 to 1440"
)

// Load reads the calendar from the database: every listed day and the
// working periods.
func Load(ctx context.Context, d *db.DB) (*Calendar, error) {
	rows, err := d.QueryContext(ctx, "SELECT day, kind FROM work_calendar")
	if err != nil {
		return nil, fmt.Errorf("load work calendar: %w", err)
	}
	defer rows.Close()
	days := map[string]DayKind{}
	for rows.Next() {
		var day string
		var kind DayKind
		if err := rows.Scan(&day, &kind); err != nil {
			return nil, fmt.Errorf("load work calendar: %w", err)
		}
		if _, ok := parseDay(day); !ok || !kind.Valid() {
			return nil, fmt.Errorf("load work calendar: bad row %q (%q)", day, kind)
		}
		days[day] = kind
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load work calendar: %w", err)
	}
	hours, err := ListHours(ctx, d)
	if err != nil {
		return nil, err
	}
	return New(days, hours), nil
}

// ListDays returns the listed days of a year, in date order.
func ListDays(ctx context.Context, d *db.DB, year int) ([]Day, error) {
	if err := checkYear(year); err != nil {
		return nil, err
	}
	rows, err := d.QueryContext(ctx, "SELECT day, kind, name FROM work_calendar WHERE day >= ? AND day < ? ORDER BY day",
		fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1))
	if err != nil {
		return nil, fmt.Errorf("list work calendar: %w", err)
	}
	defer rows.Close()
	out := []Day{}
	for rows.Next() {
		var x Day
		if err := rows.Scan(&x.Day, &x.Kind, &x.Name); err != nil {
			return nil, fmt.Errorf("list work calendar: %w", err)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list work calendar: %w", err)
	}
	return out, nil
}

// SetDay lists a day as a holiday or a workday, replacing what was listed for
// it. A row set here is a local override: SeedFromLunar never overwrites it.
func SetDay(ctx context.Context, d *db.DB, day string, kind DayKind, name string) error {
	name = normName(name)
	var v errs.Validation
	checkDay(&v, day)
	v.Check(kind.Valid(), "kind", "enum", "kind must be holiday or workday", "kind 必须是 holiday（节假日）或 workday（调休工作日）")
	v.Check(utf8.ValidString(name) && utf8.RuneCountInString(name) <= MaxNameLen, "name", "max_length",
		fmt.Sprintf("name must be at most %d characters", MaxNameLen), fmt.Sprintf("名称不能超过 %d 个字", MaxNameLen))
	if err := v.Err(); err != nil {
		return err
	}
	_, err := d.ExecContext(ctx, `INSERT INTO work_calendar (day, kind, name) VALUES (?, ?, ?)
		ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name`, day, string(kind), name)
	if err != nil {
		return fmt.Errorf("set work calendar day: %w", err)
	}
	return nil
}

// DeleteDay removes a listed day, which then follows the weekday rule again.
// (A day seeded from lunar-go comes back at the next SeedFromLunar; to make a
// seeded holiday an ordinary workday, set it to "workday" instead.)
func DeleteDay(ctx context.Context, d *db.DB, day string) error {
	var v errs.Validation
	checkDay(&v, day)
	if err := v.Err(); err != nil {
		return err
	}
	res, err := d.ExecContext(ctx, "DELETE FROM work_calendar WHERE day = ?", day)
	if err != nil {
		return fmt.Errorf("delete work calendar day: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete work calendar day: %w", err)
	} else if n == 0 {
		return errs.NotFoundf("calendar day "+day, "日历日期 "+day)
	}
	return nil
}

// ListHours returns the working periods, in order.
func ListHours(ctx context.Context, d *db.DB) ([]Period, error) {
	rows, err := d.QueryContext(ctx, "SELECT start_minute, end_minute FROM work_hours ORDER BY start_minute, id")
	if err != nil {
		return nil, fmt.Errorf("load work hours: %w", err)
	}
	defer rows.Close()
	out := []Period{}
	for rows.Next() {
		var p Period
		if err := rows.Scan(&p.StartMinute, &p.EndMinute); err != nil {
			return nil, fmt.Errorf("load work hours: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load work hours: %w", err)
	}
	return out, nil
}

// SetHours replaces the working periods. They must be at least one, each
// within 0..1440 minutes and non-empty, in ascending order and not
// overlapping (touching is allowed).
func SetHours(ctx context.Context, d *db.DB, periods []Period) error {
	if err := ValidatePeriods(periods); err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM work_hours"); err != nil {
			return fmt.Errorf("set work hours: %w", err)
		}
		for _, p := range periods {
			if _, err := tx.ExecContext(ctx, "INSERT INTO work_hours (start_minute, end_minute) VALUES (?, ?)", p.StartMinute, p.EndMinute); err != nil {
				return fmt.Errorf("set work hours: %w", err)
			}
		}
		return nil
	})
}

// ValidatePeriods checks working periods as SetHours stores them. Field
// names are "hours" and "hours[i]"; rules "required", "max_items", "range",
// "order", "overlap".
func ValidatePeriods(periods []Period) error {
	var v errs.Validation
	v.Check(len(periods) > 0, "hours", "required", "at least one working period is required", "至少需要一个工作时段")
	v.Check(len(periods) <= MaxPeriods, "hours", "max_items",
		fmt.Sprintf("at most %d working periods", MaxPeriods), fmt.Sprintf("工作时段不能超过 %d 个", MaxPeriods))
	for i, p := range periods {
		f := fmt.Sprintf("hours[%d]", i)
		if p.StartMinute < 0 || p.EndMinute > MinutesPerDay || p.StartMinute >= p.EndMinute {
			v.Add(f, "range", "a working period must start before it ends, within "+minutesText+" minutes after midnight",
				"工作时段须在 0 至 1440 分钟（当日零点起）之内，且开始早于结束")
			continue
		}
		if i == 0 {
			continue
		}
		prev := periods[i-1]
		switch {
		case p.StartMinute < prev.StartMinute:
			v.Add(f, "order", "working periods must be in ascending order", "工作时段须按时间先后排列")
		case p.StartMinute < prev.EndMinute:
			v.Add(f, "overlap", "working periods must not overlap", "工作时段不能重叠")
		}
	}
	return v.Err()
}

func checkDay(v *errs.Validation, day string) {
	_, ok := parseDay(day)
	v.Check(ok, "day", "date", "day must be a real date written YYYY-MM-DD", "日期须为有效日期，格式 YYYY-MM-DD")
}

func checkYear(year int) error {
	if year < MinYear || year > MaxYear {
		return errs.Field("year", "range", fmt.Sprintf("year must be from %d to %d", MinYear, MaxYear),
			fmt.Sprintf("年份须在 %d 至 %d 之间", MinYear, MaxYear))
	}
	return nil
}

// normName is how a day's name is stored.
func normName(s string) string { return strings.TrimSpace(s) }
