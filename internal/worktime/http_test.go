package worktime

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

type call struct {
	method, target, day, body string
}

func serve(h func(http.ResponseWriter, *http.Request) error, c call) *httptest.ResponseRecorder {
	r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
	if c.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if c.day != "" {
		r.SetPathValue("day", c.day)
	}
	w := httptest.NewRecorder()
	httpapi.Handler(h).ServeHTTP(w, r)
	return w
}

func TestHTTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := SeedFromLunar(ctx, d, 2026); err != nil {
			t.Fatal(err)
		}
		changes := 0
		h := &HTTP{DB: d, OnChange: func() { changes++ }, Clock: clock.NewFake(time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC))}

		// GET ?year=2026
		w := serve(h.ListDays, call{method: "GET", target: "/api/v1/work-calendar?year=2026"})
		if w.Code != http.StatusOK {
			t.Fatalf("list: %d %s", w.Code, w.Body)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"year", "days", "hours"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("response lacks %q: %s", k, w.Body)
			}
		}
		if !strings.Contains(w.Body.String(), `{"day":"2026-02-14","kind":"workday","name":"春节调休"}`) ||
			!strings.Contains(w.Body.String(), `"hours":[{"start_minute":510,"end_minute":720},{"start_minute":810,"end_minute":1050}]`) {
			t.Errorf("unexpected body: %s", w.Body)
		}
		var resp CalendarResponse
		_ = json.Unmarshal(w.Body.Bytes(), &resp)
		if resp.Year != 2026 || len(resp.Days) != 39 {
			t.Errorf("year %d, %d days", resp.Year, len(resp.Days))
		}

		// No year: the current year in Shanghai (2027-01-01 01:00 there), and
		// an empty list is [] not null.
		w = serve(h.ListDays, call{method: "GET", target: "/api/v1/work-calendar"})
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"year":2027,"days":[]`) {
			t.Errorf("list without year: %d %s", w.Code, w.Body)
		}
		w = serve(h.ListDays, call{method: "GET", target: "/api/v1/work-calendar?year=abc"})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"field":"year"`) {
			t.Errorf("bad year: %d %s", w.Code, w.Body)
		}

		// PUT a day.
		w = serve(h.PutDay, call{method: "PUT", target: "/api/v1/work-calendar/days/2026-10-01", day: "2026-10-01", body: `{"kind":"workday","name":" 值班 "}`})
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `{"day":"2026-10-01","kind":"workday","name":"值班"}`) {
			t.Errorf("put day: %d %s", w.Code, w.Body)
		}
		if changes != 1 {
			t.Errorf("OnChange called %d times, want 1", changes)
		}
		c, _ := Load(ctx, d)
		if !c.IsWorkday(sh(2026, 10, 1, 10, 0)) {
			t.Error("PUT did not make 2026-10-01 a workday")
		}

		// Invalid writes: 422 with field and rule, no OnChange.
		for _, tc := range []struct {
			h           func(http.ResponseWriter, *http.Request) error
			c           call
			field, rule string
		}{
			{h.PutDay, call{method: "PUT", day: "2026-02-30", body: `{"kind":"holiday","name":""}`}, "day", "date"},
			{h.PutDay, call{method: "PUT", day: "2026-03-10", body: `{"kind":"weekend","name":""}`}, "kind", "enum"},
			{h.PutDay, call{method: "PUT", day: "2026-03-10", body: `{"kind":"holiday","colour":"red"}`}, "colour", "unknown_field"},
			{h.DeleteDay, call{method: "DELETE", day: "2026-02-30"}, "day", "date"},
			{h.PutHours, call{method: "PUT", body: `{"hours":[{"start_minute":510,"end_minute":720},{"start_minute":600,"end_minute":1050}]}`}, "hours[1]", "overlap"},
			{h.PutHours, call{method: "PUT", body: `{"hours":[]}`}, "hours", "required"},
		} {
			tc.c.target = "/api/v1/work-calendar/x"
			w := serve(tc.h, tc.c)
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"field":"`+tc.field+`","rule":"`+tc.rule+`"`) {
				t.Errorf("%+v: %d %s", tc.c, w.Code, w.Body)
			}
		}
		if changes != 1 {
			t.Errorf("OnChange called after failed writes: %d", changes)
		}
		if days, _ := ListDays(ctx, d, 2026); len(days) != 39 {
			t.Errorf("failed writes changed the days: %d", len(days))
		}

		// DELETE a day; again is 404.
		w = serve(h.DeleteDay, call{method: "DELETE", target: "/api/v1/work-calendar/days/2026-10-01", day: "2026-10-01"})
		if w.Code != http.StatusNoContent || changes != 2 {
			t.Errorf("delete: %d %s, changes %d", w.Code, w.Body, changes)
		}
		w = serve(h.DeleteDay, call{method: "DELETE", target: "/api/v1/work-calendar/days/2026-10-01", day: "2026-10-01"})
		if w.Code != http.StatusNotFound || changes != 2 {
			t.Errorf("second delete: %d %s, changes %d", w.Code, w.Body, changes)
		}

		// PUT hours.
		w = serve(h.PutHours, call{method: "PUT", target: "/api/v1/work-calendar/hours", body: `{"hours":[{"start_minute":540,"end_minute":1020}]}`})
		if w.Code != http.StatusOK || changes != 3 || !strings.Contains(w.Body.String(), `{"hours":[{"start_minute":540,"end_minute":1020}]}`) {
			t.Errorf("put hours: %d %s, changes %d", w.Code, w.Body, changes)
		}
		if got, _ := ListHours(ctx, d); !slices.Equal(got, []Period{{540, 1020}}) {
			t.Errorf("hours now %v", got)
		}
	})
}
