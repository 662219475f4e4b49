package open311

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/platform/clock"
)

// The specification's response volume: "a span of 90 days or first 1000
// requests returned, whichever is smallest".
const (
	maxSpan    = 90 * 24 * time.Hour
	maxResults = 1000
	maxCodes   = 100
)

// query is a GET requests search.
type query struct {
	categories []int64       // none: every service
	states     []cases.State // none: every state
	from, to   time.Time     // reported in [from, to)
}

var statusStates = map[string][]cases.State{
	"open":   {cases.Reported, cases.Accepted, cases.Dispatched, cases.InProgress, cases.Resolved, cases.Reopened, cases.Suspended},
	"closed": {cases.Closed, cases.Rejected, cases.Merged},
}

func (h *Handler) parseQuery(q url.Values, t taxonomy) (query, []Error) {
	var (
		out      query
		problems []Error
	)
	codes := splitList(q["service_code"])
	if len(codes) > maxCodes {
		problems = append(problems, fieldError(400, "service_code", "max_count", fmt.Sprintf("最多 %d 个", maxCodes), fmt.Sprintf("at most %d codes", maxCodes)))
		codes = nil
	}
	for _, code := range codes {
		// Any category ever used, offered or not: old requests stay findable.
		c, ok := t.byCode[code]
		if !ok {
			problems = append(problems, serviceNotFound(code))
			continue
		}
		out.categories = append(out.categories, c.ID)
	}
	statuses := splitList(q["status"])
	for _, s := range statuses {
		if _, ok := statusStates[s]; !ok {
			problems = append(problems, fieldError(400, "status", "enum", "须为 open 或 closed", "must be open or closed"))
		}
	}
	if len(statuses) == 1 && len(problems) == 0 {
		out.states = statusStates[statuses[0]]
	}
	start, okStart := w3cArg(q, "start_date", &problems)
	end, okEnd := w3cArg(q, "end_date", &problems)
	switch {
	case okStart && okEnd:
		if end.Before(start) {
			problems = append(problems, fieldError(400, "end_date", "order", "不能早于 start_date", "is before start_date"))
		} else if end.Sub(start) > maxSpan {
			problems = append(problems, fieldError(400, "start_date/end_date", "max_span", "时间范围不能超过 90 天", "the range may not span more than 90 days"))
		}
		out.from, out.to = start, end
	case okStart:
		out.from, out.to = start, start.Add(maxSpan)
	case okEnd:
		out.from, out.to = end.Add(-maxSpan), end
	default:
		out.to = h.clock.Now()
		out.from = out.to.Add(-maxSpan)
	}
	out.to = out.to.Add(time.Millisecond) // end_date is the latest time included
	return out, problems
}

// w3cArg reads a W3C date-time (with its offset) or a date (a day in
// Asia/Shanghai). A '+' of an offset that arrived unescaped, as a space, is
// read as the '+' it was.
func w3cArg(q url.Values, name string, problems *[]Error) (time.Time, bool) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, strings.Replace(v, " ", "+", 1)); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02T15:04Z07:00", strings.Replace(v, " ", "+", 1)); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02", v, clock.Shanghai); err == nil {
		return t, true
	}
	*problems = append(*problems, fieldError(400, name, "format", "须为 W3C 时间，如 2026-01-01T00:00:00+08:00", "must be a W3C date-time, eg 2026-01-01T00:00:00+08:00"))
	return time.Time{}, false
}

// stream pages through the cases of one engine filter, newest first.
type stream struct {
	f    cases.Filter
	buf  []cases.Summary
	done bool
}

func (s *stream) head(ctx context.Context, cs *cases.Store) (*cases.Summary, error) {
	if len(s.buf) == 0 && !s.done {
		items, next, err := cs.List(ctx, s.f)
		if err != nil {
			return nil, err
		}
		s.buf, s.done = items, next == 0
		s.f.BeforeID = next
	}
	if len(s.buf) == 0 {
		return nil, nil
	}
	return &s.buf[0], nil
}

// search runs a query over the jurisdiction as the system (the public may
// read every case of it, through view): one engine list per service and
// state asked for, merged newest first, at most maxResults.
func (h *Handler) search(ctx context.Context, q query) ([]cases.Case, error) {
	ctx = access.System(ctx)
	cats, states := q.categories, q.states
	if len(cats) == 0 {
		cats = []int64{0}
	}
	if len(states) == 0 {
		states = []cases.State{""}
	}
	page := 200
	if len(cats)*len(states) > 1 {
		page = 50
	}
	var streams []*stream
	for _, c := range cats {
		for _, st := range states {
			streams = append(streams, &stream{f: cases.Filter{Area: h.cfg.Jurisdiction, CategoryID: c, State: st,
				From: &q.from, To: &q.to, Limit: page}})
		}
	}
	var out []cases.Case
	var last int64
	for len(out) < maxResults {
		var best *stream
		var bestID int64
		for _, s := range streams {
			sm, err := s.head(ctx, h.cases)
			if err != nil {
				return nil, err
			}
			if sm != nil && sm.ID > bestID {
				best, bestID = s, sm.ID
			}
		}
		if best == nil {
			break
		}
		best.buf = best.buf[1:]
		if bestID == last {
			continue // a 大类 and its 小类 both asked for
		}
		last = bestID
		c, err := h.cases.Get(ctx, bestID)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
