package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/geo"
)

func gcj(lng, lat float64) (float64, float64) { return geo.WGS84ToGCJ02(lng, lat) }

func TestCaseLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		resident := e.login("resident")
		// A located report lands in its microgrid, at the grid level, with the grid worker.
		c := f.report(resident, map[string]any{"category_id": f.garbage, "title": "楼下垃圾堆积", "description": "三天没人清运",
			"lng": f.mg111Lng, "lat": f.mg111Lat, "channel": "resident"}, 201)
		if c.AreaCode != "370211001001001001" || c.Level != cases.LevelGrid || c.State != cases.Reported || c.AssigneeUserID == nil || *c.AssigneeUserID != e.users["gw11"] {
			t.Fatalf("intake: %+v", c.Summary)
		}
		if c.ReporterName != "居民甲" || c.CommunityName != "社区1" || c.AcceptDueAt == nil || !c.AcceptDueAt.Equal(e.clock.Now().Add(time.Hour)) {
			t.Fatalf("reporter/deadline: %+v %v", c.ReporterName, c.AcceptDueAt)
		}
		// The grid worker is told, accepts, starts and resolves.
		gw := e.login("gw11")
		var notes cases.NotificationList
		gw.mustDo("GET", "/api/v1/notifications?unread=true", nil, 200, &notes)
		if notes.Unread != 1 || notes.Items[0].CaseID == nil || *notes.Items[0].CaseID != c.ID {
			t.Fatalf("notifications: %+v", notes)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, 200, &c)
		if strings.Join(actionStrings(c.AllowedActions), ",") != "accept,escalate" {
			t.Fatalf("grid worker may: %v", c.AllowedActions)
		}
		f.act(gw, c.ID, "accept", nil)
		f.act(gw, c.ID, "start", nil)
		// An illegal transition is refused and changes nothing.
		events := e.count("case_events")
		if p := gw.do("POST", fmt.Sprintf("/api/v1/cases/%d/verify", c.ID), map[string]any{"passed": true}).problem(t); p.Status != 409 || p.Code != "illegal_transition" || p.DetailZH == "" {
			t.Fatalf("verify while in progress: %+v", p)
		}
		if e.count("case_events") != events {
			t.Fatal("a refused action appended a timeline step")
		}
		e.clock.Advance(90 * time.Minute)
		c = f.act(gw, c.ID, "resolve", map[string]any{"note": "已协调环卫清运"})
		if c.State != cases.Resolved || c.ResolvedAt == nil {
			t.Fatalf("resolved: %+v", c.Summary)
		}
		// Someone who is not the reporter cannot rate; the community verifies and closes.
		if p := gw.do("POST", fmt.Sprintf("/api/v1/cases/%d/rate", c.ID), map[string]any{"rating": "satisfied"}).problem(t); p.Status != 409 && p.Status != 403 {
			t.Fatalf("rating by a non-reporter: %+v", p)
		}
		c = f.act(e.login("sec1"), c.ID, "verify", map[string]any{"passed": true, "note": "现场核查已清理"})
		if c.State != cases.Closed || c.ClosedLevel == nil || *c.ClosedLevel != cases.LevelGrid {
			t.Fatalf("closed: %+v %v", c.Summary, c.ClosedLevel)
		}
		if p := gw.do("POST", fmt.Sprintf("/api/v1/cases/%d/rate", c.ID), map[string]any{"rating": "satisfied"}).problem(t); p.Status != 403 {
			t.Fatalf("rating by a non-reporter: %+v", p)
		}
		if p := resident.do("POST", fmt.Sprintf("/api/v1/cases/%d/rate", c.ID), map[string]any{"rating": "great"}).problem(t); !p.hasField("rating", "enum") {
			t.Fatalf("bad rating: %+v", p)
		}
		c = f.act(resident, c.ID, "rate", map[string]any{"rating": "satisfied", "note": "很及时"})
		if c.Rating == nil || *c.Rating != "satisfied" {
			t.Fatalf("rating: %+v", c.Rating)
		}
		if got := strings.Join(actionsOf(c), ","); got != "report,accept,start,resolve,verify,rate" {
			t.Fatalf("timeline: %s", got)
		}
		// Rated once only.
		if p := resident.do("POST", fmt.Sprintf("/api/v1/cases/%d/rate", c.ID), map[string]any{"rating": "basic"}).problem(t); p.Status != 403 && p.Status != 409 {
			t.Fatalf("second rating: %+v", p)
		}
		// Figures: one case, closed at grid level, satisfied.
		var st cases.Stats
		e.login("center").mustDo("GET", "/api/v1/cases/stats?area=370211001", nil, 200, &st)
		if st.Total != 1 || st.ByState[cases.Closed] != 1 || st.Rates.Community != 1 || st.Satisfaction.Rate != 1 || st.AvgHandleHours != 1.5 {
			t.Fatalf("stats: %+v", st)
		}
	})
}

