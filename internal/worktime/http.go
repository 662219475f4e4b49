package worktime

import (
	"net/http"
	"strconv"

	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

// HTTP holds the calendar handlers. The caller checks the permission to
// manage the calendar before routing here. OnChange, if set, is called after
// every successful write so that the server can reload its Calendar. Clock
// (default: the wall clock) picks the year when ListDays is given none.
type HTTP struct {
	DB       *db.DB
	OnChange func()
	Clock    clock.Clock
}

// CalendarResponse is what ListDays returns.
type CalendarResponse struct {
	Year  int      `json:"year"`
	Days  []Day    `json:"days"`
	Hours []Period `json:"hours"`
}

// DayRequest is the body of PutDay.
type DayRequest struct {
	Kind DayKind `json:"kind"`
	Name string  `json:"name"`
}

// HoursRequest is the body of PutHours, and its answer.
type HoursRequest struct {
	Hours []Period `json:"hours"`
}

// ListDays answers GET ?year=2026 with the listed days of that year (the
// current year in Asia/Shanghai if none is given) and the working hours.
func (h *HTTP) ListDays(w http.ResponseWriter, r *http.Request) error {
	year := 0
	if s := r.URL.Query().Get("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return errs.Field("year", "integer", "year must be an integer", "year 必须是整数")
		}
		year = n
	} else {
		var c clock.Clock = clock.Real{}
		if h.Clock != nil {
			c = h.Clock
		}
		year = c.Now().In(clock.Shanghai).Year()
	}
	days, err := ListDays(r.Context(), h.DB, year)
	if err != nil {
		return err
	}
	hours, err := ListHours(r.Context(), h.DB)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, CalendarResponse{Year: year, Days: days, Hours: hours})
}

// PutDay answers PUT …/{day} with body {"kind","name"}: it lists the day (a
// local override) and returns it.
func (h *HTTP) PutDay(w http.ResponseWriter, r *http.Request) error {
	var req DayRequest
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	day := r.PathValue("day")
	if err := SetDay(r.Context(), h.DB, day, req.Kind, req.Name); err != nil {
		return err
	}
	h.changed()
	return httpapi.WriteJSON(w, http.StatusOK, Day{Day: day, Kind: req.Kind, Name: normName(req.Name)})
}

// DeleteDay answers DELETE …/{day}: the day follows the weekday rule again.
func (h *HTTP) DeleteDay(w http.ResponseWriter, r *http.Request) error {
	if err := DeleteDay(r.Context(), h.DB, r.PathValue("day")); err != nil {
		return err
	}
	h.changed()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// PutHours answers PUT with body {"hours":[{"start_minute","end_minute"}…]}:
// it replaces the working periods and returns them.
func (h *HTTP) PutHours(w http.ResponseWriter, r *http.Request) error {
	var req HoursRequest
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if err := SetHours(r.Context(), h.DB, req.Hours); err != nil {
		return err
	}
	h.changed()
	return httpapi.WriteJSON(w, http.StatusOK, req)
}

func (h *HTTP) changed() {
	if h.OnChange != nil {
		h.OnChange()
	}
}
