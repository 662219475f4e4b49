package demo

import (
	"reflect"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/platform/govid"
)

var regDay = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

func TestRegistryDeterministic(t *testing.T) {
	mgs := registryMicrogrids(data)
	if len(mgs) == 0 {
		t.Fatal("no microgrids in the registry community")
	}
	a := GenerateRegistry(1, mgs, regDay)
	b := GenerateRegistry(1, registryMicrogrids(Generate(1)), regDay)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different registries")
	}
	if reflect.DeepEqual(a, GenerateRegistry(2, mgs, regDay)) {
		t.Fatal("different seeds gave the same registry")
	}
	f := CountRegistry(a)
	t.Logf("%+v", f)
	if f.Buildings != 20 || f.Houses < 300 || f.Households < 200 || f.NewCitizens < 20 || f.Appeals == 0 || f.Visits == 0 {
		t.Fatalf("unexpected figures %+v", f)
	}
}

func TestRegistryPeople(t *testing.T) {
	bs := GenerateRegistry(1, registryMicrogrids(data), regDay)
	seen := map[string]bool{}
	recent, elderly := 0, 0
	cutoff := regDay.AddDate(0, 0, -30).Format(time.DateOnly)
	for _, b := range bs {
		if b.AreaCode[:12] != RegistryCommunity {
			t.Fatalf("building %s outside the community: %s", b.Address, b.AreaCode)
		}
		for _, h := range b.Houses {
			if h.Household == nil {
				continue
			}
			heads := 0
			for _, p := range h.Household.Persons {
				c, err := govid.ParseCitizenID(p.IDNumber)
				if err != nil {
					t.Fatalf("%s: %s: %v", p.Name, p.IDNumber, err)
				}
				if c.Birth.After(regDay) {
					t.Fatalf("%s born in the future", p.IDNumber)
				}
				if seen[p.IDNumber] {
					t.Fatalf("duplicate ID %s", p.IDNumber)
				}
				seen[p.IDNumber] = true
				if p.Relationship == "head" {
					heads++
				}
				if p.ResidenceType == "new_citizen" && (p.Origin == "" || p.MovedInOn == "") {
					t.Fatalf("new citizen %s lacks origin or moved-in date", p.Name)
				}
				if p.ResidenceType == "new_citizen" && p.MovedInOn >= cutoff {
					recent++
				}
				if c.AgeAt(regDay) >= 60 {
					elderly++
					found := false
					for _, tg := range p.Tags {
						found = found || tg == "elderly_60"
					}
					if !found {
						t.Fatalf("%s is %d but not tagged elderly_60", p.Name, c.AgeAt(regDay))
					}
				}
			}
			if heads != 1 || len(h.Household.Persons) > 4 {
				t.Fatalf("household in %s: %d heads, %d persons", b.Address, heads, len(h.Household.Persons))
			}
		}
	}
	if recent == 0 || elderly == 0 {
		t.Fatalf("recent new citizens %d, elderly %d", recent, elderly)
	}
}

func TestIDCheckChar(t *testing.T) {
	// The standard's example number.
	if c := IDCheckChar("11010519491231002"); c != 'X' {
		t.Fatalf("check char %c, want X", c)
	}
}