func actionStrings(as []cases.Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

func TestCaseIntakeValidation(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		staff := e.login("sec1")
		before := e.count("cases")
		bad := []struct {
			name        string
			body        map[string]any
			field, rule string
		}{
			{"unknown category", map[string]any{"category_id": 9999, "title": "x", "area_code": "370211001001", "channel": "console"}, "category_id", "exists"},
			{"a 大类", map[string]any{"category_id": f.disputeTop, "title": "x", "area_code": "370211001001", "channel": "console", "extra": map[string]any{"parties": 2}}, "category_id", "exists"},
			{"missing required field", map[string]any{"category_id": f.dispute, "title": "吵架", "area_code": "370211001001", "channel": "console"}, "extra.parties", "required"},
			{"wrong field type", map[string]any{"category_id": f.dispute, "title": "吵架", "area_code": "370211001001", "channel": "console", "extra": map[string]any{"parties": "很多"}}, "extra.parties", "number"},
			{"bad option", map[string]any{"category_id": f.dispute, "title": "吵架", "area_code": "370211001001", "channel": "console", "extra": map[string]any{"parties": 2, "severity": "极其"}}, "extra.severity", "option"},
			{"unknown field", map[string]any{"category_id": f.dispute, "title": "吵架", "area_code": "370211001001", "channel": "console", "extra": map[string]any{"parties": 2, "mood": "bad"}}, "extra.mood", "unknown_field"},
			{"outside every grid", map[string]any{"category_id": f.garbage, "title": "x", "lng": 121.9, "lat": 36.9, "channel": "console"}, "lng", "outside"},
			{"no place", map[string]any{"category_id": f.garbage, "title": "x", "channel": "console"}, "area_code", "required"},
			{"bad crs", map[string]any{"category_id": f.garbage, "title": "x", "lng": f.mg111Lng, "lat": f.mg111Lat, "crs": "utm", "channel": "console"}, "crs", "enum"},
			{"no title", map[string]any{"category_id": f.garbage, "title": " ", "area_code": "370211001001", "channel": "console"}, "title", "required"},
			{"bad channel", map[string]any{"category_id": f.garbage, "title": "x", "area_code": "370211001001", "channel": "fax"}, "channel", "enum"},
			{"other community", map[string]any{"category_id": f.garbage, "title": "x", "area_code": "370211001002", "channel": "console"}, "area_code", ""},
		}
		for _, b := range bad {
			if p := staff.do("POST", "/api/v1/cases", b.body).problem(t); p.Status != 422 || !p.hasField(b.field, b.rule) {
				t.Errorf("%s: %+v", b.name, p)
			}
		}
		if e.count("cases") != before || e.count("case_events") != 0 {
			t.Fatal("bad reports stored something")
		}
		// A GCJ-02 point is converted before placing.
		x, y := gcj(f.mg211Lng, f.mg211Lat)
		c := f.report(e.login("disp"), map[string]any{"category_id": f.dispute, "title": "噪音纠纷", "lng": x, "lat": y, "crs": "gcj02", "channel": "hotline",
			"reporter_name": "王先生", "reporter_phone": "13912345678", "extra": map[string]any{"parties": 2, "severity": "紧急"}}, 201)
		if c.AreaCode != "370211001002001001" || c.Level != cases.LevelCommunity || *c.AssigneeUserID != e.users["sec2"] || c.ReporterPhoneMasked != "139****5678" {
			t.Fatalf("hotline case: %+v", c)
		}
		raw := string(e.login("sec2").mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, 200, nil).body)
		if strings.Contains(raw, "13912345678") {
			t.Fatal("the reporter's phone leaks in clear")
		}
	})
}

