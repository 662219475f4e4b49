// Package demo generates the demonstration territory and its people: the
// district 黄岛区 with five subdistricts, 黄岛街道 modelled in full (29
// communities, their grids and microgrids, about 150 grid workers), stations,
// units, staff on duty, and one login per role. It is pure and deterministic:
// no database, and the same seed always gives the same dataset.
package demo

import (
	"fmt"
	"slices"

	"github.com/paulmach/orb"
)

// Dataset is everything `tongxin demo` puts into an empty database.
type Dataset struct {
	Areas    []Area // ordered parents before children
	Units    []Unit // offices of areas and departments outside the tree
	Stations []Station
	Users    []User // one demo login per role plus the staff (secretaries, ~150 grid workers, heads)
	Duties   []Duty // who is on duty where

	// Open311Key is set by Load: the API key of the Open311 demo account,
	// which exists only in clear until it is printed.
	Open311Key string
}

// Area is a node of the territory tree (DESIGN §4.1).
type Area struct {
	Code, Name, Level string       // level: district|subdistrict|community|grid|microgrid
	ParentCode        string       // "" for the district
	Boundary          orb.Geometry // orb.Polygon or orb.MultiPolygon, WGS-84 [lng, lat]; here always one closed counter-clockwise ring
}

// Unit is an organisation that can be given a case.
type Unit struct {
	Code, Name, Kind string // Kind: UnitAreaOffice or UnitDepartment
	AreaCode         string // the area an office serves; the district for departments
}

// Station is a 城市治理服务站, bound to a community.
type Station struct {
	Name, Address, AreaCode string
	Location                orb.Point
}

// User is a demo account. Staff users have no password; the loader gives them
// an unusable one.
type User struct {
	Username, DisplayName, Phone string // phone an 11-digit mobile
	Role                         string // one of the Role constants
	AreaCode                     string // the scope the role is bound to
	UnitCode                     string // for department handlers: the department
	Password                     string
	Login                        bool // one per role, printed at start
}

// Duty says who is responsible where.
type Duty struct {
	Kind     string       // one of the Duty constants
	Username string       // the User holding it
	AreaCode string       // community, grid or microgrid
	Geometry orb.Geometry // Point, LineString or Polygon for the three heads; nil otherwise
	Label    string       // e.g. "3号楼", "长江中路(井冈山路—峨眉山路)", "汇丰片区"
}

// Levels, unit kinds, roles and duty kinds as stored.
const (
	LevelDistrict    = "district"
	LevelSubdistrict = "subdistrict"
	LevelCommunity   = "community"
	LevelGrid        = "grid"
	LevelMicrogrid   = "microgrid"

	UnitAreaOffice = "area_office"
	UnitDepartment = "department"

	RoleSystemAdmin        = "system_admin"
	RoleSubdistrictAdmin   = "subdistrict_admin"
	RoleDispatcher         = "dispatcher"
	RoleCommunitySecretary = "community_secretary"
	RoleCommunityStaff     = "community_staff"
	RoleGridWorker         = "grid_worker"
	RoleHead               = "head"
	RoleDepartmentHandler  = "department_handler"
	RoleEnterpriseCadre    = "enterprise_cadre"
	RoleVolunteerManager   = "volunteer_manager"
	RoleLeader             = "leader"
	RoleResident           = "resident"
	RoleEnterpriseUser     = "enterprise_user"

	DutySecretary    = "secretary"     // a community
	DutyGridWorker   = "grid_worker"   // a grid
	DutyBuildingHead = "building_head" // a point
	DutyRoadHead     = "road_head"     // a line
	DutyAreaHead     = "area_head"     // a polygon
	DutyStationChief = "station_chief" // a station's community; Label is the station

	DistrictCode  = "370211"
	DemoPassword  = "tongxin-demo-2026"
	AdminPassword = "district-demo-2026"

	// huangdaoGridWorkers is the article's "全部网格员150余人".
	huangdaoGridWorkers = 153
)

