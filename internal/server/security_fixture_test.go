package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/registry"
)

// The scope matrix's fixture: on top of the territory and the case fixture,
// a second subdistrict 370211002 ("外域", outside every non-system caller's
// scope) holding one object of every kind, the same kinds inside subdistrict
// 370211001, and one user per role of the catalogue bound inside 370211001.

const (
	outMarker = "外域"        // in every outside object's text
	outPrefix = "370211002" // every outside area code starts with it
	outSub    = "370211002"
	outComm   = "370211002001"
	outGrid   = "370211002001001"
	outMicro  = "370211002001001001"
	outLeaf   = "370211002001001002" // an empty microgrid, for close
	inComm    = "370211001001"
	inGrid    = "370211001001001"
	inMicro   = mg111
	ghostID   = 987654321 // no object has it
)

// matrixBinding is where each role's matrix user is bound: inside 370211001,
// at the level the role serves (the system admin district-wide).
var matrixBinding = map[string]string{
	"system_admin": "370211", "subdistrict_admin": "370211001", "dispatcher": "370211001",
	"community_secretary": inComm, "community_staff": inComm, "grid_worker": inGrid, "head": inMicro,
	"department_handler": "370211001", "enterprise_cadre": "370211001", "volunteer_manager": "370211001",
	"leader": "370211001", "resident": inComm, "enterprise_user": inComm,
}

// objs names one object of every kind on one side (outside, inside or a
// ghost: ids and codes no object has, to show a refusal confirms nothing).
type objs struct {
	side                                       string
	sub, comm, grid, micro, leaf               string // area codes
	user, apiKey, duty, caseID, notification   int64
	attachment, unit, station                  int64
	building, house, household, person, appeal int64
	campaign, member                           int64 // member: a person of the household
	importJob, importReport                    string
	idNumber, phone                            string // the person's
}

// mfix is the matrix fixture of one engine.
type mfix struct {
	*caseFixture
	out, in, ghost objs
	category, tag  int64 // global configuration objects
	seq            int
	admin          int64 // the fixture's district-wide system admin ("admin")
	adminC         *client
}

func (f *mfix) next() int { f.seq++; return f.seq }