func TestCaseScopeAndIdempotency(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		gw := e.login("gw11")
		body := map[string]any{"category_id": f.garbage, "title": "占道堆物", "lng": f.mg111Lng, "lat": f.mg111Lat, "channel": "app"}
		r1 := gw.doWith("POST", "/api/v1/cases", body, map[string]string{"Idempotency-Key": "draft-7f3a"})
		r2 := gw.doWith("POST", "/api/v1/cases", body, map[string]string{"Idempotency-Key": "draft-7f3a"})
		var c1, c2 cases.Case
		_ = json.Unmarshal(r1.body, &c1)
		_ = json.Unmarshal(r2.body, &c2)
		if r1.status != 201 || r2.status != 200 || c1.ID == 0 || c1.ID != c2.ID || e.count("cases") != 1 {
			t.Fatalf("idempotent retry: %d %d ids %d %d, %d cases", r1.status, r2.status, c1.ID, c2.ID, e.count("cases"))
		}
		// Another sender's identical key is another case.
		r3 := e.login("sec1").doWith("POST", "/api/v1/cases", body, map[string]string{"Idempotency-Key": "draft-7f3a"})
		if r3.status != 201 || e.count("cases") != 2 {
			t.Fatalf("other sender: %d", r3.status)
		}
		// Outside the area: 404 for reading and acting, not in lists.
		for _, who := range []string{"sec2", "gw21", "resident2"} {
			c := e.login(who)
			if c.do("GET", fmt.Sprintf("/api/v1/cases/%d", c1.ID), nil).status != 404 || c.do("POST", fmt.Sprintf("/api/v1/cases/%d/accept", c1.ID), nil).status != 404 {
				t.Errorf("%s reaches a case outside its area", who)
			}
			var list cases.ListResponse
			c.mustDo("GET", "/api/v1/cases", nil, 200, &list)
			if len(list.Items) != 0 {
				t.Errorf("%s lists %d cases", who, len(list.Items))
			}
		}
		// A resident sees own reports only; a leader reads but cannot act.
		var list cases.ListResponse
		e.login("resident").mustDo("GET", "/api/v1/cases", nil, 200, &list)
		if len(list.Items) != 0 {
			t.Fatalf("resident sees others' cases")
		}
		ld := e.login("leader")
		ld.mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", c1.ID), nil, 200, nil)
		if p := ld.do("POST", fmt.Sprintf("/api/v1/cases/%d/accept", c1.ID), nil).problem(t); p.Status != 403 {
			t.Fatalf("leader acts: %+v", p)
		}
		// Filters and keyset pages.
		e.login("center").mustDo("GET", "/api/v1/cases?limit=1", nil, 200, &list)
		if len(list.Items) != 1 || list.NextBeforeID == nil {
			t.Fatalf("page 1: %+v", list)
		}
		e.login("center").mustDo("GET", fmt.Sprintf("/api/v1/cases?limit=1&before_id=%d", *list.NextBeforeID), nil, 200, &list)
		if len(list.Items) != 1 || list.NextBeforeID != nil {
			t.Fatalf("page 2: %+v", list)
		}
		if p := e.login("center").do("GET", "/api/v1/cases?state=lost", nil).problem(t); !p.hasField("state", "enum") {
			t.Fatalf("bad filter: %+v", p)
		}
		e.login("center").mustDo("GET", "/api/v1/cases?mine=reported", nil, 200, &list)
		if len(list.Items) != 0 {
			t.Fatal("center reported nothing")
		}
	})
}

