package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/registry"
)

// mg121 is microgrid 1 of grid 2 of community 1.
const mg121 = "370211001001002001"

// TestRegistryCampaign walks a verification campaign (摸排) over community 1:
// two grid workers visit the houses of their grids, corrections and a new
// person go into the registry through the verification channel, and the
// figures, the unvisited list and the refusals come out exact.
func TestRegistryCampaign(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		if _, err := e.srv.Auth.CreateUser(access.System(context.Background()), auth.NewUser{Username: "gw12", DisplayName: "网格员二", Role: "grid_worker",
			AreaCode: "370211001001002", Password: fixturePassword, Permanent: true}); err != nil {
			t.Fatal(err)
		}
		sec1, gw11, gw12, center := e.login("sec1"), e.login("gw11"), e.login("gw12"), e.login("center")

		// Grid 1: houses A (two persons), B (one person), C (empty).
		b1 := f.building(sec1, mg111, "幸福路12号", "1号楼")
		hA, hB, hC := f.house(sec1, b1.ID, "1", "101", "owner_occupied"), f.house(sec1, b1.ID, "1", "102", "rented"), f.house(sec1, b1.ID, "1", "103", "vacant")
		hhA, hhB := f.household(sec1, hA.ID), f.household(sec1, hB.ID)
		zhang := f.person(sec1, map[string]any{"name": "张三", "id_number": citizenID("37021119800101123"), "phone": "13812345678", "household_id": hhA.ID, "relationship": "head"})
		f.person(sec1, map[string]any{"name": "李梅", "household_id": hhA.ID, "relationship": "spouse"})
		f.person(sec1, map[string]any{"name": "王五", "household_id": hhB.ID, "relationship": "head"})
		// Grid 2: houses D and E; community 2: house F.
		b2 := f.building(sec1, mg121, "幸福路20号", "2号楼")
		hD, hE := f.house(sec1, b2.ID, "1", "101", "owner_occupied"), f.house(sec1, b2.ID, "1", "102", "owner_occupied")
		b3 := f.building(e.login("sec2"), mg211, "和平路1号", "1号楼")
		hF := f.house(e.login("sec2"), b3.ID, "1", "101", "owner_occupied")

		// A grid worker cannot create a community campaign; the secretary can.
		body := map[string]any{"area_code": "370211001001", "name": "2026年冬季人口摸排", "starts_on": "2026-11-15", "ends_on": "2027-02-28"}
		if r := gw11.do("POST", "/api/v1/registry/campaigns", body); r.status != 403 {
			t.Fatalf("grid worker creates a community campaign: %d %s", r.status, r.body)
		}
		if r := sec1.do("POST", "/api/v1/registry/campaigns", map[string]any{"area_code": "370211001001", "name": "x", "starts_on": "2027-01-01", "ends_on": "2026-12-01"}); r.status != 422 || !r.problem(t).hasField("ends_on", "after_start") {
			t.Fatalf("bad period: %d %s", r.status, r.body)
		}
		var c registry.Campaign
		sec1.mustDo("POST", "/api/v1/registry/campaigns", body, 201, &c)
		if c.State != "draft" || c.AreaName != "社区1" {
			t.Fatalf("campaign %+v", c)
		}
		base := fmt.Sprintf("/api/v1/registry/campaigns/%d", c.ID)
		visit := func(cl *client, house int64, outcome string, extra map[string]any) response {
			b := map[string]any{"house_id": house, "outcome": outcome, "door_knocked": true, "entered": outcome != "nobody_home", "persons_asked": 1}
			for k, v := range extra {
				b[k] = v
			}
			return cl.do("POST", base+"/visits", b)
		}
		if r := visit(gw11, hA.ID, "confirmed", nil); r.status != 409 || r.problem(t).Code != "campaign_not_active" {
			t.Fatalf("visit in draft: %d %s", r.status, r.body)
		}
		sec1.mustDo("PATCH", base, map[string]any{"state": "active"}, 200, &c)
		if r := sec1.do("PATCH", base, map[string]any{"state": "draft"}); r.status != 409 || !r.problem(t).hasField("state", "transition") {
			t.Fatalf("active → draft: %d %s", r.status, r.body)
		}
		var list registry.CampaignPage
		gw11.mustDo("GET", "/api/v1/registry/campaigns", nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != c.ID || list.Items[0].State != "active" {
			t.Fatalf("grid worker's campaigns %+v", list.Items)
		}

		// Bad input stores nothing.
		visits := e.count("campaign_visits")
		if r := visit(gw11, hA.ID, "met", nil); r.status != 422 || !r.problem(t).hasField("outcome", "enum") {
			t.Fatalf("bad outcome: %d %s", r.status, r.body)
		}
		history := e.count("registry_history")
		r := visit(gw11, hA.ID, "corrected", map[string]any{"corrections": []map[string]any{{"person_id": zhang.ID, "phone": "12345"}}})
		if r.status != 422 || !r.problem(t).hasField("corrections[0].phone", "format") {
			t.Fatalf("bad correction: %d %s", r.status, r.body)
		}
		r = visit(gw11, hA.ID, "confirmed", map[string]any{"corrections": []map[string]any{{"person_id": zhang.ID, "residence_type": "resident"}}})
		if r.status != 422 || !r.problem(t).hasField("corrections", "outcome") {
			t.Fatalf("confirmed with corrections: %d %s", r.status, r.body)
		}
		// A valid correction beside a bad new person: the whole visit is refused.
		r = visit(gw11, hA.ID, "corrected", map[string]any{"corrections": []map[string]any{{"person_id": zhang.ID, "residence_type": "resident"}},
			"new_persons": []map[string]any{{"name": "", "residence_type": "resident", "relationship": "child"}}})
		if r.status != 422 || !r.problem(t).hasField("new_persons[0].name", "required") {
			t.Fatalf("bad new person: %d %s", r.status, r.body)
		}
		if e.count("campaign_visits") != visits || e.count("registry_history") != history {
			t.Fatal("a refused visit stored something")
		}

		// Grid 1: A corrected (phone and residence type of 张三).
		var vA registry.CampaignVisit
		r = visit(gw11, hA.ID, "corrected", map[string]any{"persons_asked": 2, "note": "户主换了手机号",
			"corrections": []map[string]any{{"person_id": zhang.ID, "phone": "13900002222", "residence_type": "resident"}}})
		if r.status != 201 {
			t.Fatalf("visit A: %d %s", r.status, r.body)
		}
		mustJSON(t, r, &vA)
		if vA.RecordsChecked != 2 || vA.RecordsConfirmed != 1 || vA.Corrections != 1 || !vA.Current || vA.VisitorName != "网格员" || len(vA.CorrectedIDs) != 1 || vA.Address != hA.Address {
			t.Fatalf("visit A %+v", vA)
		}
		var hist registry.ChangeList
		sec1.mustDo("GET", fmt.Sprintf("/api/v1/registry/persons/%d/history", zhang.ID), nil, 200, &hist)
		changed := map[string]registry.Change{}
		for _, ch := range hist.Items {
			if ch.Channel == registry.ChannelVerification {
				changed[ch.Field] = ch
			}
		}
		if ph := changed["phone"]; ph.To == nil || *ph.To != "139****2222" || ph.ActorName != "网格员" {
			t.Fatalf("phone history %+v", hist.Items)
		}
		if rt := changed["residence_type"]; rt.From == nil || *rt.From != "registered" || *rt.To != "resident" {
			t.Fatalf("residence history %+v", hist.Items)
		}
		// B: first confirmed, then revisited with a new person found.
		visit(gw11, hB.ID, "confirmed", nil)
		var vB registry.CampaignVisit
		r = visit(gw11, hB.ID, "new_person", map[string]any{"new_persons": []map[string]any{{"name": "王小明", "residence_type": "resident", "relationship": "child"}}})
		if r.status != 201 {
			t.Fatalf("visit B: %d %s", r.status, r.body)
		}
		mustJSON(t, r, &vB)
		if vB.RecordsChecked != 1 || vB.RecordsConfirmed != 1 || vB.NewPersons != 1 || len(vB.NewPersonIDs) != 1 {
			t.Fatalf("visit B %+v", vB)
		}
		var found registry.Person
		sec1.mustDo("GET", fmt.Sprintf("/api/v1/registry/persons/%d", vB.NewPersonIDs[0]), nil, 200, &found)
		if found.HouseholdID == nil || *found.HouseholdID != hhB.ID || found.Relationship != "child" || found.AreaCode != mg111 {
			t.Fatalf("new person %+v", found)
		}
		sec1.mustDo("GET", fmt.Sprintf("/api/v1/registry/persons/%d/history", found.ID), nil, 200, &hist)
		if len(hist.Items) == 0 || hist.Items[0].Field != "created" || hist.Items[0].Channel != registry.ChannelVerification {
			t.Fatalf("new person history %+v", hist.Items)
		}
		var hv registry.CampaignVisitList
		gw11.mustDo("GET", fmt.Sprintf("%s/houses/%d/visits", base, hB.ID), nil, 200, &hv)
		if len(hv.Items) != 2 || hv.Items[0].Outcome != "new_person" || !hv.Items[0].Current || hv.Items[1].Outcome != "confirmed" || hv.Items[1].Current {
			t.Fatalf("visits of B %+v", hv.Items)
		}
		if r := visit(gw11, hC.ID, "vacant", nil); r.status != 201 {
			t.Fatalf("visit C: %d %s", r.status, r.body)
		}
		// Grid 2: D nobody home, by its own grid worker; gw11 may not visit there.
		if r := visit(gw11, hD.ID, "confirmed", nil); r.status != 404 {
			t.Fatalf("gw11 visits grid 2: %d %s", r.status, r.body)
		}
		if r := visit(gw12, hD.ID, "nobody_home", map[string]any{"persons_asked": 0}); r.status != 201 {
			t.Fatalf("visit D: %d %s", r.status, r.body)
		}
		// A house outside the campaign: unseen → 404, seen → 422.
		if r := visit(sec1, hF.ID, "confirmed", nil); r.status != 404 {
			t.Fatalf("sec1 visits community 2: %d %s", r.status, r.body)
		}
		if r := visit(center, hF.ID, "confirmed", nil); r.status != 422 || !r.problem(t).hasField("house_id", "in_campaign") {
			t.Fatalf("house outside the campaign: %d %s", r.status, r.body)
		}

		// Figures for the community and per grid.
		var rep registry.CampaignReport
		sec1.mustDo("GET", base+"/figures?area=370211001001", nil, 200, &rep)
		want := registry.CampaignFigures{Code: "370211001001", Name: "社区1", Houses: 5, Visited: 4, Coverage: 0.8, RecordsChecked: 3, RecordsConfirmed: 2,
			Accuracy: 0.6667, Corrections: 1, NewPersons: 1, Vacant: 1, NobodyHome: 1}
		if rep.Total != want {
			t.Fatalf("community figures %+v, want %+v", rep.Total, want)
		}
		g1 := registry.CampaignFigures{Code: "370211001001001", Name: "社区1第1网格", Houses: 3, Visited: 3, Coverage: 1, RecordsChecked: 3, RecordsConfirmed: 2,
			Accuracy: 0.6667, Corrections: 1, NewPersons: 1, Vacant: 1}
		g2 := registry.CampaignFigures{Code: "370211001001002", Name: "社区1第2网格", Houses: 2, Visited: 1, Coverage: 0.5, NobodyHome: 1}
		if len(rep.Children) != 2 || rep.Children[0] != g1 || rep.Children[1] != g2 {
			t.Fatalf("per grid %+v", rep.Children)
		}
		// A grid worker sees their grid's part only.
		gw11.mustDo("GET", base+"/figures", nil, 200, &rep)
		if rep.Total.Houses != 3 || rep.Total.Visited != 3 || len(rep.Children) != 1 || rep.Children[0] != g1 {
			t.Fatalf("gw11 figures %+v", rep)
		}
		gw12.mustDo("GET", base+"/figures?area=370211001001002", nil, 200, &rep)
		if rep.Total.Houses != 2 || rep.Total.Coverage != 0.5 || len(rep.Children) != 2 || rep.Children[0].Code != mg121 || rep.Children[0].Houses != 2 {
			t.Fatalf("grid 2 figures %+v", rep)
		}
		if r := sec1.do("GET", base+"/figures?area=370211001002", nil); r.status != 422 || !r.problem(t).hasField("area", "in_campaign") {
			t.Fatalf("figures outside the campaign: %d %s", r.status, r.body)
		}
		// The houses not yet visited.
		var page registry.HousePage
		sec1.mustDo("GET", base+"/unvisited", nil, 200, &page)
		if len(page.Items) != 1 || page.Items[0].ID != hE.ID || page.Items[0].Address == "" {
			t.Fatalf("unvisited %+v", page.Items)
		}
		gw11.mustDo("GET", base+"/unvisited", nil, 200, &page)
		if len(page.Items) != 0 {
			t.Fatalf("gw11 unvisited %+v", page.Items)
		}
		f.house(sec1, b2.ID, "1", "103", "owner_occupied")
		sec1.mustDo("GET", base+"/unvisited?area=370211001001002&limit=1", nil, 200, &page)
		if len(page.Items) != 1 || page.NextBeforeID == nil {
			t.Fatalf("unvisited page 1 %+v", page)
		}
		sec1.mustDo("GET", fmt.Sprintf("%s/unvisited?area=370211001001002&limit=1&before_id=%d", base, *page.NextBeforeID), nil, 200, &page)
		if len(page.Items) != 1 || page.Items[0].ID != hE.ID || page.NextBeforeID != nil {
			t.Fatalf("unvisited page 2 %+v", page)
		}

		// Closed: no more visits, no more changes.
		sec1.mustDo("PATCH", base, map[string]any{"state": "closed"}, 200, &c)
		if c.State != "closed" || c.ClosedAt == nil {
			t.Fatalf("closed %+v", c)
		}
		if r := visit(gw11, hA.ID, "confirmed", nil); r.status != 409 || r.problem(t).Code != "campaign_closed" {
			t.Fatalf("visit after close: %d %s", r.status, r.body)
		}
		if r := sec1.do("PATCH", base, map[string]any{"name": "改名"}); r.status != 409 {
			t.Fatalf("change after close: %d %s", r.status, r.body)
		}

		// A campaign over an area without houses: no division by zero.
		sec2 := e.login("sec2")
		var c2 registry.Campaign
		sec2.mustDo("POST", "/api/v1/registry/campaigns", map[string]any{"area_code": "370211001002002", "name": "空网格摸排", "starts_on": "2026-11-30", "ends_on": "2026-12-31", "state": "active"}, 201, &c2)
		sec2.mustDo("GET", fmt.Sprintf("/api/v1/registry/campaigns/%d/figures", c2.ID), nil, 200, &rep)
		if rep.Total.Houses != 0 || rep.Total.Coverage != 0 || rep.Total.Accuracy != 0 || len(rep.Children) != 2 || rep.Children[0].Coverage != 0 {
			t.Fatalf("empty figures %+v", rep)
		}
		if r := sec1.do("GET", fmt.Sprintf("/api/v1/registry/campaigns/%d", c2.ID), nil); r.status != 404 {
			t.Fatalf("sec1 sees community 2's campaign: %d", r.status)
		}
	})
}

func mustJSON(t *testing.T, r response, out any) {
	t.Helper()
	if err := json.Unmarshal(r.body, out); err != nil {
		t.Fatalf("%v in %s", err, r.body)
	}
}
