package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/registry"
)

// RegistryCommunity is the community whose houses and people the demo
// registers: the first community of 黄岛街道 (海军路社区).
const RegistryCommunity = DistrictCode + "001001"

// RegBuilding is a demo building with its houses.
type RegBuilding struct {
	AreaCode, Name, Address string
	Floors, Units           int
	Houses                  []RegHouse
}

// RegHouse is a demo house; Household is nil for an empty one.
type RegHouse struct {
	Unit, Room       string
	Floor            int
	Usage, FloorArea string
	OwnerName        string
	Household        *RegHousehold
}

// RegHousehold is a demo household with its people, appeals and visit notes.
type RegHousehold struct {
	Persons []RegPerson
	Appeals []RegNote
	Visits  []RegNote
}

// RegNote is an appeal or a visit note with its day.
type RegNote struct{ Day, Text string }

// RegPerson is a demo resident.
type RegPerson struct {
	Name, IDNumber, Phone, Ethnicity string
	ResidenceType, HukouAddress      string
	MovedInOn, Origin, Employer      string
	Tenancy, Relationship            string
	Tags                             []string
}

// idRegion is an administrative division with its name, for ID numbers and
// registered-residence addresses.
type idRegion struct{ code, name string }

var localRegions = []idRegion{
	{"370211", "山东省青岛市黄岛区"}, {"370211", "山东省青岛市黄岛区"}, {"370211", "山东省青岛市黄岛区"},
	{"370202", "山东省青岛市市南区"}, {"370203", "山东省青岛市市北区"}, {"370281", "山东省青岛市胶州市"},
}

var originRegions = []idRegion{
	{"371302", "山东省临沂市兰山区"}, {"372901", "山东省菏泽市牡丹区"}, {"370705", "山东省潍坊市奎文区"},
	{"371102", "山东省日照市东港区"}, {"370883", "山东省济宁市邹城市"}, {"410102", "河南省郑州市中原区"},
	{"340104", "安徽省合肥市蜀山区"}, {"230102", "黑龙江省哈尔滨市道里区"}, {"320382", "江苏省徐州市邳州市"},
	{"220102", "吉林省长春市南关区"},
}

var employers = []string{
	"青岛港集团", "海尔集团黄岛工业园", "中石化青岛炼化", "北船重工", "青岛西海岸公交集团",
	"佳世客超市", "美团外卖配送站", "顺丰速运黄岛营业部", "万达广场商户", "青岛大学附属医院西海岸院区",
}

var appealTexts = []string{
	"楼道照明灯损坏，晚上出行不便，希望尽快维修",
	"家中老人行动不便，申请居家养老上门服务",
	"楼顶防水层老化，雨天卧室漏水",
	"单元门禁损坏，外来人员随意进出",
	"申请办理低保，家庭收入困难",
	"小区停车位紧张，希望规划非机动车充电棚",
}

var visitTexts = []string{
	"入户走访，了解家庭近况，老人身体状况良好",
	"宣传反诈知识及燃气安全，住户签收告知书",
	"核实人口信息，无变动",
	"走访新市民，介绍社区服务站办事指南",
	"节前慰问，送去米面油",
}

// GenerateRegistry builds the demo registry of RegistryCommunity: pure and
// deterministic in the seed, the microgrids and today (dates are relative to
// today so that "moved in within the last 30 days" has members).
func GenerateRegistry(seed int64, microgrids []string, today time.Time) []RegBuilding {
	r := newRNG(seed*7919 + 17)
	g := &regGen{r: r, today: today, ids: map[string]bool{}, phones: map[string]bool{}}
	roads := []string{"海军路", "海军路", "海军路", "武夷山路", "峨眉山路", "长江中路"}
	var out []RegBuilding
	numbers := map[string]int{}
	for i := range 20 {
		mg := microgrids[i%len(microgrids)]
		road := roads[r.intn(len(roads))]
		numbers[road] += 2 + r.intn(6)
		addr := fmt.Sprintf("%s%d号", road, numbers[road])
		b := RegBuilding{AreaCode: mg, Name: fmt.Sprintf("%d号楼", i+1), Address: addr, Floors: r.between(4, 6), Units: 2}
		for u := 1; u <= b.Units; u++ {
			for f := 1; f <= b.Floors; f++ {
				for room := 1; room <= 2; room++ {
					b.Houses = append(b.Houses, g.house(u, f, room))
				}
			}
		}
		out = append(out, b)
	}
	return out
}

type regGen struct {
	r      *rng
	today  time.Time
	ids    map[string]bool
	phones map[string]bool
}

func (g *regGen) house(unit, floor, room int) RegHouse {
	r := g.r
	h := RegHouse{Unit: fmt.Sprintf("%d单元", unit), Floor: floor, Room: fmt.Sprintf("%d%02d", floor, room),
		FloorArea: fmt.Sprintf("%d.%d", r.between(55, 130), r.intn(10))}
	switch x := r.intn(100); {
	case x < 70:
		h.Usage = "owner_occupied"
	case x < 90:
		h.Usage = "rented"
	case x < 96:
		h.Usage = "vacant"
	default:
		h.Usage = "business"
	}
	owner, _ := g.name()
	h.OwnerName = owner
	switch h.Usage {
	case "owner_occupied":
		h.Household = g.family(owner, false)
	case "rented":
		if r.intn(6) > 0 { // some rented houses have nobody registered yet
			h.Household = g.family("", true)
		}
	}
	return h
}

