package open311

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Limits of the POST body: a form is small; a multipart one may carry a
// file we do not keep, so it is allowed more before it is refused.
const (
	maxFormBody      = 1 << 20
	maxMultipartBody = 8 << 20
)

// CreateRequest serves POST requests.{json|xml}: files a case with the
// principal of the api_key, on channel "open311". A repeated
// Idempotency-Key answers the first request again (200 instead of 201).
// Nothing is stored unless the whole request is accepted.
func (h *Handler) CreateRequest(w http.ResponseWriter, r *http.Request) error {
	f, ok := formatOf(r)
	if !ok {
		return fail(w, f, errNoFormat)
	}
	form, e := readForm(w, r)
	if e != nil {
		return fail(w, f, *e)
	}
	sub, problems := ParseRequestForm(form)
	if sub.APIKey == "" {
		return fail(w, f, problems...) // the 403 alone
	}
	ctx := r.Context()
	p, err := h.keys.APIKeyPrincipal(ctx, sub.APIKey)
	if err != nil {
		if ke, ok := keyError(err); ok {
			return fail(w, f, ke)
		}
		return failInternal(w, r, f, err)
	}
	if !p.Can(access.CasesReport) {
		return fail(w, f, fieldError(403, "api_key", "forbidden", "该密钥的账号无权上报事件", "the key's account may not report cases"))
	}
	problems = append(h.checkJurisdiction(sub.Jurisdiction), problems...)
	t, err := h.taxonomy(ctx)
	if err != nil {
		return failInternal(w, r, f, err)
	}
	var (
		cat   cases.Category
		extra map[string]any
	)
	if sub.ServiceCode != "" {
		var found bool
		if cat, found = t.service(sub.ServiceCode); !found {
			problems = append(problems, serviceNotFound(sub.ServiceCode))
		} else {
			var ep []Error
			extra, ep = sub.Extra(cat.Fields)
			if len(ep) == 0 {
				// The engine checks them again when filing; asking now reports
				// them together with the form's own problems.
				if _, err := cat.ValidateExtra(extra); err != nil {
					ep, _ = reportErrors(err, sub)
				}
			}
			problems = append(problems, ep...)
		}
	}
	if len(problems) > 0 {
		return fail(w, f, problems...)
	}
	n := cases.NewCase{CategoryID: cat.ID, Title: sub.Title(cat.Name), Description: sub.Description,
		Lng: sub.Long, Lat: sub.Lat, CRS: "wgs84", Address: sub.AddressString, Channel: "open311",
		ReporterName: sub.ReporterName(), ReporterPhone: sub.Phone, Extra: extra, MediaURL: sub.MediaURL,
		IdempotencyKey: strings.TrimSpace(r.Header.Get("Idempotency-Key"))}
	if n.Address == "" {
		n.Address = sub.AddressID // the engine keeps no address id: it is the only address staff get
	}
	if sub.Lat == nil {
		n.AreaCode = h.cfg.DefaultArea
	}
	c, created, err := h.cases.Report(access.With(ctx, p), n)
	if err != nil {
		list, ok := reportErrors(err, sub)
		if !ok {
			return failInternal(w, r, f, err)
		}
		return fail(w, f, list...)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	out := []Created{{ServiceRequestID: c.Token, ServiceNotice: optText(notice(c)), AccountID: optText(sub.AccountID)}}
	write(w, f, status, out, xmlRequests[Created]{Requests: out})
	return nil
}

// readForm reads a url-encoded or multipart body (files are dropped).
func readForm(w http.ResponseWriter, r *http.Request) (map[string][]string, *Error) {
	multipart, ok := formContentType(r)
	if !ok {
		e := fieldError(400, "Content-Type", "format", "请求体须为 application/x-www-form-urlencoded 或 multipart/form-data",
			"the body must be application/x-www-form-urlencoded or multipart/form-data")
		return nil, &e
	}
	var err error
	if multipart {
		r.Body = http.MaxBytesReader(w, r.Body, maxMultipartBody)
		err = r.ParseMultipartForm(1 << 20)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		e := fieldError(400, "body", "format", "请求体格式错误", "the form cannot be read")
		if errors.As(err, &tooBig) {
			e = fieldError(400, "body", "max_size", fmt.Sprintf("请求体超过 %d 字节", tooBig.Limit), fmt.Sprintf("the body is larger than %d bytes", tooBig.Limit))
		}
		return nil, &e
	}
	return r.PostForm, nil // the body only: arguments in the URL are not read
}

// reportErrors words the engine's validation errors as the request's
// parameters; false for anything else (an internal error).
func reportErrors(err error, sub Submission) ([]Error, bool) {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) == 0 {
		return nil, false
	}
	var out []Error
	for _, fe := range e.Fields {
		code, param, zh, en := 400, fe.Field, fe.DetailZH, fe.Detail
		switch {
		case strings.HasPrefix(fe.Field, "extra."):
			key := strings.TrimPrefix(fe.Field, "extra.")
			param = "attribute[" + key + "]"
			if fe.Rule == "unknown_field" {
				zh, en = "该服务没有属性 "+key, "this service has no attribute "+key
			}
		case fe.Field == "lng" && fe.Rule == "outside":
			param = "lat/long"
			at := "(" + strconv.FormatFloat(*sub.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(*sub.Long, 'f', -1, 64) + ")"
			zh, en = "位置 "+at+" 不在辖区任何网格内", "the location "+at+" lies outside every grid of the jurisdiction"
		case fe.Field == "lng":
			param = "long"
		case fe.Field == "title":
			param = "description"
		case fe.Field == "reporter_phone":
			param = "phone"
		case fe.Field == "reporter_name":
			param = "first_name/last_name"
		case fe.Field == "category_id":
			code, param = 404, "service_code"
			zh, en = "没有服务类型 "+sub.ServiceCode, "no service "+sub.ServiceCode
		case fe.Field == "area_code" && fe.Rule == "scope":
			code, param = 403, "api_key"
		case fe.Field == "Idempotency-Key":
			param = "Idempotency-Key header"
		}
		out = append(out, fieldError(code, param, fe.Rule, zh, en))
	}
	return out, true
}

// lookup finds a case of the jurisdiction by its token.
func (h *Handler) lookup(ctx context.Context, token string) (cases.Case, bool, error) {
	token = strings.ToLower(strings.TrimSpace(token))
	if token == "" || len(token) > 64 {
		return cases.Case{}, false, nil
	}
	var id int64
	err := h.db.QueryRowContext(ctx, `SELECT id FROM cases WHERE token = ?`, token).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return cases.Case{}, false, nil
	}
	if err != nil {
		return cases.Case{}, false, err
	}
	c, err := h.cases.Get(access.System(ctx), id)
	if errs.Is(err, errs.NotFound) {
		return cases.Case{}, false, nil
	}
	if err != nil {
		return cases.Case{}, false, err
	}
	return c, strings.HasPrefix(c.AreaCode, h.cfg.Jurisdiction) && publishable(c), nil
}