var areaLevels = []string{LevelDistrict, LevelSubdistrict, LevelCommunity, LevelGrid, LevelMicrogrid}

// Roles lists every role, in the order the demo logins are printed.
var Roles = []string{
	RoleSystemAdmin, RoleSubdistrictAdmin, RoleDispatcher, RoleCommunitySecretary,
	RoleCommunityStaff, RoleGridWorker, RoleHead, RoleDepartmentHandler, RoleEnterpriseCadre,
	RoleVolunteerManager, RoleLeader, RoleResident, RoleEnterpriseUser,
}

// Generate builds the demo dataset. The territory, units and stations are the
// same for every seed; the seed varies the people and where the heads stand.
// The territory is fixed, so the panics guarding its layout never fire (the
// tests build it).
func Generate(seed int64) *Dataset {
	t := buildTerritory()
	s := &staffing{t: t, r: newRNG(seed), phones: map[string]bool{}}
	s.staff()
	return &Dataset{Areas: t.areas, Units: t.units, Stations: t.stations, Users: s.users, Duties: s.duties}
}

// LoginUsers returns the demo logins in the order of Roles.
func (d *Dataset) LoginUsers() []User {
	var out []User
	for _, u := range d.Users {
		if u.Login {
			out = append(out, u)
		}
	}
	slices.SortStableFunc(out, func(a, b User) int {
		return slices.Index(Roles, a.Role) - slices.Index(Roles, b.Role)
	})
	return out
}

// staffing hands out the people: the demo logins take the first post of their
// kind in the first community of 黄岛街道, so they see real work.
type staffing struct {
	t      *territory
	r      *rng
	phones map[string]bool
	users  []User
	duties []Duty
}

func (s *staffing) hire(u User) string {
	if u.DisplayName == "" {
		u.DisplayName = s.r.personName()
	}
	u.Phone = s.r.mobile(s.phones)
	s.users = append(s.users, u)
	return u.Username
}

func (s *staffing) duty(kind, username, area string, g orb.Geometry, label string) {
	s.duties = append(s.duties, Duty{Kind: kind, Username: username, AreaCode: area, Geometry: g, Label: label})
}

// fill gives a post to the demo login named demo, or else to a new staff
// member u, and returns the holder's username.
func (s *staffing) fill(demo string, u User) string {
	if demo != "" {
		return demo
	}
	return s.hire(u)
}

// demoIf names the demo login when the post is the one it takes.
func demoIf(cond bool, username string) string {
	if cond {
		return username
	}
	return ""
}

func (s *staffing) staff() {
	t := s.t
	huangdao := DistrictCode + "001"
	c1 := t.children[huangdao][0]
	g1 := t.children[c1][0]
	m1, mLast := t.children[g1][0], t.children[g1][len(t.children[g1])-1]
	changjiang := DistrictCode + "002"
	for _, u := range []User{
		{Username: "admin", DisplayName: "系统管理员", Role: RoleSystemAdmin, AreaCode: DistrictCode, Password: AdminPassword},
		{Username: "center", Role: RoleSubdistrictAdmin, AreaCode: huangdao},
		{Username: "dispatcher", Role: RoleDispatcher, AreaCode: huangdao},
		{Username: "secretary", Role: RoleCommunitySecretary, AreaCode: c1},
		{Username: "staff", Role: RoleCommunityStaff, AreaCode: c1},
		{Username: "gridworker", Role: RoleGridWorker, AreaCode: g1},
		{Username: "head", Role: RoleHead, AreaCode: m1},
		{Username: "dept", Role: RoleDepartmentHandler, AreaCode: DistrictCode, UnitCode: departments[0].code},
		{Username: "cadre", Role: RoleEnterpriseCadre, AreaCode: changjiang},
		{Username: "volunteer", Role: RoleVolunteerManager, AreaCode: huangdao},
		{Username: "leader", Role: RoleLeader, AreaCode: DistrictCode},
		{Username: "resident", Role: RoleResident, AreaCode: mLast},
		{Username: "enterprise", Role: RoleEnterpriseUser, AreaCode: changjiang},
	} {
		u.Login = true
		if u.Password == "" {
			u.Password = DemoPassword
		}
		s.hire(u)
	}
	for _, d := range departments[1:] { // the 城管 handler is the demo login
		s.hire(User{Username: d.code + "-1", Role: RoleDepartmentHandler, AreaCode: DistrictCode, UnitCode: d.code})
	}
	workers := s.gridWorkers(huangdao)
	for _, a := range t.areas {
		if a.Level == LevelCommunity {
			s.community(a.Code, a.Code == c1, workers)
		}
	}
}