func TestEscalationAndDepartments(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		sec1 := e.login("sec1")
		c := f.report(sec1, map[string]any{"category_id": f.dispute, "title": "楼上漏水纠纷", "area_code": "370211001001", "channel": "console", "extra": map[string]any{"parties": 2}}, 201)
		f.act(sec1, c.ID, "accept", nil)
		if p := sec1.do("POST", fmt.Sprintf("/api/v1/cases/%d/escalate", c.ID), map[string]any{}).problem(t); !p.hasField("reason", "required") {
			t.Fatalf("escalate without reason: %+v", p)
		}
		c = f.act(sec1, c.ID, "escalate", map[string]any{"reason": "涉及多个楼栋，社区协调不了"})
		if c.Level != cases.LevelSubdistrict || c.MaxLevel != cases.LevelSubdistrict || c.Escalations != 1 || c.AssigneeUserID != nil {
			t.Fatalf("escalated: %+v", c)
		}
		disp := e.login("disp")
		c = f.act(disp, c.ID, "escalate", map[string]any{"reason": "需城管执法"})
		if c.Level != cases.LevelDepartment || c.AssigneeUnitID == nil || *c.AssigneeUnitID != f.dept {
			t.Fatalf("to department: %+v", c)
		}
		// The department's handler sees it (and nothing else), and works on it.
		dh := e.login("depth")
		var list cases.ListResponse
		dh.mustDo("GET", "/api/v1/cases?mine=assigned", nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != c.ID {
			t.Fatalf("department list: %+v", list.Items)
		}
		f.act(dh, c.ID, "start", nil)
		// The dispatcher hands it back down; disputes pushed past the subdistrict do not count as kept.
		c = f.act(disp, c.ID, "hand_down", map[string]any{"reason": "已协调，社区跟进"})
		if c.Level != cases.LevelSubdistrict || c.MaxLevel != cases.LevelDepartment {
			t.Fatalf("handed down: %+v", c)
		}
		if dh.do("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil).status != 404 {
			t.Fatal("the department still sees a case handed back")
		}
		f.act(disp, c.ID, "dispatch", map[string]any{"assignee_user_id": e.users["sec1"]})
		f.act(sec1, c.ID, "start", nil)
		f.act(sec1, c.ID, "resolve", map[string]any{"note": "双方和解"})
		c = f.act(disp, c.ID, "verify", map[string]any{"passed": true})
		var st cases.Stats
		e.login("center").mustDo("GET", "/api/v1/cases/stats", nil, 200, &st)
		if st.Rates.Disputes != 0 || st.Rates.Subdistrict != 1 || st.Rates.Community != 0 {
			t.Fatalf("rates: %+v", st.Rates)
		}
		// Dispatching to someone without a role there is refused.
		c2 := f.report(sec1, map[string]any{"category_id": f.dispute, "title": "x", "area_code": "370211001001", "channel": "console", "extra": map[string]any{"parties": 3}}, 201)
		f.act(sec1, c2.ID, "accept", nil)
		if p := sec1.do("POST", fmt.Sprintf("/api/v1/cases/%d/dispatch", c2.ID), map[string]any{"assignee_user_id": e.users["gw21"]}).problem(t); !p.hasField("assignee_user_id", "scope") {
			t.Fatalf("dispatch outside: %+v", p)
		}
	})
}

