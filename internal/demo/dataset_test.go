package demo

import (
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

var data = Generate(1)

func areasByCode(d *Dataset) map[string]Area {
	m := map[string]Area{}
	for _, a := range d.Areas {
		m[a.Code] = a
	}
	return m
}

func childrenOf(d *Dataset) map[string][]Area {
	m := map[string][]Area{}
	for _, a := range d.Areas {
		m[a.ParentCode] = append(m[a.ParentCode], a)
	}
	return m
}

func TestDeterministic(t *testing.T) {
	if !reflect.DeepEqual(Generate(1), data) {
		t.Fatal("same seed, different datasets")
	}
	other := Generate(2)
	codes := func(d *Dataset) (out []string) {
		for _, a := range d.Areas {
			out = append(out, a.Code)
		}
		return out
	}
	if !slices.Equal(codes(other), codes(data)) || !reflect.DeepEqual(other.Areas, data.Areas) {
		t.Error("the territory depends on the seed")
	}
	if !reflect.DeepEqual(other.Units, data.Units) || !reflect.DeepEqual(other.Stations, data.Stations) {
		t.Error("units or stations depend on the seed")
	}
	changed := 0
	for i := range min(len(data.Users), len(other.Users)) {
		if data.Users[i].DisplayName != other.Users[i].DisplayName {
			changed++
		}
	}
	if changed < len(data.Users)/2 {
		t.Errorf("another seed changed only %d of %d names", changed, len(data.Users))
	}
}

func TestCodes(t *testing.T) {
	width := map[string]int{LevelDistrict: 6, LevelSubdistrict: 9, LevelCommunity: 12, LevelGrid: 15, LevelMicrogrid: 18}
	seen := map[string]Area{}
	digits := regexp.MustCompile(`^[0-9]+$`)
	for _, a := range data.Areas {
		if _, dup := seen[a.Code]; dup {
			t.Errorf("duplicate code %s", a.Code)
		}
		if len(a.Code) != width[a.Level] || !digits.MatchString(a.Code) {
			t.Errorf("%s: code %q does not fit level %q", a.Name, a.Code, a.Level)
		}
		if a.Level == LevelDistrict {
			if a.Code != DistrictCode || a.Name != "黄岛区" || a.ParentCode != "" {
				t.Errorf("district is %+v", a)
			}
		} else if p, ok := seen[a.ParentCode]; !ok {
			t.Errorf("%s: parent %s missing or listed after it", a.Code, a.ParentCode)
		} else if !strings.HasPrefix(a.Code, p.Code) || width[p.Level]+3 != len(a.Code) {
			t.Errorf("%s does not extend its parent %s", a.Code, p.Code)
		}
		seen[a.Code] = a
	}
}

func TestStructure(t *testing.T) {
	kids := childrenOf(data)
	subs := kids[DistrictCode]
	var names []string
	for _, s := range subs {
		names = append(names, s.Name)
	}
	if want := []string{"黄岛街道", "长江路街道", "滨海街道", "辛安街道", "王台街道"}; !slices.Equal(names, want) {
		t.Fatalf("subdistricts %v, want %v", names, want)
	}
	communityNames := map[string]bool{}
	for i, s := range subs {
		comms := kids[s.Code]
		minC, maxC, minG, maxG, minM, maxM := 3, 6, 1, 3, 1, 4
		if i == 0 {
			minC, maxC, minG, maxG, minM, maxM = 29, 29, 2, 4, 2, 4
		}
		if len(comms) < minC || len(comms) > maxC {
			t.Errorf("%s has %d communities", s.Name, len(comms))
		}
		grids := 0
		for _, c := range comms {
			if communityNames[c.Name] || !strings.HasSuffix(c.Name, "社区") {
				t.Errorf("community name %q repeated or malformed", c.Name)
			}
			communityNames[c.Name] = true
			if n := len(kids[c.Code]); n < minG || n > maxG {
				t.Errorf("%s has %d grids", c.Name, n)
			}
			for _, g := range kids[c.Code] {
				grids++
				if n := len(kids[g.Code]); n < minM || n > maxM {
					t.Errorf("%s has %d microgrids", g.Name, n)
				}
			}
		}
		if i == 0 && (grids < 75 || grids > 90) {
			t.Errorf("黄岛街道 has %d grids, want 75–90", grids)
		}
	}
}

// TestTiling checks that every level covers its parent exactly: areas add up,
// and random points fall in exactly one child iff they fall in the parent.
func TestTiling(t *testing.T) {
	kids := childrenOf(data)
	r := rand.New(rand.NewPCG(1, 2))
	for _, a := range data.Areas {
		poly, ok := a.Boundary.(orb.Polygon)
		if !ok {
			t.Errorf("%s: boundary is %T", a.Name, a.Boundary)
			continue
		}
		checkRing(t, a, poly)
		children := kids[a.Code]
		if len(children) == 0 {
			continue
		}
		sum := 0.0
		for _, c := range children {
			sum += planar.Area(c.Boundary)
		}
		if area := planar.Area(poly); math.Abs(sum-area) > 1e-9*area {
			t.Errorf("%s: children cover %.12g, parent %.12g", a.Name, sum, area)
		}
		polys, bounds := make([]orb.Polygon, len(children)), make([]orb.Bound, len(children))
		for i, c := range children {
			polys[i] = c.Boundary.(orb.Polygon)
			bounds[i] = polys[i].Bound()
		}
		// Small parents need fewer points for the same density.
		samples := map[bool]int{true: 20000, false: 5000}[a.Level == LevelDistrict || a.Level == LevelSubdistrict]
		b := poly.Bound()
		for range samples {
			p := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
			in := 0
			for i := range polys {
				if bounds[i].Contains(p) && planar.PolygonContains(polys[i], p) {
					in++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[planar.PolygonContains(poly, p)]; in != want {
				t.Fatalf("%s: point %v lies in %d children, want %d", a.Name, p, in, want)
			}
		}
	}
}

// checkRing wants one closed, counter-clockwise, simple ring without repeated
// points; microgrids keep to 4–40 vertices.
func checkRing(t *testing.T, a Area, poly orb.Polygon) {
	t.Helper()
	if len(poly) != 1 {
		t.Errorf("%s: %d rings", a.Name, len(poly))
		return
	}
	ring := poly[0]
	n := len(ring) - 1
	if n < 3 || !ring.Closed() || ring.Orientation() != orb.CCW {
		t.Errorf("%s: ring not closed, too short or clockwise", a.Name)
		return
	}
	if a.Level == LevelMicrogrid && (n < 4 || n > 40) {
		t.Errorf("%s: %d vertices", a.Name, n)
	}
	seen := map[orb.Point]bool{}
	for _, p := range ring[:n] {
		if seen[p] {
			t.Errorf("%s: vertex %v repeated", a.Name, p)
		}
		seen[p] = true
	}
	for i := range n {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // adjacent through the closing point
			}
			if segmentsCross(ring[i], ring[i+1], ring[j], ring[j+1]) {
				t.Errorf("%s: edges %d and %d cross", a.Name, i, j)
			}
		}
	}
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

// segmentsCross reports whether segments pq and rs touch (including collinear overlap).
func segmentsCross(p, q, r, s orb.Point) bool {
	d1, d2, d3, d4 := cross(r, s, p), cross(r, s, q), cross(p, q, r), cross(p, q, s)
	if (d1 > 0) != (d2 > 0) && (d3 > 0) != (d4 > 0) && d1 != 0 && d2 != 0 && d3 != 0 && d4 != 0 {
		return true
	}
	onSeg := func(a, b, p orb.Point) bool {
		return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
	}
	return d1 == 0 && onSeg(r, s, p) || d2 == 0 && onSeg(r, s, q) || d3 == 0 && onSeg(p, q, r) || d4 == 0 && onSeg(p, q, s)
}

func TestStations(t *testing.T) {
	byCode := areasByCode(data)
	per := map[string]int{}
	for _, s := range data.Stations {
		a := byCode[s.AreaCode]
		if a.Level != LevelCommunity || !planar.PolygonContains(a.Boundary.(orb.Polygon), s.Location) {
			t.Errorf("station %s is not inside community %s", s.Name, s.AreaCode)
		}
		if !strings.HasSuffix(s.Name, "城市治理服务站") || s.Address == "" {
			t.Errorf("station %+v", s)
		}
		per[a.ParentCode]++
	}
	if per[DistrictCode+"001"] != 6 || len(per) != 5 {
		t.Errorf("stations per subdistrict: %v", per)
	}
}

func TestUnits(t *testing.T) {
	byCode := areasByCode(data)
	offices, depts := map[string]bool{}, 0
	for _, u := range data.Units {
		switch u.Kind {
		case UnitAreaOffice:
			offices[u.AreaCode] = true
		case UnitDepartment:
			depts++
			if u.AreaCode != DistrictCode || !strings.HasPrefix(u.Code, "dept-") {
				t.Errorf("department %+v", u)
			}
		default:
			t.Errorf("unit kind %q", u.Kind)
		}
	}
	for _, a := range byCode {
		if (a.Level == LevelSubdistrict || a.Level == LevelCommunity) != offices[a.Code] {
			t.Errorf("%s: office present = %v", a.Name, offices[a.Code])
		}
	}
	if depts != 8 {
		t.Errorf("%d departments", depts)
	}
	if !slices.Contains(data.Units, Unit{Code: "office-370211001", Name: "黄岛街道社会治理中心", Kind: UnitAreaOffice, AreaCode: "370211001"}) {
		t.Error("no 黄岛街道社会治理中心")
	}
}

func TestUsers(t *testing.T) {
	byCode := areasByCode(data)
	units := map[string]bool{}
	for _, u := range data.Units {
		units[u.Code] = true
	}
	names, phones, logins := map[string]bool{}, map[string]bool{}, map[string]int{}
	mobile := regexp.MustCompile(`^1[358][0-9]{9}$`)
	for _, u := range data.Users {
		if names[u.Username] || phones[u.Phone] {
			t.Errorf("username %q or phone %q repeated", u.Username, u.Phone)
		}
		names[u.Username], phones[u.Phone] = true, true
		if !mobile.MatchString(u.Phone) || u.DisplayName == "" || !slices.Contains(Roles, u.Role) {
			t.Errorf("user %+v", u)
		}
		if _, ok := byCode[u.AreaCode]; !ok {
			t.Errorf("%s: no area %q", u.Username, u.AreaCode)
		}
		if (u.Role == RoleDepartmentHandler) != units[u.UnitCode] {
			t.Errorf("%s: unit %q", u.Username, u.UnitCode)
		}
		if u.Login {
			logins[u.Role]++
			want := DemoPassword
			if u.Username == "admin" {
				want = AdminPassword
			}
			if u.Password != want {
				t.Errorf("%s: password %q", u.Username, u.Password)
			}
		} else if u.Password != "" {
			t.Errorf("%s: staff user with a password", u.Username)
		}
	}
	for _, role := range Roles {
		if logins[role] != 1 {
			t.Errorf("%d demo logins for %s", logins[role], role)
		}
	}
	var got []string
	for _, u := range data.LoginUsers() {
		got = append(got, u.Username)
	}
	want := []string{"admin", "center", "dispatcher", "secretary", "staff", "gridworker", "head",
		"dept", "cadre", "volunteer", "leader", "resident", "enterprise"}
	if !slices.Equal(got, want) {
		t.Errorf("LoginUsers: %v", got)
	}
}

func TestDuties(t *testing.T) {
	byCode, kids := areasByCode(data), childrenOf(data)
	users := map[string]User{}
	for _, u := range data.Users {
		users[u.Username] = u
	}
	secretaries, workers := map[string]int{}, map[string]int{}
	huangdaoWorkers := 0
	for _, d := range data.Duties {
		a, ok := byCode[d.AreaCode]
		u, held := users[d.Username]
		if !ok || !held {
			t.Fatalf("duty %+v: unknown area or user", d)
		}
		want := map[string][2]string{ // the area level and the holder's role
			DutySecretary:    {LevelCommunity, RoleCommunitySecretary},
			DutyGridWorker:   {LevelGrid, RoleGridWorker},
			DutyBuildingHead: {LevelMicrogrid, RoleHead},
			DutyRoadHead:     {LevelCommunity, RoleHead},
			DutyAreaHead:     {LevelMicrogrid, RoleHead},
			DutyStationChief: {LevelCommunity, RoleCommunityStaff},
		}[d.Kind]
		if want[0] == "" || a.Level != want[0] || u.Role != want[1] {
			t.Errorf("duty %s on %s %s held by a %s", d.Kind, a.Level, a.Code, u.Role)
		}
		if !strings.HasPrefix(d.AreaCode, u.AreaCode) {
			t.Errorf("%s holds %s outside their scope %s", u.Username, d.AreaCode, u.AreaCode)
		}
		if !within(d.Geometry, a.Boundary.(orb.Polygon)) {
			t.Errorf("%s %q lies outside %s", d.Kind, d.Label, a.Name)
		}
		if d.Kind == DutyAreaHead && !reflect.DeepEqual(d.Geometry, a.Boundary) {
			t.Errorf("area head %q does not hold the whole microgrid %s", d.Label, a.Code)
		}
		switch d.Kind {
		case DutySecretary:
			secretaries[d.AreaCode]++
		case DutyGridWorker:
			workers[d.AreaCode]++
			if strings.HasPrefix(d.AreaCode, DistrictCode+"001") {
				huangdaoWorkers++
			}
		}
	}
	for _, a := range data.Areas {
		if a.Level == LevelCommunity && secretaries[a.Code] != 1 {
			t.Errorf("%s has %d secretaries", a.Name, secretaries[a.Code])
		}
		if a.Level == LevelGrid && (workers[a.Code] < 1 || workers[a.Code] > 2) {
			t.Errorf("%s has %d grid workers", a.Name, workers[a.Code])
		}
	}
	if huangdaoWorkers < 140 || huangdaoWorkers > 160 {
		t.Errorf("黄岛街道 has %d grid workers", huangdaoWorkers)
	}
	// The demo logins hold real posts in the first community of 黄岛街道.
	c1 := kids[DistrictCode+"001"][0].Code
	for _, want := range []Duty{
		{Kind: DutySecretary, Username: "secretary", AreaCode: c1},
		{Kind: DutyGridWorker, Username: "gridworker", AreaCode: c1 + "001"},
	} {
		if !slices.Contains(data.Duties, want) {
			t.Errorf("missing duty %+v", want)
		}
	}
	if !slices.ContainsFunc(data.Duties, func(d Duty) bool {
		return d.Username == "head" && d.Kind == DutyBuildingHead && d.AreaCode == users["head"].AreaCode
	}) {
		t.Error("the demo head has no building")
	}
}

// within checks a duty's geometry against its area: points and sampled line
// positions must be inside; a polygon must not reach outside.
func within(g orb.Geometry, area orb.Polygon) bool {
	switch g := g.(type) {
	case nil:
		return true
	case orb.Point:
		return planar.PolygonContains(area, g)
	case orb.LineString:
		if len(g) < 2 {
			return false
		}
		for i := range len(g) - 1 {
			for s := 0.0; s <= 1; s += 0.05 {
				p := orb.Point{g[i][0] + s*(g[i+1][0]-g[i][0]), g[i][1] + s*(g[i+1][1]-g[i][1])}
				if !planar.PolygonContains(area, p) {
					return false
				}
			}
		}
		return true
	case orb.Polygon:
		r := rand.New(rand.NewPCG(3, 4))
		b := g.Bound()
		for range 500 {
			p := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
			if planar.PolygonContains(g, p) && !planar.PolygonContains(area, p) {
				return false
			}
		}
		return planar.Area(g) <= planar.Area(area)*(1+1e-9)
	}
	return false
}