// publishable: disputes (矛盾纠纷) concern identifiable neighbours and
// families, so they are never published, whoever reported them.
func publishable(c cases.Case) bool { return c.Category == nil || !c.Category.Dispute }

func requestNotFound(id string) Error {
	return fieldError(404, "service_request_id", "not_found", "没有诉求 "+id, "no service request "+id)
}

// Request serves requests/{service_request_id}.{json|xml}: a list of one.
func (h *Handler) Request(w http.ResponseWriter, r *http.Request) error {
	id, f, ok := format(r.PathValue("service_request_id"))
	if !ok {
		return fail(w, f, errNoFormat)
	}
	if e := h.checkJurisdiction(r.URL.Query().Get("jurisdiction_id")); e != nil {
		return fail(w, f, e...)
	}
	c, found, err := h.lookup(r.Context(), id)
	if err != nil {
		return failInternal(w, r, f, err)
	}
	if !found {
		return fail(w, f, requestNotFound(id))
	}
	out := []Request{view(c)}
	write(w, f, http.StatusOK, out, xmlRequests[Request]{Requests: out})
	return nil
}

// Token serves tokens/{token}.{json|xml}. Requests are created at once, so
// a token is the service_request_id itself.
func (h *Handler) Token(w http.ResponseWriter, r *http.Request) error {
	token, f, ok := format(r.PathValue("token"))
	if !ok {
		return fail(w, f, errNoFormat)
	}
	if e := h.checkJurisdiction(r.URL.Query().Get("jurisdiction_id")); e != nil {
		return fail(w, f, e...)
	}
	c, found, err := h.lookup(r.Context(), token)
	if err != nil {
		return failInternal(w, r, f, err)
	}
	if !found {
		return fail(w, f, fieldError(404, "token", "not_found", "没有令牌 "+token, "no token "+token))
	}
	out := []TokenAnswer{{ServiceRequestID: c.Token, Token: c.Token}}
	write(w, f, http.StatusOK, out, xmlRequests[TokenAnswer]{Requests: out})
	return nil
}

// closedStates are the engine's states that Open311 calls closed.
var closedStates = map[cases.State]bool{cases.Closed: true, cases.Rejected: true, cases.Merged: true}