func TestOverdueScanner(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		var got []string
		var mu sync.Mutex
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mac := hmac.New(sha256.New, []byte("s3cret"))
			mac.Write(body)
			if r.Header.Get("X-Tongxin-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
				w.WriteHeader(400)
				return
			}
			mu.Lock()
			got = append(got, string(body))
			mu.Unlock()
		}))
		defer hook.Close()
		e.srv.Webhook.URL, e.srv.Webhook.Secret = hook.URL, "s3cret"
		gw := e.login("gw11")
		c := f.report(gw, map[string]any{"category_id": f.garbage, "title": "垃圾满溢", "lng": f.mg111Lng, "lat": f.mg111Lat, "channel": "app"}, 201)
		ctx := access.System(context.Background())
		if n, err := e.srv.Cases.ScanOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("nothing is due yet: %d %v", n, err)
		}
		// Past the 60-minute accept deadline: flagged once, even by two scanners at once.
		e.clock.Advance(61 * time.Minute)
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := e.srv.Cases.ScanOverdue(ctx)
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 1 {
			t.Fatalf("flagged %v times", counts)
		}
		if n, _ := e.srv.Cases.ScanOverdue(ctx); n != 0 {
			t.Fatalf("flagged again: %d", n)
		}
		// The category escalates by itself: the case is now the community's, and the secretary was told.
		e.login("sec1").mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, 200, &c)
		if !c.Overdue || c.Level != cases.LevelCommunity || *c.AssigneeUserID != e.users["sec1"] || strings.Join(actionsOf(c), ",") != "report,overdue,auto_escalate" {
			t.Fatalf("after scan: %+v %v", c.Summary, actionsOf(c))
		}
		var notes cases.NotificationList
		e.login("sec1").mustDo("GET", "/api/v1/notifications", nil, 200, &notes)
		kinds := []string{}
		for _, n := range notes.Items {
			kinds = append(kinds, n.Kind)
		}
		if strings.Join(kinds, ",") != "escalated,overdue" {
			t.Fatalf("secretary's notifications: %v", kinds)
		}
		e.login("sec1").mustDo("POST", fmt.Sprintf("/api/v1/notifications/%d/read", notes.Items[0].ID), nil, 204, nil)
		e.login("sec1").mustDo("GET", "/api/v1/notifications?unread=true", nil, 200, &notes)
		if notes.Unread != 1 {
			t.Fatalf("unread after marking: %d", notes.Unread)
		}
		// The webhook gets the event once, signed; a second delivery run sends nothing.
		if n, err := e.srv.Webhook.DeliverDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("delivered %d: %v", n, err)
		}
		if n, _ := e.srv.Webhook.DeliverDue(context.Background()); n != 0 || len(got) != 1 || !strings.Contains(got[0], `"case.overdue"`) || !strings.Contains(got[0], c.Token) {
			t.Fatalf("webhook bodies: %v", got)
		}
	})
}

func TestSuspensionPausesTheClock(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		disp := e.login("disp")
		c := f.report(disp, map[string]any{"category_id": f.garbage, "title": "绿化带垃圾", "area_code": "370211001001001", "channel": "hotline"}, 201)
		f.act(disp, c.ID, "accept", nil)
		due := *c.ResolveDueAt // reported + 240 min, calendar clock
		e.clock.Advance(time.Hour)
		f.act(disp, c.ID, "suspend", map[string]any{"reason": "等待产权单位确认"})
		e.clock.Advance(10 * 24 * time.Hour)
		if n, _ := e.srv.Cases.ScanOverdue(access.System(context.Background())); n != 0 {
			t.Fatal("a suspended case went overdue")
		}
		disp = e.login("disp") // the session lapsed while the case waited
		c = f.act(disp, c.ID, "resume", nil)
		if c.State != cases.Accepted || !c.ResolveDueAt.Equal(due.Add(10*24*time.Hour)) {
			t.Fatalf("resumed: state %s due %v, want %v", c.State, c.ResolveDueAt, due.Add(10*24*time.Hour))
		}
	})
}

func TestWorkingTimeDeadlines(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		// Friday 2026-12-04 17:00 in Shanghai; 120 working minutes: 30 left on Friday, 90 from Monday 08:30.
		e.clock.Set(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
		c := f.report(e.login("disp"), map[string]any{"category_id": f.pothole, "title": "路面塌陷", "area_code": "370211001001", "channel": "hotline"}, 201)
		want := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC) // Monday 10:00 Shanghai
		if c.AcceptDueAt == nil || !c.AcceptDueAt.Equal(want) {
			t.Fatalf("accept due %v, want %v", c.AcceptDueAt, want)
		}
		if c.Level != cases.LevelDepartment || *c.AssigneeUnitID != f.dept {
			t.Fatalf("pothole routing: %+v", c.Summary)
		}
	})
}