// family builds a household: a head and up to three relatives. Tenants are
// new citizens (新市民).
func (g *regGen) family(headName string, tenants bool) *RegHousehold {
	r := g.r
	hh := &RegHousehold{}
	headAge := r.between(26, 82)
	headMale := r.intn(3) > 0
	head := g.person(headName, headMale, headAge, tenants)
	head.Relationship = "head"
	hh.Persons = append(hh.Persons, head)
	surname := []rune(head.Name)[0]
	n := r.between(1, 4)
	if n >= 2 {
		sp := g.person("", !headMale, max(20, headAge+r.between(-4, 4)), tenants)
		sp.Relationship, sp.MovedInOn = "spouse", head.MovedInOn
		hh.Persons = append(hh.Persons, sp)
	}
	for i := 2; i < n; i++ {
		if headAge < 45 {
			childAge := r.between(1, max(1, headAge-22))
			male := r.intn(2) == 0
			c := g.person(string(surname)+g.given(male), male, childAge, tenants)
			c.Relationship, c.MovedInOn, c.Employer = "child", head.MovedInOn, ""
			hh.Persons = append(hh.Persons, c)
		} else if headAge < 62 && i == 2 {
			male := r.intn(2) == 0
			p := g.person(string(surname)+g.given(male), male, headAge+r.between(24, 30), tenants)
			p.Relationship, p.MovedInOn, p.Employer = "parent", head.MovedInOn, ""
			hh.Persons = append(hh.Persons, p)
		} else {
			male := r.intn(2) == 0
			c := g.person(string(surname)+g.given(male), male, max(18, headAge-r.between(24, 32)), tenants)
			c.Relationship, c.MovedInOn = "child", head.MovedInOn
			hh.Persons = append(hh.Persons, c)
		}
	}
	if r.intn(5) == 0 {
		a := r.intn(len(appealTexts))
		hh.Appeals = append(hh.Appeals, RegNote{Day: g.daysAgo(r.between(2, 60)), Text: appealTexts[a]})
	}
	if r.intn(3) == 0 {
		hh.Visits = append(hh.Visits, RegNote{Day: g.daysAgo(r.between(1, 120)), Text: visitTexts[r.intn(len(visitTexts))]})
	}
	return hh
}

func (g *regGen) daysAgo(n int) string { return g.today.AddDate(0, 0, -n).Format(time.DateOnly) }

func (g *regGen) given(male bool) string {
	given := givenFemale
	if male {
		given = givenMale
	}
	var b strings.Builder
	first := g.r.intn(len(given))
	b.WriteRune(given[first])
	if g.r.intn(3) > 0 {
		b.WriteRune(given[(first+1+g.r.intn(len(given)-1))%len(given)])
	}
	return b.String()
}

// name draws a name and its gender.
func (g *regGen) name() (string, bool) {
	male := g.r.intn(2) == 0
	f := g.r.float()
	return string(surnames[int(f*f*float64(len(surnames)))]) + g.given(male), male
}

