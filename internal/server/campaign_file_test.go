package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tongxin/tongxin/internal/registry"
)

// TestCampaignVisitInFile: a campaign visit of a house with an open
// household leaves a visit note (channel verification) in that household's
// file, in the visit's transaction; a house without a household gets none,
// and a refused visit leaves none.
func TestCampaignVisitInFile(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		sec1, gw11 := e.login("sec1"), e.login("gw11")
		b := f.building(sec1, mg111, "幸福路12号", "1号楼")
		hA, hB, hC, hD := f.house(sec1, b.ID, "1", "101", "owner_occupied"), f.house(sec1, b.ID, "1", "102", "rented"), f.house(sec1, b.ID, "1", "103", "vacant"), f.house(sec1, b.ID, "1", "104", "vacant")
		hhA := f.household(sec1, hA.ID)
		hhB1, hhB2 := f.household(sec1, hB.ID), f.household(sec1, hB.ID)
		zhang := f.person(sec1, map[string]any{"name": "张三", "phone": "13812345678", "household_id": hhA.ID, "relationship": "head"})
		f.person(sec1, map[string]any{"name": "李梅", "household_id": hhA.ID, "relationship": "spouse"})
		// A note written by hand beforehand stays and keeps its channel.
		sec1.mustDo("POST", fmt.Sprintf("/api/v1/registry/households/%d/visits", hhA.ID), map[string]any{"note": "节前慰问", "visited_on": "2026-11-01"}, 201, nil)

		var c registry.Campaign
		sec1.mustDo("POST", "/api/v1/registry/campaigns", map[string]any{"area_code": "370211001001", "name": "2026年冬季人口摸排", "starts_on": "2026-11-15", "ends_on": "2027-02-28", "state": "active"}, 201, &c)
		base := fmt.Sprintf("/api/v1/registry/campaigns/%d", c.ID)
		file := func(id int64) registry.HouseholdFile {
			var out registry.HouseholdFile
			sec1.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d/file", id), nil, 200, &out)
			return out
		}
		notes := e.count("household_visits")

		// A refused visit (bad correction) leaves no note.
		if r := gw11.do("POST", base+"/visits", map[string]any{"house_id": hA.ID, "outcome": "corrected", "door_knocked": true, "entered": true,
			"corrections": []map[string]any{{"person_id": zhang.ID, "phone": "12345"}}}); r.status != 422 {
			t.Fatalf("bad visit: %d %s", r.status, r.body)
		}
		if e.count("household_visits") != notes {
			t.Fatal("a refused visit left a note")
		}

		// A: corrected, with the worker's note.
		gw11.mustDo("POST", base+"/visits", map[string]any{"house_id": hA.ID, "outcome": "corrected", "door_knocked": true, "entered": true, "persons_asked": 2,
			"note": "户主换了手机号", "corrections": []map[string]any{{"person_id": zhang.ID, "phone": "13900002222"}}}, 201, nil)
		fa := file(hhA.ID)
		if len(fa.Visits) != 2 {
			t.Fatalf("file A visits %+v", fa.Visits)
		}
		v := fa.Visits[0]
		want := "摸排任务“2026年冬季人口摸排”：信息已更正；询问 2 人；更正 1 人。走访备注：户主换了手机号"
		if v.Channel != registry.ChannelVerification || v.VisitedOn != "2026-11-30" || v.VisitorName != "网格员" || v.Note != want || v.HouseholdID != hhA.ID {
			t.Fatalf("campaign note %+v, want note %q", v, want)
		}
		if fa.Visits[1].Note != "节前慰问" || fa.Visits[1].Channel != registry.ChannelConsole {
			t.Fatalf("hand-written note %+v", fa.Visits[1])
		}

		// B has two open households: both files get the note.
		gw11.mustDo("POST", base+"/visits", map[string]any{"house_id": hB.ID, "outcome": "confirmed", "door_knocked": true, "entered": true, "persons_asked": 1}, 201, nil)
		for _, id := range []int64{hhB1.ID, hhB2.ID} {
			fb := file(id)
			if len(fb.Visits) != 1 || fb.Visits[0].Channel != registry.ChannelVerification || fb.Visits[0].Note != "摸排任务“2026年冬季人口摸排”：信息无误；询问 1 人；更正 0 人" {
				t.Fatalf("file of household %d: %+v", id, fb.Visits)
			}
		}

		// C, without a household: nobody home and vacant add nothing.
		notes = e.count("household_visits")
		gw11.mustDo("POST", base+"/visits", map[string]any{"house_id": hC.ID, "outcome": "nobody_home", "door_knocked": true}, 201, nil)
		gw11.mustDo("POST", base+"/visits", map[string]any{"house_id": hC.ID, "outcome": "vacant", "door_knocked": true, "entered": true}, 201, nil)
		if n := e.count("household_visits"); n != notes {
			t.Fatalf("a visit of a house without a household left %d notes", n-notes)
		}

		// D, without a household: a person found there opens one, whose file starts with the note.
		var vD registry.CampaignVisit
		gw11.mustDo("POST", base+"/visits", map[string]any{"house_id": hD.ID, "outcome": "new_person", "door_knocked": true, "entered": true, "persons_asked": 1,
			"new_persons": []map[string]any{{"name": "赵六", "residence_type": "resident", "relationship": "head"}}}, 201, &vD)
		var found registry.Person
		sec1.mustDo("GET", fmt.Sprintf("/api/v1/registry/persons/%d", vD.NewPersonIDs[0]), nil, 200, &found)
		fd := file(*found.HouseholdID)
		if len(fd.Visits) != 1 || fd.Visits[0].Channel != registry.ChannelVerification || !strings.Contains(fd.Visits[0].Note, "发现新人员；询问 1 人；更正 0 人；新登记 1 人") {
			t.Fatalf("file D visits %+v", fd.Visits)
		}
	})
}