func TestDuplicatesAndMerge(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		first := f.report(e.login("gw11"), map[string]any{"category_id": f.garbage, "title": "垃圾堆", "lng": f.mg111Lng, "lat": f.mg111Lat, "channel": "app"}, 201)
		resident := e.login("resident")
		second := f.report(resident, map[string]any{"category_id": f.garbage, "title": "门口有垃圾", "lng": f.mg111Lng + 0.0004, "lat": f.mg111Lat, "channel": "resident"}, 201)
		if len(second.Duplicates) != 0 {
			t.Fatalf("a resident is shown others' cases as duplicates: %+v", second.Duplicates)
		}
		// Staff entering a hotline call are offered the open case nearby.
		disp := e.login("disp")
		third := f.report(disp, map[string]any{"category_id": f.garbage, "title": "电话反映垃圾", "lng": f.mg111Lng, "lat": f.mg111Lat + 0.0002, "channel": "hotline"}, 201)
		if len(third.Duplicates) != 2 || third.Duplicates[0].ID != first.ID {
			t.Fatalf("duplicates offered at intake: %+v", third.Duplicates)
		}
		var dl cases.DuplicateList
		disp.mustDo("GET", fmt.Sprintf("/api/v1/cases/%d/duplicates", second.ID), nil, 200, &dl)
		if len(dl.Items) != 2 || dl.Items[0].ID != third.ID && dl.Items[0].ID != first.ID || dl.Items[1].DistanceM < 30 || dl.Items[1].DistanceM > 50 {
			t.Fatalf("duplicates of the resident's case: %+v", dl.Items)
		}
		far := f.report(disp, map[string]any{"category_id": f.garbage, "title": "另一处", "lng": f.mg111Lng + 0.005, "lat": f.mg111Lat, "channel": "hotline"}, 201)
		if len(far.Duplicates) != 0 {
			t.Fatalf("a case 450 m away is offered as a duplicate: %+v", far.Duplicates)
		}
		if p := disp.do("POST", fmt.Sprintf("/api/v1/cases/%d/merge", second.ID), map[string]any{"target_id": second.ID}).problem(t); !p.hasField("target_id", "self") {
			t.Fatalf("merge into itself: %+v", p)
		}
		m := f.act(disp, second.ID, "merge", map[string]any{"target_id": first.ID})
		if m.State != cases.Merged || *m.MergedIntoID != first.ID {
			t.Fatalf("merged: %+v", m.Summary)
		}
		// The merged report's resident follows the original.
		var orig cases.Case
		resident.mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", first.ID), nil, 200, &orig)
		if got := strings.Join(actionsOf(orig), ","); got != "report,merged_from" {
			t.Fatalf("original's timeline: %s", got)
		}
	})
}

func TestCaseAttachments(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		gw := e.login("gw11")
		c := f.report(gw, map[string]any{"category_id": f.garbage, "title": "垃圾", "lng": f.mg111Lng, "lat": f.mg111Lat, "channel": "app"}, 201)
		img := image.NewRGBA(image.Rect(0, 0, 800, 400))
		var buf bytes.Buffer
		_ = png.Encode(&buf, img)
		r := gw.upload(fmt.Sprintf("/api/v1/cases/%d/attachments", c.ID), "现场.png", buf.Bytes())
		if r.status != 201 {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		var a struct {
			ID           int64  `json:"id"`
			ThumbnailURL string `json:"thumbnail_url"`
			Width        int    `json:"width"`
		}
		_ = json.Unmarshal(r.body, &a)
		if a.Width != 800 || a.ThumbnailURL == "" {
			t.Fatalf("attachment: %s", r.body)
		}
		// The same photo sent again (a retry after a lost answer) is stored once.
		again := gw.upload(fmt.Sprintf("/api/v1/cases/%d/attachments", c.ID), "现场.png", buf.Bytes())
		var a2 struct {
			ID int64 `json:"id"`
		}
		_ = json.Unmarshal(again.body, &a2)
		if again.status != 201 || a2.ID != a.ID || e.count("attachments") != 1 {
			t.Fatalf("retried upload: %d id %d vs %d, %d rows", again.status, a2.ID, a.ID, e.count("attachments"))
		}
		th := gw.do("GET", a.ThumbnailURL, nil)
		if th.status != 200 || th.header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("thumbnail: %d %s", th.status, th.header.Get("Content-Type"))
		}
		if e.login("sec2").do("GET", fmt.Sprintf("/api/v1/attachments/%d", a.ID), nil).status != 404 {
			t.Fatal("another community reads the photo")
		}
		rows := e.count("attachments")
		if p := gw.upload(fmt.Sprintf("/api/v1/cases/%d/attachments", c.ID), "photo.jpg", []byte("this is not a photo at all")).problem(t); p.Status != 422 || !p.hasField("file", "content_mismatch") {
			t.Fatalf("text named .jpg: %+v", p)
		}
		big := bytes.Repeat([]byte{0xff}, 50<<20)
		if p := gw.upload(fmt.Sprintf("/api/v1/cases/%d/attachments", c.ID), "big.jpg", big).problem(t); p.Status != 413 {
			t.Fatalf("50 MB: %+v", p)
		}
		if e.count("attachments") != rows {
			t.Fatal("rejected uploads stored rows")
		}
		var full cases.Case
		gw.mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, 200, &full)
		if len(full.Attachments) != 1 || actionsOf(full)[1] != "attach" {
			t.Fatalf("case attachments: %d %v", len(full.Attachments), actionsOf(full))
		}
	})
}

