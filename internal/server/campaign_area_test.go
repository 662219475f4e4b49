package server_test

import (
	"fmt"
	"testing"

	"github.com/tongxin/tongxin/internal/registry"
)

// TestCampaignUnvisitedArea: the unvisited list of a drill-down follows the
// area asked for, inside the caller's scope and the campaign's area.
func TestCampaignUnvisitedArea(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		sec1, gw11 := e.login("sec1"), e.login("gw11")
		b1, b2 := f.building(sec1, mg111, "幸福路12号", "1号楼"), f.building(sec1, mg121, "幸福路20号", "2号楼")
		h1, h2 := f.house(sec1, b1.ID, "1", "101", "owner_occupied"), f.house(sec1, b2.ID, "1", "101", "owner_occupied")
		var c registry.Campaign
		sec1.mustDo("POST", "/api/v1/registry/campaigns", map[string]any{"area_code": "370211001001", "name": "摸排", "starts_on": "2026-11-15", "ends_on": "2026-12-31", "state": "active"}, 201, &c)
		base := fmt.Sprintf("/api/v1/registry/campaigns/%d/unvisited", c.ID)
		ids := func(cl *client, q string) []int64 {
			var page registry.HousePage
			cl.mustDo("GET", base+q, nil, 200, &page)
			out := []int64{}
			for _, h := range page.Items {
				out = append(out, h.ID)
			}
			return out
		}
		if got := ids(sec1, ""); len(got) != 2 {
			t.Fatalf("community: %v", got)
		}
		if got := ids(sec1, "?area=370211001001002"); len(got) != 1 || got[0] != h2.ID {
			t.Fatalf("grid 2: %v, want [%d]", got, h2.ID)
		}
		if got := ids(sec1, "?area="+mg111); len(got) != 1 || got[0] != h1.ID {
			t.Fatalf("microgrid 1.1.1: %v, want [%d]", got, h1.ID)
		}
		// Another grid than one's own: not found; outside the campaign: invalid.
		if r := gw11.do("GET", base+"?area=370211001001002", nil); r.status != 404 {
			t.Fatalf("gw11 drills into grid 2: %d %s", r.status, r.body)
		}
		if r := sec1.do("GET", base+"?area=370211001002", nil); r.status != 422 || !r.problem(t).hasField("area", "in_campaign") {
			t.Fatalf("outside the campaign: %d %s", r.status, r.body)
		}
	})
}
