package server_test

import (
	"context"
	"fmt"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/cases"
)

// caseFixture adds what the case tests need to the territory fixture: a
// department, people on duty, residents and three categories.
type caseFixture struct {
	*env
	dept                      int64
	dispute, garbage, pothole int64 // 小类 ids
	disputeTop                int64
	mg111Lng, mg111Lat        float64 // the centre of microgrid 370211001001001001
	mg211Lng, mg211Lat        float64 // the centre of microgrid 370211001002001001
}

func newCaseFixture(e *env) *caseFixture {
	t := e.t
	t.Helper()
	ctx := access.System(context.Background())
	unit, err := e.srv.Areas.CreateUnit(ctx, area.Unit{Code: "dept-chengguan", Name: "城管执法局", Kind: "department", AreaCode: "370211"})
	if err != nil {
		t.Fatal(err)
	}
	f := &caseFixture{env: e, dept: unit.ID,
		mg111Lng: lng0 + cell, mg111Lat: lat0 + cell, mg211Lng: lng0 + 5*cell, mg211Lat: lat0 + cell}
	more := []auth.NewUser{
		{Username: "resident", DisplayName: "居民甲", Phone: "13700001234", Role: "resident", AreaCode: "370211001001001001"},
		{Username: "resident2", DisplayName: "居民乙", Role: "resident", AreaCode: "370211001002001001"},
		{Username: "disp", DisplayName: "调度员", Role: "dispatcher", AreaCode: "370211001"},
		{Username: "gw21", DisplayName: "网格员二", Role: "grid_worker", AreaCode: "370211001002001"},
		{Username: "depth", DisplayName: "城管处置员", Role: "department_handler", AreaCode: "370211", UnitID: &unit.ID},
	}
	for _, u := range more {
		u.Password, u.Permanent = fixturePassword, true
		created, err := e.srv.Auth.CreateUser(ctx, u)
		if err != nil {
			t.Fatalf("user %s: %v", u.Username, err)
		}
		e.users[u.Username] = created.ID
	}
	for _, d := range []area.NewDuty{
		{Kind: area.Secretary, UserID: e.users["sec1"], AreaCode: "370211001001"},
		{Kind: area.Secretary, UserID: e.users["sec2"], AreaCode: "370211001002"},
		{Kind: area.GridWorker, UserID: e.users["gw11"], AreaCode: "370211001001001"},
		{Kind: area.GridWorker, UserID: e.users["gw21"], AreaCode: "370211001002001"},
	} {
		if _, err := e.srv.Areas.AddDuty(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	save := func(c cases.Category) int64 {
		saved, err := e.srv.Cases.SaveCategory(ctx, c)
		if err != nil {
			t.Fatalf("category %s: %v", c.Code, err)
		}
		return saved.ID
	}
	f.disputeTop = save(cases.Category{Code: "dispute", Name: "矛盾纠纷", DefaultLevel: cases.LevelCommunity, AcceptMinutes: 120, ResolveMinutes: 4320, SLAClock: "working", Dispute: true, Active: true})
	f.dispute = save(cases.Category{Code: "dispute.neighbour", Name: "邻里纠纷", ParentID: &f.disputeTop, DefaultLevel: cases.LevelCommunity, AcceptMinutes: 120, ResolveMinutes: 4320,
		SLAClock: "working", Dispute: true, Active: true, DepartmentUnitID: &unit.ID,
		Fields: []cases.Field{{Key: "parties", Label: "当事人数", LabelEN: "Parties", Type: "number", Required: true},
			{Key: "severity", Label: "紧急程度", Type: "single", Options: []string{"一般", "紧急"}}}})
	top := save(cases.Category{Code: "appearance", Name: "市容环境", DefaultLevel: cases.LevelGrid, AcceptMinutes: 60, ResolveMinutes: 240, SLAClock: "calendar", Active: true})
	f.garbage = save(cases.Category{Code: "appearance.garbage", Name: "垃圾乱堆", ParentID: &top, DefaultLevel: cases.LevelGrid, AcceptMinutes: 60, ResolveMinutes: 240,
		SLAClock: "calendar", AutoEscalate: true, Active: true})
	top = save(cases.Category{Code: "traffic", Name: "道路交通", DefaultLevel: cases.LevelSubdistrict, AcceptMinutes: 120, ResolveMinutes: 600, SLAClock: "working", Active: true})
	f.pothole = save(cases.Category{Code: "traffic.pothole", Name: "路面坑洼", ParentID: &top, DefaultLevel: cases.LevelDepartment, DepartmentUnitID: &unit.ID,
		AcceptMinutes: 120, ResolveMinutes: 600, SLAClock: "working", Active: true})
	return f
}

// report files a case through the API as the given client.
func (f *caseFixture) report(c *client, body map[string]any, status int) cases.Case {
	f.t.Helper()
	var out cases.Case
	c.mustDo("POST", "/api/v1/cases", body, status, &out)
	return out
}

// act applies an action and returns the case.
func (f *caseFixture) act(c *client, id int64, action string, body map[string]any) cases.Case {
	f.t.Helper()
	var out cases.Case
	c.mustDo("POST", fmt.Sprintf("/api/v1/cases/%d/%s", id, action), body, 200, &out)
	return out
}

func actionsOf(c cases.Case) []string {
	var out []string
	for _, e := range c.Timeline {
		out = append(out, e.Action)
	}
	return out
}
