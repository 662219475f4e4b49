package worktime

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// wantField asserts that err is a validation error naming field and rule.
func wantField(t *testing.T, err error, field, rule string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("got %v, want a validation error on %s/%s", err, field, rule)
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Rule == rule {
			if f.Detail == "" || f.DetailZH == "" {
				t.Errorf("%s/%s lacks a message: %+v", field, rule, f)
			}
			return
		}
	}
	t.Fatalf("got fields %+v, want %s/%s", e.Fields, field, rule)
}

func TestLoadDefaults(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, err := Load(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Periods(); !slices.Equal(got, []Period{{510, 720}, {810, 1050}}) {
			t.Errorf("seeded hours: %v", got)
		}
		// No listed day yet: 2026-01-01 (Thursday) is an ordinary workday.
		if !c.IsWorkday(sh(2026, 1, 1, 10, 0)) {
			t.Error("2026-01-01 is a holiday before anything was seeded")
		}
	})
}

func TestSeedFromLunar2026(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n, err := SeedFromLunar(ctx, d, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if n != 39 {
			t.Errorf("seeded %d rows for 2026, want 39", n)
		}
		if n, err := SeedFromLunar(ctx, d, 2026); err != nil || n != 0 {
			t.Errorf("second seed added %d (%v), want 0", n, err)
		}

		days, err := ListDays(ctx, d, 2026)
		if err != nil {
			t.Fatal(err)
		}
		want := days2026()
		if len(days) != len(want) {
			t.Fatalf("listed %d days, want %d", len(days), len(want))
		}
		for _, x := range days {
			if want[x.Day] != x.Kind {
				t.Errorf("%s stored as %s, want %q", x.Day, x.Kind, want[x.Day])
			}
		}
		if !slices.IsSortedFunc(days, func(a, b Day) int { return compare(a.Day, b.Day) }) {
			t.Error("ListDays is not in date order")
		}
		named := map[string]string{}
		for _, x := range days {
			named[x.Day] = x.Name
		}
		for day, name := range map[string]string{"2026-01-01": "元旦节", "2026-02-17": "春节", "2026-02-14": "春节调休", "2026-10-01": "国庆节", "2026-10-10": "国庆节调休"} {
			if named[day] != name {
				t.Errorf("%s named %q, want %q", day, named[day], name)
			}
		}
		if other, _ := ListDays(ctx, d, 2025); len(other) != 0 {
			t.Errorf("2025 has %d days though only 2026 was seeded", len(other))
		}

		c, err := Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			at   time.Time
			want bool
		}{
			{sh(2026, 1, 1, 10, 0), false},  // 元旦
			{sh(2026, 1, 4, 10, 0), true},   // Sunday make-up workday
			{sh(2026, 2, 14, 10, 0), true},  // Saturday make-up workday before 春节
			{sh(2026, 2, 17, 10, 0), false}, // 春节 (Tuesday)
			{sh(2026, 2, 28, 10, 0), true},  // Saturday make-up workday after 春节
			{sh(2026, 10, 1, 10, 0), false}, // 国庆
			{sh(2026, 10, 8, 10, 0), true},  // Thursday after 国庆
			{sh(2026, 3, 7, 10, 0), false},  // an ordinary Saturday
		} {
			if got := c.IsWorkday(tc.at); got != tc.want {
				t.Errorf("IsWorkday(%s) = %v, want %v", tc.at, got, tc.want)
			}
		}
		if got, want := c.Add(sh(2026, 2, 13, 17, 0), time.Hour), sh(2026, 2, 14, 9, 0); !got.Equal(want) {
			t.Errorf("Add across into the make-up Saturday = %s, want %s", got, want)
		}
		if got, want := c.Add(sh(2026, 2, 14, 17, 0), time.Hour), sh(2026, 2, 24, 9, 0); !got.Equal(want) {
			t.Errorf("Add across 春节 = %s, want %s", got, want)
		}
	})
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestOverridesWin(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Local decisions made before seeding: 国庆 day one is worked here,
		// and the make-up Saturday 2026-02-14 is given off.
		if err := SetDay(ctx, d, "2026-10-01", Workday, "街道值班"); err != nil {
			t.Fatal(err)
		}
		if err := SetDay(ctx, d, "2026-02-14", Holiday, "区里调整"); err != nil {
			t.Fatal(err)
		}
		n, err := SeedFromLunar(ctx, d, 2026, 2027)
		if err != nil {
			t.Fatal(err)
		}
		if want := 39 - 2 + len(LunarDays(2027)); n != want {
			t.Errorf("seeded %d, want %d", n, want)
		}
		// An override made after seeding survives a re-seed too.
		if err := SetDay(ctx, d, "2026-01-04", Holiday, ""); err != nil {
			t.Fatal(err)
		}
		if n, err := SeedFromLunar(ctx, d, 2026); err != nil || n != 0 {
			t.Errorf("re-seed added %d (%v)", n, err)
		}
		c, err := Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if !c.IsWorkday(sh(2026, 10, 1, 10, 0)) {
			t.Error("the local workday 2026-10-01 was overwritten by lunar-go")
		}
		if c.IsWorkday(sh(2026, 2, 14, 10, 0)) {
			t.Error("the local holiday 2026-02-14 was overwritten by lunar-go")
		}
		if c.IsWorkday(sh(2026, 1, 4, 10, 0)) {
			t.Error("the local holiday 2026-01-04 was overwritten by lunar-go")
		}
		if c.IsWorkday(sh(2026, 10, 2, 10, 0)) {
			t.Error("2026-10-02 should still be lunar-go's holiday")
		}
		days, _ := ListDays(ctx, d, 2026)
		for _, x := range days {
			if x.Day == "2026-10-01" && (x.Kind != Workday || x.Name != "街道值班") {
				t.Errorf("2026-10-01 is now %+v", x)
			}
		}

		// Deleting a day makes it follow the weekday rule.
		if err := DeleteDay(ctx, d, "2026-10-01"); err != nil {
			t.Fatal(err)
		}
		if err := DeleteDay(ctx, d, "2026-10-01"); !errs.Is(err, errs.NotFound) {
			t.Errorf("second delete: %v, want not found", err)
		}
		c, _ = Load(ctx, d)
		if !c.IsWorkday(sh(2026, 10, 1, 10, 0)) { // a Thursday, no longer listed
			t.Error("deleted day still a holiday")
		}
	})
}

func TestStoreValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, day := range []string{"2026-02-30", "2026-13-01", "2026-2-3", "20260203", "2026-02-03 ", ""} {
			wantField(t, SetDay(ctx, d, day, Holiday, "x"), "day", "date")
		}
		wantField(t, SetDay(ctx, d, "2026-03-10", "vacation", "x"), "kind", "enum")
		wantField(t, SetDay(ctx, d, "2026-03-10", "", "x"), "kind", "enum")
		wantField(t, SetDay(ctx, d, "2026-03-10", Holiday, strings.Repeat("名", MaxNameLen+1)), "name", "max_length")
		err := SetDay(ctx, d, "2026-02-30", "vacation", "")
		wantField(t, err, "day", "date")
		wantField(t, err, "kind", "enum")
		wantField(t, DeleteDay(ctx, d, "2026-02-30"), "day", "date")
		if days, err := ListDays(ctx, d, 2026); err != nil || len(days) != 0 {
			t.Errorf("after rejected writes: %v %v", days, err)
		}
		_, err = ListDays(ctx, d, 99999)
		wantField(t, err, "year", "range")
		_, err = SeedFromLunar(ctx, d, 2026, -1)
		wantField(t, err, "year", "range")
		if days, _ := ListDays(ctx, d, 2026); len(days) != 0 {
			t.Errorf("a rejected seed stored %d days", len(days))
		}

		for _, tc := range []struct {
			hours       []Period
			field, rule string
		}{
			{nil, "hours", "required"},
			{[]Period{}, "hours", "required"},
			{[]Period{{510, 720}, {700, 1050}}, "hours[1]", "overlap"},
			{[]Period{{510, 720}, {510, 600}}, "hours[1]", "overlap"},
			{[]Period{{810, 1050}, {510, 720}}, "hours[1]", "order"},
			{[]Period{{-1, 720}}, "hours[0]", "range"},
			{[]Period{{510, 1441}}, "hours[0]", "range"},
			{[]Period{{720, 720}}, "hours[0]", "range"},
			{[]Period{{720, 510}}, "hours[0]", "range"},
			{make([]Period, MaxPeriods+1), "hours", "max_items"},
		} {
			wantField(t, SetHours(ctx, d, tc.hours), tc.field, tc.rule)
		}
		if got, _ := ListHours(ctx, d); !slices.Equal(got, DefaultPeriods) {
			t.Errorf("rejected hours changed the table: %v", got)
		}
	})
}

func TestSetHours(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		hours := []Period{{480, 720}, {720, 750}, {840, 1080}} // touching periods are fine
		if err := SetHours(ctx, d, hours); err != nil {
			t.Fatal(err)
		}
		if got, _ := ListHours(ctx, d); !slices.Equal(got, hours) {
			t.Errorf("stored %v, want %v", got, hours)
		}
		c, err := Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		// 08:00–12:30 and 14:00–18:00: from 12:00, 1h ends at 14:30.
		if got, want := c.Add(sh(2026, 3, 10, 12, 0), time.Hour), sh(2026, 3, 10, 14, 30); !got.Equal(want) {
			t.Errorf("Add with new hours = %s, want %s", got, want)
		}
		if got := c.Between(sh(2026, 3, 10, 0, 0), sh(2026, 3, 11, 0, 0)); got != 8*time.Hour+30*time.Minute {
			t.Errorf("a day with the new hours is %s", got)
		}
	})
}
