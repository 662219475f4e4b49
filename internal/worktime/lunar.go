package worktime

import (
	"context"
	"fmt"
	"strings"

	"github.com/6tail/lunar-go/HolidayUtil"
	"github.com/tongxin/tongxin/internal/platform/db"
)

// LunarDays returns the official holidays and make-up workdays (调休) of a
// year as published in lunar-go's HolidayUtil, in date order. A make-up
// workday is named after its holiday with "调休" appended, as lunar-go
// prints it. Years lunar-go has no data for give none.
func LunarDays(year int) []Day {
	var out []Day
	prefix := fmt.Sprintf("%04d-", year)
	for e := HolidayUtil.GetHolidaysByYear(year).Front(); e != nil; e = e.Next() {
		h, ok := e.Value.(*HolidayUtil.Holiday)
		if !ok || !strings.HasPrefix(h.GetDay(), prefix) {
			continue
		}
		if _, ok := parseDay(h.GetDay()); !ok {
			continue
		}
		x := Day{Day: h.GetDay(), Kind: Holiday, Name: h.GetName()}
		if h.IsWork() {
			x.Kind, x.Name = Workday, h.GetName()+"调休"
		}
		out = append(out, x)
	}
	return out
}

// SeedFromLunar inserts the holidays and make-up workdays of the given years
// from lunar-go where the calendar has no row for that day yet: existing rows
// are local overrides and are never overwritten. It returns how many rows it
// added; running it again adds none.
func SeedFromLunar(ctx context.Context, d *db.DB, years ...int) (int, error) {
	for _, y := range years {
		if err := checkYear(y); err != nil {
			return 0, err
		}
	}
	added := 0
	err := d.InTx(ctx, func(tx *db.Tx) error {
		added = 0
		for _, y := range years {
			for _, x := range LunarDays(y) {
				res, err := tx.ExecContext(ctx, "INSERT INTO work_calendar (day, kind, name) VALUES (?, ?, ?) ON CONFLICT (day) DO NOTHING",
					x.Day, string(x.Kind), x.Name)
				if err != nil {
					return fmt.Errorf("seed work calendar %s: %w", x.Day, err)
				}
				n, err := res.RowsAffected()
				if err != nil {
					return fmt.Errorf("seed work calendar %s: %w", x.Day, err)
				}
				added += int(n)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}
