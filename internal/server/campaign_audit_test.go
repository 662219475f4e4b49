package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/registry"
)

// campaignAudit reads the audit entries of a campaign through the audit API,
// oldest first.
func campaignAudit(t *testing.T, cl *client, id int64) []audit.Entry {
	t.Helper()
	var out struct {
		Items []audit.Entry `json:"items"`
	}
	cl.mustDo("GET", "/api/v1/audit?area=370211001001&limit=500", nil, 200, &out)
	var mine []audit.Entry
	for i := len(out.Items) - 1; i >= 0; i-- {
		if out.Items[i].Object == fmt.Sprintf("campaign:%d", id) {
			mine = append(mine, out.Items[i])
		}
	}
	return mine
}

// change reads {"from": …, "to": …} of a field in a campaign.update entry.
func change(e audit.Entry, field string) (from, to any, ok bool) {
	ch, _ := e.Detail["changes"].(map[string]any)
	fc, ok := ch[field].(map[string]any)
	if !ok {
		return nil, nil, false
	}
	return fc["from"], fc["to"], true
}

// TestCampaignAudit: creating a campaign and every change to it (name,
// period, state) writes a hash-chained audit entry naming who, what, and
// the values before and after; a refused or empty change writes none.
func TestCampaignAudit(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		sec1, center := e.login("sec1"), e.login("center")
		var c registry.Campaign
		sec1.mustDo("POST", "/api/v1/registry/campaigns", map[string]any{"area_code": "370211001001", "name": "冬季摸排", "starts_on": "2026-11-15", "ends_on": "2026-12-31"}, 201, &c)
		base := fmt.Sprintf("/api/v1/registry/campaigns/%d", c.ID)

		es := campaignAudit(t, center, c.ID)
		if len(es) != 1 {
			t.Fatalf("after create: %d entries %+v", len(es), es)
		}
		cr := es[0]
		if cr.Action != "campaign.create" || cr.Actor != "sec1" || cr.AreaCode != "370211001001" || cr.Detail["name"] != "冬季摸排" ||
			cr.Detail["area_code"] != "370211001001" || cr.Detail["starts_on"] != "2026-11-15" || cr.Detail["ends_on"] != "2026-12-31" || cr.Detail["state"] != "draft" {
			t.Fatalf("create entry %+v", cr)
		}

		// Rename and extend: one entry with both changes, before and after.
		sec1.mustDo("PATCH", base, map[string]any{"name": "2026年冬季人口摸排", "ends_on": "2027-02-28", "starts_on": "2026-11-15"}, 200, &c)
		es = campaignAudit(t, center, c.ID)
		if len(es) != 2 || es[1].Action != "campaign.update" || es[1].Actor != "sec1" || es[1].AreaCode != "370211001001" {
			t.Fatalf("after rename: %+v", es)
		}
		if from, to, ok := change(es[1], "name"); !ok || from != "冬季摸排" || to != "2026年冬季人口摸排" {
			t.Fatalf("name change %+v", es[1].Detail)
		}
		if from, to, ok := change(es[1], "ends_on"); !ok || from != "2026-12-31" || to != "2027-02-28" {
			t.Fatalf("ends_on change %+v", es[1].Detail)
		}
		if _, _, ok := change(es[1], "starts_on"); ok {
			t.Fatalf("an unchanged starts_on is audited: %+v", es[1].Detail)
		}

		// Nothing changes, or the change is refused: no entry.
		sec1.mustDo("PATCH", base, map[string]any{"name": "2026年冬季人口摸排"}, 200, &c)
		if r := sec1.do("PATCH", base, map[string]any{"state": "closed"}); r.status != 409 {
			t.Fatalf("draft → closed: %d %s", r.status, r.body)
		}
		if r := sec1.do("PATCH", base, map[string]any{"starts_on": "2027-03-01"}); r.status != 422 {
			t.Fatalf("start after end: %d %s", r.status, r.body)
		}
		if es = campaignAudit(t, center, c.ID); len(es) != 2 {
			t.Fatalf("an empty or refused change is audited: %+v", es[2:])
		}

		// draft → active by the subdistrict centre, active → closed by the secretary.
		center.mustDo("PATCH", base, map[string]any{"state": "active"}, 200, &c)
		sec1.mustDo("PATCH", base, map[string]any{"state": "closed"}, 200, &c)
		es = campaignAudit(t, center, c.ID)
		if len(es) != 4 {
			t.Fatalf("after activate and close: %+v", es)
		}
		if from, to, ok := change(es[2], "state"); !ok || from != "draft" || to != "active" || es[2].Actor != "center" || len(es[2].Detail["changes"].(map[string]any)) != 1 {
			t.Fatalf("activate entry %+v", es[2])
		}
		if from, to, ok := change(es[3], "state"); !ok || from != "active" || to != "closed" || es[3].Actor != "sec1" {
			t.Fatalf("close entry %+v", es[3])
		}
		if n, err := audit.Verify(context.Background(), e.db); err != nil || n < 4 {
			t.Fatalf("audit chain: %d entries, %v", n, err)
		}
	})
}