// gridWorkers decides how many workers each grid gets: one, and in 黄岛街道 a
// second one for the largest grids until the article's head count is reached.
func (s *staffing) gridWorkers(huangdao string) map[string]int {
	var grids []string
	n := map[string]int{}
	for _, a := range s.t.areas {
		if a.Level == LevelGrid {
			n[a.Code] = 1
			if a.Code[:9] == huangdao {
				grids = append(grids, a.Code)
			}
		}
	}
	slices.SortStableFunc(grids, func(a, b string) int { return s.t.regions[b].size() - s.t.regions[a].size() })
	for _, g := range grids[:max(0, min(len(grids), huangdaoGridWorkers-len(grids)))] {
		n[g] = 2
	}
	return n
}

// community staffs one community: its secretary, staff, grid workers and heads.
func (s *staffing) community(cc string, first bool, workers map[string]int) {
	t, r := s.t, s.r
	sec := s.fill(demoIf(first, "secretary"), User{Username: "sec-" + cc, Role: RoleCommunitySecretary, AreaCode: cc})
	s.duty(DutySecretary, sec, cc, nil, "")

	var staff []string
	for i := range r.between(1, 2) {
		staff = append(staff, s.fill(demoIf(first && i == 0, "staff"),
			User{Username: fmt.Sprintf("staff-%s-%d", cc, i+1), Role: RoleCommunityStaff, AreaCode: cc}))
	}
	for _, st := range t.stations {
		if st.AreaCode == cc {
			s.duty(DutyStationChief, staff[0], cc, nil, st.Name)
		}
	}

	var micro []string
	for gi, gc := range t.children[cc] {
		for i := range workers[gc] {
			gw := s.fill(demoIf(first && gi == 0 && i == 0, "gridworker"),
				User{Username: fmt.Sprintf("gw-%s-%d", gc, i+1), Role: RoleGridWorker, AreaCode: gc})
			s.duty(DutyGridWorker, gw, gc, nil, "")
		}
		micro = append(micro, t.children[gc]...)
	}

	// The three heads (三长): building heads on points, road-section heads on
	// lines, area heads on whole microgrids.
	heads := 0
	head := func(demo bool, area string) string {
		heads++
		return s.fill(demoIf(demo, "head"), User{Username: fmt.Sprintf("head-%s-%02d", cc, heads), Role: RoleHead, AreaCode: area})
	}
	buildings := r.perm(30)
	for i := range r.between(3, 5) {
		mg := micro[r.intn(len(micro))]
		if first && i == 0 {
			mg = micro[0] // the demo head's microgrid
		}
		s.duty(DutyBuildingHead, head(first && i == 0, mg), mg, t.pointIn(mg, r), fmt.Sprintf("%d号楼", buildings[i]+1))
	}
	for range r.between(1, 2) {
		line, label := t.roadSection(cc, r)
		s.duty(DutyRoadHead, head(false, cc), cc, line, label)
	}
	quarters := r.perm(len(quarterNames))
	for i, m := range r.perm(len(micro))[:min(len(micro), r.between(1, 2))] {
		poly := t.regions[micro[m]].boundary(t.lat) // a copy of the microgrid's outline
		s.duty(DutyAreaHead, head(false, micro[m]), micro[m], poly, quarterNames[quarters[i]]+"片区")
	}
}