// view is the public side of a case: what was reported, where, and how it
// stands — nothing of who reported it.
func view(c cases.Case) Request {
	// Descriptions and staff notes are published only for requests that
	// came in through Open311 itself: what a caller told the hotline, or a
	// grid worker wrote, may name people and is not public.
	public := c.Channel == "open311"
	desc := ""
	if public {
		desc = c.Description
	}
	v := Request{ServiceRequestID: c.Token, Status: "open", ServiceName: c.CategoryName,
		Description: optText(desc), AgencyResponsible: optText(agency(c)),
		RequestedDatetime: w3c(c.ReportedAt), UpdatedDatetime: w3c(c.UpdatedAt),
		ExpectedDatetime: optTime(c.ResolveDueAt), Address: optText(c.Address),
		Lat: number(c.Lat), Long: number(c.Lng), MediaURL: optText(c.MediaURL)}
	if c.Category != nil {
		v.ServiceCode = c.Category.Code
	}
	// The last change of state explains the current one.
	var last *cases.Event
	for i := range c.Timeline {
		e := &c.Timeline[i]
		if e.FromState != nil && *e.FromState != e.ToState {
			last = e
		}
	}
	if last != nil && public {
		v.StatusNotes = optText(last.Note)
	}
	if closedStates[c.State] {
		v.Status = "closed"
		// "For requests with status=closed, this will be the date the request was closed."
		switch {
		case c.ClosedAt != nil:
			v.UpdatedDatetime = w3c(*c.ClosedAt)
		case last != nil:
			v.UpdatedDatetime = w3c(last.At)
		}
	} else {
		v.ServiceNotice = optText(notice(c))
	}
	return v
}

// agency is who handles the case now, as an office, never a person.
func agency(c cases.Case) string {
	switch {
	case c.Level == cases.LevelDepartment:
		if c.AssigneeUnitName != "" {
			return c.AssigneeUnitName
		}
		return "区直部门"
	case c.Level == cases.LevelGrid && len(c.AreaCode) >= 15 && c.CommunityName != "":
		return c.CommunityName + "网格员"
	case (c.Level == cases.LevelGrid || c.Level == cases.LevelCommunity) && len(c.AreaCode) >= 12 && c.CommunityName != "":
		return c.CommunityName
	}
	return "街道社会治理中心"
}

// notice tells what happens next to an open case.
func notice(c cases.Case) string {
	if closedStates[c.State] {
		return ""
	}
	s := "已登记，由" + agency(c) + "处理"
	en := "Registered; handled by " + agency(c)
	if c.ResolveDueAt != nil {
		due := c.ResolveDueAt.In(clock.Shanghai).Format("2006-01-02 15:04")
		s += "，预计 " + due + " 前办结"
		en += ", expected to be resolved by " + due + " (UTC+8)"
	}
	return s + "。" + en + "."
}

// Requests serves GET requests.{json|xml}: the jurisdiction's requests,
// newest first, by ids (which override every other argument) or by
// service_code, status and a window of at most 90 days (the last 90 days
// by default), at most 1000.
func (h *Handler) Requests(w http.ResponseWriter, r *http.Request) error {
	f, ok := formatOf(r)
	if !ok {
		return fail(w, f, errNoFormat)
	}
	q := r.URL.Query()
	if e := h.checkJurisdiction(q.Get("jurisdiction_id")); e != nil {
		return fail(w, f, e...)
	}
	ctx := r.Context()
	var out []Request
	if ids := splitList(q["service_request_id"]); len(ids) > 0 {
		if len(ids) > maxResults {
			return fail(w, f, fieldError(400, "service_request_id", "max_count", fmt.Sprintf("最多 %d 个", maxResults), fmt.Sprintf("at most %d ids", maxResults)))
		}
		for _, id := range ids {
			c, found, err := h.lookup(ctx, id)
			if err != nil {
				return failInternal(w, r, f, err)
			}
			if found {
				out = append(out, view(c))
			}
		}
	} else {
		t, err := h.taxonomy(ctx)
		if err != nil {
			return failInternal(w, r, f, err)
		}
		query, problems := h.parseQuery(q, t)
		if len(problems) > 0 {
			return fail(w, f, problems...)
		}
		list, err := h.search(ctx, query)
		if err != nil {
			return failInternal(w, r, f, err)
		}
		for _, c := range list {
			if publishable(c) {
				out = append(out, view(c))
			}
		}
	}
	if out == nil {
		out = []Request{}
	}
	write(w, f, http.StatusOK, out, xmlRequests[Request]{Requests: out})
	return nil
}

// splitList reads an argument given as a comma-separated list, repeated or
// both, without blanks or repeats.
func splitList(vals []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vals {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" && !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	return out
}
