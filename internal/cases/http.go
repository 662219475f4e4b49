package cases

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tongxin/tongxin/internal/attach"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

// HTTP holds the case handlers.
type HTTP struct{ Store *Store }

// CategoryList wraps the taxonomy.
type CategoryList struct {
	Items []Category `json:"items"`
}

// Categories lists the taxonomy.
func (h *HTTP) Categories(w http.ResponseWriter, r *http.Request) error {
	cats, err := h.Store.Categories(r.Context())
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, CategoryList{Items: cats})
}

// CreateCategory adds a category.
func (h *HTTP) CreateCategory(w http.ResponseWriter, r *http.Request) error {
	var c Category
	if err := httpapi.DecodeJSON(w, r, &c, 0); err != nil {
		return err
	}
	c.ID = 0
	c, err := h.Store.SaveCategory(r.Context(), c)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, c)
}

// UpdateCategory changes a category.
func (h *HTTP) UpdateCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var c Category
	if err := httpapi.DecodeJSON(w, r, &c, 0); err != nil {
		return err
	}
	c.ID = id
	c, err = h.Store.SaveCategory(r.Context(), c)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, c)
}

// Report takes in a case (201, or 200 for a repeated Idempotency-Key).
func (h *HTTP) Report(w http.ResponseWriter, r *http.Request) error {
	var n NewCase
	if err := httpapi.DecodeJSON(w, r, &n, 0); err != nil {
		return err
	}
	n.IdempotencyKey = r.Header.Get("Idempotency-Key")
	c, created, err := h.Store.Report(r.Context(), n)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.WriteJSON(w, status, c)
}

// ListResponse is a page of cases.
type ListResponse struct {
	Items        []Summary `json:"items"`
	NextBeforeID *int64    `json:"next_before_id"`
}

// List lists cases with filters.
func (h *HTTP) List(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := Filter{State: State(q.Get("state")), Level: Level(q.Get("level")), Area: q.Get("area"), Overdue: q.Get("overdue") == "true",
		Channel: Channel(q.Get("channel")), Query: q.Get("q"), Mine: q.Get("mine")}
	var v errs.Validation
	intParam := func(name string, dst *int64) {
		if s := q.Get(name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			v.Check(err == nil && n > 0, name, "integer", name+" must be a positive integer", name+" 必须是正整数")
			*dst = n
		}
	}
	var limit int64
	intParam("category_id", &f.CategoryID)
	intParam("before_id", &f.BeforeID)
	intParam("limit", &limit)
	f.Limit = int(limit)
	timeParam := func(name string) *time.Time {
		s := q.Get(name)
		if s == "" {
			return nil
		}
		t, err := parseTime(s)
		v.Check(err == nil, name, "time", name+" must be a date (YYYY-MM-DD) or an RFC 3339 time", name+" 须为日期（YYYY-MM-DD）或 RFC 3339 时间")
		return &t
	}
	f.From, f.To = timeParam("from"), timeParam("to")
	if err := v.Err(); err != nil {
		return err
	}
	items, next, err := h.Store.List(r.Context(), f)
	if err != nil {
		return err
	}
	res := ListResponse{Items: items}
	if next > 0 {
		res.NextBeforeID = &next
	}
	return httpapi.WriteJSON(w, http.StatusOK, res)
}

var shanghai = clock.Shanghai

// parseTime reads a date (midnight in Asia/Shanghai) or an RFC 3339 time.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, shanghai)
	return t.UTC(), err
}

// Get returns one case.
func (h *HTTP) Get(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.Store.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, c)
}

// Act applies POST /cases/{id}/{action}.
func (h *HTTP) Act(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in ActionInput
	if r.ContentLength != 0 {
		if err := httpapi.DecodeJSON(w, r, &in, 0); err != nil {
			return err
		}
	}
	c, err := h.Store.Act(r.Context(), id, Action(r.PathValue("action")), in)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, c)
}

// DuplicateList wraps duplicate candidates.
type DuplicateList struct {
	Items []Duplicate `json:"items"`
}

// Duplicates lists candidate duplicates of a case.
func (h *HTTP) Duplicates(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.Store.Duplicates(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, DuplicateList{Items: d})
}

// Stats returns the figures of an area and period (?area=&from=&to=; default the last 30 days).
func (h *HTTP) Stats(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	now := h.Store.clock.Now()
	from, to := now.AddDate(0, 0, -30), now.Add(time.Second)
	var v errs.Validation
	if s := q.Get("from"); s != "" {
		t, err := parseTime(s)
		v.Check(err == nil, "from", "time", "from must be a date (YYYY-MM-DD) or an RFC 3339 time", "from 须为日期或 RFC 3339 时间")
		from = t
	}
	if s := q.Get("to"); s != "" {
		t, err := parseTime(s)
		v.Check(err == nil, "to", "time", "to must be a date (YYYY-MM-DD) or an RFC 3339 time", "to 须为日期或 RFC 3339 时间")
		to = t
	}
	v.Check(to.After(from), "to", "after", "to must be after from", "结束时间须晚于开始时间")
	if err := v.Err(); err != nil {
		return err
	}
	st, err := h.Store.Stats(r.Context(), q.Get("area"), from, to)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, st)
}

// NotificationList is the caller's notifications.
type NotificationList struct {
	Items  []Notification `json:"items"`
	Unread int            `json:"unread"`
}

// Notifications lists the caller's notifications (?unread=true).
func (h *HTTP) Notifications(w http.ResponseWriter, r *http.Request) error {
	items, unread, err := h.Store.Notifications(r.Context(), r.URL.Query().Get("unread") == "true", 0)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, NotificationList{Items: items, Unread: unread})
}

// MarkRead marks a notification read.
func (h *HTTP) MarkRead(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Store.MarkRead(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Upload attaches a file to a case (multipart field "file", optional event_id).
func (h *HTTP) Upload(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.Store.Get(r.Context(), id)
	if err != nil {
		return err
	}
	var eventID *int64
	if s := r.URL.Query().Get("event_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return errs.Field("event_id", "integer", "event_id must be an integer", "event_id 必须是整数")
		}
		eventID = &n
	}
	filename, body, err := attach.ReadUpload(w, r, "file", h.Store.files.Limits().MaxBytes)
	if err != nil {
		return err
	}
	a, err := h.Store.Attach(r.Context(), &c, eventID, filename, body)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, a)
}

// Attachment serves a file of a visible case.
func (h *HTTP) Attachment(w http.ResponseWriter, r *http.Request) error {
	a, err := h.attachment(r)
	if err != nil {
		return err
	}
	f, err := h.Store.files.Open(a)
	if err != nil {
		return err
	}
	defer f.Close()
	attach.Serve(w, r, a, f)
	return nil
}

// Thumbnail serves an image attachment's thumbnail.
func (h *HTTP) Thumbnail(w http.ResponseWriter, r *http.Request) error {
	a, err := h.attachment(r)
	if err != nil {
		return err
	}
	f, _, err := h.Store.files.Thumbnail(r.Context(), a)
	if err != nil {
		return err
	}
	defer f.Close()
	attach.ServeThumbnail(w, r, a, f)
	return nil
}

func (h *HTTP) attachment(r *http.Request) (attach.Attachment, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return attach.Attachment{}, err
	}
	a, err := h.Store.files.Get(r.Context(), id)
	if err != nil {
		return attach.Attachment{}, err
	}
	// The file is visible exactly when its case is.
	if _, err := h.Store.Get(r.Context(), a.CaseID); err != nil {
		return attach.Attachment{}, errs.NotFoundf("attachment", "附件")
	}
	return a, nil
}