// person draws a resident of the given gender and age; name "" draws one.
func (g *regGen) person(name string, male bool, age int, newCitizen bool) RegPerson {
	r := g.r
	if name == "" {
		f := r.float()
		name = string(surnames[int(f*f*float64(len(surnames)))]) + g.given(male)
	}
	p := RegPerson{Name: name, Ethnicity: "汉族"}
	if r.intn(40) == 0 {
		p.Ethnicity = "回族"
	}
	reg := localRegions[r.intn(len(localRegions))]
	if newCitizen {
		reg = originRegions[r.intn(len(originRegions))]
		p.ResidenceType, p.Origin, p.Tenancy = "new_citizen", reg.name, "rented"
		if age >= 18 && age < 60 {
			p.Employer = employers[r.intn(len(employers))]
		}
		if r.intn(4) == 0 {
			p.MovedInOn = g.daysAgo(r.between(1, 28)) // recently arrived
		} else {
			p.MovedInOn = g.daysAgo(r.between(40, 1500))
		}
	} else {
		p.ResidenceType = "registered"
		if reg.code != "370211" {
			p.ResidenceType = "resident"
		}
		p.MovedInOn = g.daysAgo(r.between(400, 9000))
	}
	p.HukouAddress = reg.name
	p.IDNumber = g.idNumber(reg.code, male, age)
	if age >= 16 {
		p.Phone = g.r.mobile(g.phones)
	}
	if age >= 60 {
		p.Tags = append(p.Tags, "elderly_60")
		if r.intn(5) == 0 {
			p.Tags = append(p.Tags, "empty_nester")
		}
	}
	switch x := r.intn(30); {
	case x == 0:
		p.Tags = append(p.Tags, "party_member")
	case x == 1 && age >= 30:
		p.Tags = append(p.Tags, "veteran")
	case x == 2:
		p.Tags = append(p.Tags, "disabled")
	case x == 3 && !newCitizen:
		p.Tags = append(p.Tags, "low_income")
	}
	return p
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDCheckChar is the GB 11643 check character of the first 17 digits.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// idNumber draws an unused resident ID number of the region, gender and age.
func (g *regGen) idNumber(region string, male bool, age int) string {
	for {
		birth := g.today.AddDate(-age, 0, -g.r.between(1, 364))
		seq := g.r.intn(500) * 2 // even: female
		if male {
			seq++
		}
		first := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), seq)
		id := first + string(IDCheckChar(first))
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

// RegistryFigures counts what loadRegistry put in.
type RegistryFigures struct{ Buildings, Houses, Households, Persons, NewCitizens, Appeals, Visits int }

// Count sums a generated registry.
func CountRegistry(bs []RegBuilding) RegistryFigures {
	var f RegistryFigures
	for _, b := range bs {
		f.Buildings++
		for _, h := range b.Houses {
			f.Houses++
			if h.Household == nil {
				continue
			}
			f.Households++
			f.Appeals += len(h.Household.Appeals)
			f.Visits += len(h.Household.Visits)
			for _, p := range h.Household.Persons {
				f.Persons++
				if p.ResidenceType == "new_citizen" {
					f.NewCitizens++
				}
			}
		}
	}
	return f
}

// registryMicrogrids lists the microgrids of RegistryCommunity, those of its
// first grid (the demo grid worker's) first.
func registryMicrogrids(ds *Dataset) []string {
	var grids, micro []string
	for _, a := range ds.Areas {
		if a.ParentCode == RegistryCommunity && a.Level == LevelGrid {
			grids = append(grids, a.Code)
		}
	}
	for _, a := range ds.Areas {
		if a.Level == LevelMicrogrid && slices.Contains(grids, a.ParentCode) {
			micro = append(micro, a.Code)
		}
	}
	// Interleave: half of the buildings stand in the first grid.
	var first, rest []string
	for _, m := range micro {
		if len(grids) > 0 && strings.HasPrefix(m, grids[0]) {
			first = append(first, m)
		} else {
			rest = append(rest, m)
		}
	}
	var out []string
	for i := 0; i < max(len(first), len(rest)); i++ {
		if len(first) > 0 {
			out = append(out, first[i%len(first)])
		}
		if i < len(rest) {
			out = append(out, rest[i])
		}
	}
	return out
}

// loadRegistry registers the demo buildings, houses, households and people
// through the registry store.
func loadRegistry(ctx context.Context, rg *registry.Store, ds *Dataset, seed int64, today time.Time) error {
	if rg == nil {
		return nil
	}
	mgs := registryMicrogrids(ds)
	if len(mgs) == 0 {
		return nil
	}
	for _, b := range GenerateRegistry(seed, mgs, today) {
		cb, err := rg.CreateBuilding(ctx, registry.NewBuilding{AreaCode: b.AreaCode, Name: b.Name, Address: b.Address, Floors: b.Floors, Units: b.Units})
		if err != nil {
			return fmt.Errorf("building %s: %w", b.Address, err)
		}
		for _, h := range b.Houses {
			floor := h.Floor
			ch, err := rg.CreateHouse(ctx, registry.NewHouse{BuildingID: cb.ID, Unit: h.Unit, Floor: &floor, Room: h.Room, Usage: h.Usage, FloorArea: h.FloorArea, OwnerName: h.OwnerName})
			if err != nil {
				return fmt.Errorf("house %s %s%s: %w", b.Address, h.Unit, h.Room, err)
			}
			if h.Household == nil {
				continue
			}
			hh, err := rg.CreateHousehold(ctx, registry.NewHousehold{HouseID: ch.ID, Type: "family"})
			if err != nil {
				return fmt.Errorf("household in %s: %w", ch.Address, err)
			}
			for _, p := range h.Household.Persons {
				id := hh.ID
				if _, err := rg.CreatePerson(ctx, registry.NewPerson{Name: p.Name, IDType: "resident_id", IDNumber: p.IDNumber, Phone: p.Phone, Ethnicity: p.Ethnicity,
					ResidenceType: p.ResidenceType, HukouAddress: p.HukouAddress, MovedInOn: p.MovedInOn, Origin: p.Origin, Employer: p.Employer,
					Tenancy: p.Tenancy, Tags: p.Tags, HouseholdID: &id, Relationship: p.Relationship}); err != nil {
					return fmt.Errorf("person %s in %s: %w", p.Name, ch.Address, err)
				}
			}
			for _, a := range h.Household.Appeals {
				if _, err := rg.AddAppeal(ctx, hh.ID, registry.NewAppeal{Content: a.Text, RaisedOn: a.Day}); err != nil {
					return fmt.Errorf("appeal in %s: %w", ch.Address, err)
				}
			}
			for _, v := range h.Household.Visits {
				if _, err := rg.AddVisit(ctx, hh.ID, registry.NewVisit{VisitedOn: v.Day, Note: v.Text}); err != nil {
					return fmt.Errorf("visit in %s: %w", ch.Address, err)
				}
			}
		}
	}
	return nil
}