func newMatrixFixture(e *env) *mfix {
	t := e.t
	t.Helper()
	ctx := access.System(context.Background())
	f := &mfix{caseFixture: newCaseFixture(e), admin: e.users["admin"]}
	// The outside subdistrict, with boundaries east of the district's box.
	x := lng0 + 10*cell
	var feats []string
	for _, a := range []struct{ code, name string }{{outSub, "外域街道"}, {outComm, "外域社区"}, {outGrid, "外域网格"}, {outMicro, "外域微网格"}, {outLeaf, "外域空微网格"}} {
		x0 := x
		if a.code == outLeaf {
			x0 = x + 2*cell
		}
		g, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": rect(x0, lat0, x0+2*cell, lat0+2*cell)})
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{"code":%q,"name":%q},"geometry":%s}`, a.code, a.name, g))
	}
	if _, err := e.srv.Areas.ImportBoundaries(ctx, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Areas.Locator().Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	newUser := func(n auth.NewUser) int64 {
		n.Password, n.Permanent = fixturePassword, true
		u, err := e.srv.Auth.CreateUser(ctx, n)
		if err != nil {
			t.Fatalf("user %s: %v", n.Username, err)
		}
		e.users[n.Username] = u.ID
		return u.ID
	}
	for _, r := range access.Roles {
		n := auth.NewUser{Username: "m_" + r.Code, DisplayName: r.Name, Role: r.Code, AreaCode: matrixBinding[r.Code]}
		if r.Code == "department_handler" {
			n.UnitID = &f.dept
		}
		newUser(n)
	}
	f.out = objs{side: "outside", sub: outSub, comm: outComm, grid: outGrid, micro: outMicro, leaf: outLeaf, idNumber: citizenID("37021119700101991"), phone: "13655550002"}
	f.in = objs{side: "inside", sub: "370211001", comm: inComm, grid: inGrid, micro: inMicro, idNumber: citizenID("37021119700101881"), phone: "13655550001"}
	f.ghost = objs{side: "ghost", sub: "370211009", comm: "370211009001", grid: "370211009001001", micro: "370211009001001001", leaf: "370211009001001002",
		user: ghostID, apiKey: ghostID, duty: ghostID, caseID: ghostID, notification: ghostID, attachment: ghostID, unit: ghostID, station: ghostID,
		building: ghostID, house: ghostID, household: ghostID, person: ghostID, appeal: ghostID, campaign: ghostID, member: ghostID,
		importJob: "ghostjob", importReport: "ghostjob", idNumber: citizenID("37021119700101771"), phone: "13655550009"}
	f.out.user = newUser(auth.NewUser{Username: "m_outside", DisplayName: outMarker + "网格员", Phone: f.out.phone, Role: "grid_worker", AreaCode: outGrid})
	f.in.user = newUser(auth.NewUser{Username: "m_target", DisplayName: "本域网格员", Phone: f.in.phone, Role: "grid_worker", AreaCode: inGrid})
	f.in.leaf = f.freshLeaf(f.in)
	for _, s := range []*objs{&f.out, &f.in} {
		f.place(ctx, s)
	}
	cat, err := e.srv.Cases.SaveCategory(ctx, cases.Category{Code: "matrix", Name: "矩阵类", DefaultLevel: cases.LevelGrid, AcceptMinutes: 60, ResolveMinutes: 240, SLAClock: "calendar", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	f.category = cat.ID
	var tag registry.Tag
	f.adminClient().mustDo("POST", "/api/v1/registry/tags", map[string]any{"code": "matrix", "name": "矩阵", "active": true}, 201, &tag)
	f.tag = tag.ID
	return f
}

// place creates the objects of one side: an outside grid worker is on duty
// there, so that the outside case notifies it.
func (f *mfix) place(ctx context.Context, s *objs) {
	t := f.t
	mark := "本域"
	if s.side == "outside" {
		mark = outMarker
	}
	var err error
	if s.side == "outside" {
		if s.duty, err = f.srv.Areas.AddDuty(ctx, area.NewDuty{Kind: area.GridWorker, UserID: s.user, AreaCode: s.grid}); err != nil {
			t.Fatal(err)
		}
	} else {
		s.duty = f.freshDuty(*s)
	}
	unit, err := f.srv.Areas.CreateUnit(ctx, area.Unit{Code: "office-" + s.side, Name: mark + "办事处", Kind: "area_office", AreaCode: s.comm})
	if err != nil {
		t.Fatal(err)
	}
	s.unit = unit.ID
	st, err := f.srv.Areas.CreateStation(ctx, area.Station{Name: mark + "服务站", Address: mark + "路1号", AreaCode: s.comm})
	if err != nil {
		t.Fatal(err)
	}
	s.station = st.ID
	admin := f.adminClient()
	r := newRegFixture(f.env)
	b := r.building(admin, s.micro, mark+"路8号", mark+"楼")
	h := r.house(admin, b.ID, "1", "101", "owner_occupied")
	hh := r.household(admin, h.ID)
	s.building, s.house, s.household = b.ID, h.ID, hh.ID
	s.person = r.person(admin, map[string]any{"name": "张三" + mark, "id_number": s.idNumber, "phone": s.phone, "household_id": hh.ID, "relationship": "head"}).ID
	s.member = s.person
	var ap registry.Appeal
	admin.mustDo("POST", fmt.Sprintf("/api/v1/registry/households/%d/appeals", hh.ID), map[string]any{"content": mark + "诉求：路灯不亮"}, 201, &ap)
	s.appeal = ap.ID
	var c registry.Campaign
	admin.mustDo("POST", "/api/v1/registry/campaigns", map[string]any{"area_code": s.comm, "name": mark + "摸排", "starts_on": "2026-11-15", "ends_on": "2027-02-28", "state": "active"}, 201, &c)
	s.campaign = c.ID
	cs := f.report(admin, map[string]any{"category_id": f.garbage, "title": mark + "垃圾", "area_code": s.micro, "channel": "console"}, 201)
	s.caseID = cs.ID
	up := admin.upload(fmt.Sprintf("/api/v1/cases/%d/attachments", cs.ID), mark+".png", pngBytes(s.side))
	var a struct {
		ID int64 `json:"id"`
	}
	if up.status != 201 || json.Unmarshal(up.body, &a) != nil {
		t.Fatalf("attachment: %d %s", up.status, up.body)
	}
	s.attachment = a.ID
	// The case's notification went to the grid worker on duty there.
	if err := f.db.QueryRowContext(ctx, `SELECT MIN(id) FROM notifications WHERE case_id = ?`, cs.ID).Scan(&s.notification); err != nil {
		t.Fatalf("%s notification: %v", s.side, err)
	}
	if s.side == "outside" {
		k, _, err := f.srv.Auth.CreateAPIKey(ctx, s.user, outMarker+"密钥")
		if err != nil {
			t.Fatal(err)
		}
		s.apiKey = k.ID
		// An import job of the outside user, rejected, with its report.
		gw := f.login("m_outside")
		bad := ledgerHeader + "外域路1号,1,1,101,自住,外域李一,," + wrongCheck(citizenID("37021119900101123")) + ",,,户籍,,,户主,\n"
		res, ir := importLedger(t, gw, outMarker+".csv", []byte(bad), "area="+s.micro)
		if res.status != 422 || ir.ReportURL == "" {
			t.Fatalf("outside import: %d %s", res.status, res.body)
		}
		var jobs registry.ImportJobList
		gw.mustDo("GET", "/api/v1/registry/imports", nil, 200, &jobs)
		if len(jobs.Items) != 1 {
			t.Fatalf("outside jobs %+v", jobs.Items)
		}
		s.importJob = jobs.Items[0].ID
		s.importReport = strings.TrimSuffix(strings.TrimPrefix(ir.ReportURL, "/api/v1/registry/import/"), "/report.xlsx")
	} else {
		s.apiKey = f.freshAPIKey(*s)
	}
}

// freshDuty puts a new grid worker (an account without a password) on duty
// in the inside grid, for a call that ends a duty.
func (f *mfix) freshDuty(o objs) int64 {
	ctx := access.System(context.Background())
	u, err := f.srv.Auth.CreateUser(ctx, auth.NewUser{Username: fmt.Sprintf("m_duty%d", f.next()), DisplayName: "值守网格员", Role: "grid_worker", AreaCode: o.grid})
	if err != nil {
		f.t.Fatal(err)
	}
	id, err := f.srv.Areas.AddDuty(ctx, area.NewDuty{Kind: area.GridWorker, UserID: u.ID, AreaCode: o.grid})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// freshAPIKey issues the side's account a key, for a call that revokes one.
func (f *mfix) freshAPIKey(o objs) int64 {
	ctx := access.System(context.Background())
	k, _, err := f.srv.Auth.CreateAPIKey(ctx, o.user, fmt.Sprintf("终端%d", f.next()))
	if err != nil {
		f.t.Fatal(err)
	}
	return k.ID
}

// freshCase reports a new case in the side's microgrid, for a call that
// acts on one.
func (f *mfix) freshCase(o objs) int64 {
	return f.report(f.adminClient(), map[string]any{"category_id": f.garbage, "title": fmt.Sprintf("待处置%d", f.next()), "area_code": o.micro, "channel": "console"}, 201).ID
}

// freshLeaf opens a new empty microgrid in the side's grid, for a call that
// closes one.
func (f *mfix) freshLeaf(o objs) string {
	code := fmt.Sprintf("%s%03d", o.grid, 100+f.next())
	if _, err := f.srv.Areas.Create(access.System(context.Background()), area.NewArea{Code: code, Name: "待撤微网格", ParentCode: o.grid}); err != nil {
		f.t.Fatal(err)
	}
	return code
}

// freshHousehold opens a household in a new house of the side's building,
// for a call that closes one.
func (f *mfix) freshHousehold(o objs) int64 {
	r := newRegFixture(f.env)
	h := r.house(f.adminClient(), o.building, "2", fmt.Sprintf("%d", 200+f.next()), "owner_occupied")
	return r.household(f.adminClient(), h.ID).ID
}

// freshMember registers a new person in the side's household, for a call
// that moves one out.
func (f *mfix) freshMember(o objs) int64 {
	n := f.next()
	return newRegFixture(f.env).person(f.adminClient(), map[string]any{"name": fmt.Sprintf("成员%d", n), "id_number": citizenID(fmt.Sprintf("37021119750101%03d", n)),
		"household_id": o.household, "relationship": "child"}).ID
}

// adminClient is a session of the fixture's system admin, for building the
// fixture through the API.
func (f *mfix) adminClient() *client {
	if f.adminC == nil {
		f.adminC = f.login("admin")
	}
	return f.adminC
}

func pngBytes(seed string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for i := range seed {
		img.Pix[i] = seed[i]
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