func TestCategoryManagement(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		admin := e.login("admin")
		var list cases.CategoryList
		e.login("gw11").mustDo("GET", "/api/v1/case-categories", nil, 200, &list)
		if len(list.Items) != 6 || list.Items[0].Code != "dispute" || list.Items[1].ParentID == nil {
			t.Fatalf("taxonomy order: %+v", list.Items)
		}
		before := e.count("case_categories")
		for _, tc := range []struct {
			body        map[string]any
			field, rule string
		}{
			{map[string]any{"code": "x", "name": "甲", "default_level": "grid", "accept_minutes": 10, "resolve_minutes": 10, "sla_clock": "working"}, "code", "format"},
			{map[string]any{"code": "fire", "name": "火", "default_level": "city", "accept_minutes": 10, "resolve_minutes": 10, "sla_clock": "working"}, "default_level", "enum"},
			{map[string]any{"code": "fire", "name": "火", "default_level": "department", "accept_minutes": 10, "resolve_minutes": 10, "sla_clock": "working"}, "department_unit_id", "required"},
			{map[string]any{"code": "fire", "name": "火", "default_level": "grid", "accept_minutes": 0, "resolve_minutes": 10, "sla_clock": "working"}, "accept_minutes", "range"},
			{map[string]any{"code": "fire", "name": "火", "default_level": "grid", "accept_minutes": 10, "resolve_minutes": 10, "sla_clock": "lunar"}, "sla_clock", "enum"},
			{map[string]any{"code": "fire", "name": "火", "default_level": "grid", "accept_minutes": 10, "resolve_minutes": 10, "sla_clock": "working",
				"fields": []map[string]any{{"key": "kind", "label": "类型", "type": "single"}}}, "fields[0].options", "required"},
			{map[string]any{"code": "dispute", "name": "重复", "default_level": "grid", "accept_minutes": 10, "resolve_minutes": 10, "sla_clock": "working"}, "code", "unique"},
			{map[string]any{"code": "fire.x", "name": "火", "parent_id": f.dispute, "default_level": "grid", "accept_minutes": 10, "resolve_minutes": 10, "sla_clock": "working"}, "parent_id", "parent"},
		} {
			if p := admin.do("POST", "/api/v1/case-categories", tc.body).problem(t); !p.hasField(tc.field, tc.rule) {
				t.Errorf("%v: %+v", tc.body, p)
			}
		}
		if e.count("case_categories") != before {
			t.Fatal("bad categories stored")
		}
		if p := e.login("sec1").do("POST", "/api/v1/case-categories", map[string]any{}).problem(t); p.Status != 403 {
			t.Fatalf("secretary configures: %+v", p)
		}
		var c cases.Category
		admin.mustDo("PUT", fmt.Sprintf("/api/v1/case-categories/%d", f.garbage), map[string]any{"code": "appearance.garbage", "name": "垃圾乱堆乱放", "parent_id": f.garbage - 1,
			"default_level": "community", "accept_minutes": 30, "resolve_minutes": 600, "sla_clock": "working", "active": true}, 200, &c)
		if c.Name != "垃圾乱堆乱放" || c.DefaultLevel != cases.LevelCommunity {
			t.Fatalf("updated: %+v", c)
		}
	})
}
