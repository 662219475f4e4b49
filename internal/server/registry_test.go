package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/registry"
)

// TestRegistryBuildingToPerson walks "houses define households, households
// find people": building → house → household → persons, with what the
// registry derives and masks on the way.
func TestRegistryBuildingToPerson(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		gw := e.login("gw11")
		b := f.building(gw, mg111, "幸福路12号", "3号楼")
		if b.AreaCode != mg111 || b.AreaName == "" || b.Floors != 6 {
			t.Fatalf("building %+v", b)
		}
		// Placed by location: the centre of microgrid 370211001001001001.
		var located registry.Building
		gw.mustDo("POST", "/api/v1/registry/buildings", map[string]any{"address": "幸福路14号", "lng": lng0 + cell, "lat": lat0 + cell}, 201, &located)
		if located.AreaCode != mg111 {
			t.Fatalf("located building in %s", located.AreaCode)
		}
		h := f.house(gw, b.ID, "2", "302", "owner_occupied")
		if h.Address != "幸福路12号3号楼2单元302室" || h.AreaCode != mg111 || h.FloorArea != "89.5" {
			t.Fatalf("house %+v", h)
		}
		hh := f.household(gw, h.ID)
		id := citizenID("37021119800101123")
		head := f.person(gw, map[string]any{"name": "张三", "id_type": "resident_id", "id_number": id, "phone": "13812345678", "ethnicity": "汉",
			"household_id": hh.ID, "relationship": "head", "hukou_address": "山东省青岛市黄岛区", "tags": []string{"party_member"}, "channel": "app"})
		if head.Gender != "male" || head.BirthDate == nil || *head.BirthDate != "1980-01-01" || head.Ethnicity != "汉族" {
			t.Errorf("derived fields %+v", head)
		}
		if head.IDNumberMasked != id[:6]+"********"+id[14:] || head.PhoneMasked != "138****5678" {
			t.Errorf("masks %q %q", head.IDNumberMasked, head.PhoneMasked)
		}
		if head.NamePinyin != "zhangsan" || head.NameInitials != "zs" || head.AreaCode != mg111 || head.Relationship != "head" || head.Address != h.Address {
			t.Errorf("person %+v", head)
		}
		if len(head.Tags) != 1 || head.Tags[0].Code != "party_member" {
			t.Errorf("tags %+v", head.Tags)
		}
		spouse := f.person(gw, map[string]any{"name": "李梅", "id_number": citizenID("37021119820304124"), "household_id": hh.ID, "relationship": "spouse"})
		if spouse.Gender != "female" {
			t.Errorf("spouse gender %q", spouse.Gender)
		}
		var got registry.Household
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d", hh.ID), nil, 200, &got)
		if got.HeadPersonID == nil || *got.HeadPersonID != head.ID || got.HeadName != "张三" || got.Members != 2 {
			t.Fatalf("household %+v", got)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/houses/%d", h.ID), nil, 200, &h)
		if h.Households != 1 || h.Occupants != 2 {
			t.Fatalf("house counts %+v", h)
		}
		// A second head is refused; so is an unknown tag.
		r := gw.do("POST", "/api/v1/registry/persons", map[string]any{"name": "王五", "residence_type": "resident", "household_id": hh.ID, "relationship": "head"})
		if r.status != 409 || !r.problem(t).hasField("relationship", "one_head") {
			t.Fatalf("second head: %d %s", r.status, r.body)
		}
		r = gw.do("POST", "/api/v1/registry/persons", map[string]any{"name": "王五", "residence_type": "resident", "area_code": mg111, "tags": []string{"nope"}})
		if r.status != 422 || !r.problem(t).hasField("tags", "exists") {
			t.Fatalf("unknown tag: %d %s", r.status, r.body)
		}
		// The person's number never leaves the server in clear in a read.
		raw := gw.do("GET", fmt.Sprintf("/api/v1/registry/persons/%d", head.ID), nil)
		if strings.Contains(string(raw.body), id) || strings.Contains(string(raw.body), "13812345678") {
			t.Fatalf("clear PII in %s", raw.body)
		}
		// Nor is it stored in clear.
		var leaks int
		if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM persons WHERE id_enc LIKE ? OR phone_enc LIKE ? OR id_masked = ?`,
			"%"+id+"%", "%13812345678%", id).Scan(&leaks); err != nil || leaks != 0 {
			t.Fatalf("clear PII stored: %d %v", leaks, err)
		}
	})
}

// TestRegistryOnePersonOneRecord: the ID number's blind index de-duplicates,
// whatever form the number was typed in, and the conflict points to the
// existing record.
func TestRegistryOnePersonOneRecord(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		gw := e.login("gw11")
		id := citizenID("37021119800101123")
		first := f.person(gw, map[string]any{"name": "张三", "id_number": id, "area_code": mg111})
		before := e.count("persons")
		for _, typed := range []string{id, " " + id + " ", strings.Map(func(r rune) rune { return r + 0xFEE0 }, id)} {
			r := gw.do("POST", "/api/v1/registry/persons", map[string]any{"name": "张三", "id_number": typed, "residence_type": "resident", "area_code": mg112})
			if r.status != 409 {
				t.Fatalf("duplicate %q: %d %s", typed, r.status, r.body)
			}
			p := r.problem(t)
			x := extra(t, r)
			if p.Code != "person_exists" || x["existing_id"] != float64(first.ID) || x["existing_area_code"] != mg111 || !p.hasField("id_number", "unique") {
				t.Fatalf("duplicate answer %s", r.body)
			}
		}
		if e.count("persons") != before {
			t.Fatal("a duplicate was stored")
		}
		// Legacy 15-digit numbers are upgraded: the 18-digit form is the same person.
		legacy := "370211850203121" // born 1985-02-03, sequence 121 (male)
		old := f.person(gw, map[string]any{"name": "老李", "id_number": legacy, "area_code": mg111})
		full := citizenID("37021119850203121")
		if old.BirthDate == nil || *old.BirthDate != "1985-02-03" || old.Gender != "male" || old.IDNumberMasked != full[:6]+"********"+full[14:] {
			t.Fatalf("legacy %+v", old)
		}
		r := gw.do("POST", "/api/v1/registry/persons", map[string]any{"name": "老李", "id_number": full, "residence_type": "resident", "area_code": mg111})
		if r.status != 409 || extra(t, r)["existing_id"] != float64(old.ID) {
			t.Fatalf("legacy duplicate: %d %s", r.status, r.body)
		}
		// A lower-case x is the same number as X.
		xid := idEndingX(t, "37021119900715")
		lower := f.person(gw, map[string]any{"name": "小王", "id_number": strings.ToLower(xid), "area_code": mg111})
		r = gw.do("POST", "/api/v1/registry/persons", map[string]any{"name": "小王", "id_number": xid, "residence_type": "resident", "area_code": mg111})
		if r.status != 409 || extra(t, r)["existing_id"] != float64(lower.ID) {
			t.Fatalf("x duplicate: %d %s", r.status, r.body)
		}
		var shown registry.RevealedPII
		e.login("sec1").mustDo("POST", fmt.Sprintf("/api/v1/registry/persons/%d/reveal?field=id_number", lower.ID), nil, 200, &shown)
		if shown.IDNumber != xid {
			t.Fatalf("stored %q, want %q", shown.IDNumber, xid)
		}
		// Changing someone's number to one on record is refused the same way.
		r = gw.do("PATCH", fmt.Sprintf("/api/v1/registry/persons/%d", lower.ID), map[string]any{"id_type": "resident_id", "id_number": id})
		if r.status != 409 || extra(t, r)["existing_id"] != float64(first.ID) {
			t.Fatalf("patch duplicate: %d %s", r.status, r.body)
		}
		// Someone registered in another community: the answer names neither
		// the place nor the record (no existence oracle across scope), and
		// nothing is stored.
		other := citizenID("37021119700101555")
		elsewhere := f.person(e.login("sec2"), map[string]any{"name": "赵六", "id_number": other, "area_code": mg211})
		persons := e.count("persons")
		r = gw.do("POST", "/api/v1/registry/persons", map[string]any{"name": "赵六", "id_number": other, "residence_type": "resident", "area_code": mg111})
		x := extra(t, r)
		p := r.problem(t)
		if r.status != 409 || p.Code != "person_exists" || x["existing_id"] != nil || x["existing_area_code"] != nil || x["existing_community_code"] != nil || !p.hasField("id_number", "unique") || !strings.Contains(p.DetailZH, "街道社会治理中心") ||
			strings.Contains(string(r.body), "370211001002") || strings.Contains(p.Detail, fmt.Sprint(elsewhere.ID)) || e.count("persons") != persons {
			t.Fatalf("other community duplicate: %d %s", r.status, r.body)
		}
	})
}

// TestRegistryBadInput: every bad input names its field and rule in both
// languages, and nothing is stored.
func TestRegistryBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		gw := e.login("gw11")
		b := f.building(gw, mg111, "幸福路12号", "")
		h := f.house(gw, b.ID, "1", "101", "rented")
		hh1 := f.household(gw, h.ID)
		hh2 := f.household(gw, h.ID)
		p := f.person(gw, map[string]any{"name": "张三", "id_number": citizenID("37021119800101123"), "household_id": hh1.ID, "relationship": "head"})
		good := citizenID("37021119900101101")
		tables := []string{"persons", "households", "houses", "buildings", "household_members", "registry_history", "person_tags"}
		counts := func() []int {
			var out []int
			for _, tb := range tables {
				out = append(out, e.count(tb))
			}
			return out
		}
		start := counts()
		for _, tc := range []struct {
			name, method, path string
			body               map[string]any
			status             int
			field, rule        string
		}{
			{"wrong check digit", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "id_number": wrongCheck(good), "residence_type": "resident", "area_code": mg111}, 422, "id_number", "check_digit"},
			{"impossible birth date", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "id_number": "370211199902301234", "residence_type": "resident", "area_code": mg111}, 422, "id_number", "birth_date"},
			{"unknown region", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "id_number": citizenID("99021119900101101"), "residence_type": "resident", "area_code": mg111}, 422, "id_number", "region"},
			{"gender against the ID", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "id_number": good, "gender": "female", "residence_type": "resident", "area_code": mg111}, 422, "gender", "id_number"},
			{"no name", "POST", "/api/v1/registry/persons", map[string]any{"residence_type": "resident", "area_code": mg111}, 422, "name", "required"},
			{"unknown residence type", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "residence_type": "tourist", "area_code": mg111}, 422, "residence_type", "enum"},
			{"new citizen without origin", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "residence_type": "new_citizen", "moved_in_on": "2026-11-01", "area_code": mg111}, 422, "origin", "required"},
			{"bad phone", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "phone": "12345", "residence_type": "resident", "area_code": mg111}, 422, "phone", "format"},
			{"bad date", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "moved_in_on": "2026-02-30", "residence_type": "resident", "area_code": mg111}, 422, "moved_in_on", "date"},
			{"unknown ethnicity", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "ethnicity": "火星族", "residence_type": "resident", "area_code": mg111}, 422, "ethnicity", "enum"},
			{"a grid, not a microgrid", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "residence_type": "resident", "area_code": "370211001001001"}, 422, "area_code", "microgrid"},
			{"household that does not exist", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "residence_type": "resident", "household_id": 999999, "relationship": "child"}, 422, "household_id", "exists"},
			{"house that does not exist", "POST", "/api/v1/registry/households", map[string]any{"house_id": 999999}, 422, "house_id", "exists"},
			{"building that does not exist", "POST", "/api/v1/registry/houses", map[string]any{"building_id": 999999, "room": "101", "usage": "rented"}, 422, "building_id", "exists"},
			{"unknown usage", "POST", "/api/v1/registry/houses", map[string]any{"building_id": b.ID, "room": "102", "usage": "hotel"}, 422, "usage", "enum"},
			{"floor area as a float with 3 decimals", "POST", "/api/v1/registry/houses", map[string]any{"building_id": b.ID, "room": "102", "usage": "rented", "floor_area": "89.555"}, 422, "floor_area", "decimal"},
			{"the same room twice", "POST", "/api/v1/registry/houses", map[string]any{"building_id": b.ID, "unit": "1", "room": "101", "usage": "rented"}, 409, "room", "unique"},
			{"a person in two households", "POST", fmt.Sprintf("/api/v1/registry/households/%d/members", hh2.ID), map[string]any{"person_id": p.ID, "relationship": "head"}, 409, "person_id", "one_household"},
			{"a member who does not exist", "POST", fmt.Sprintf("/api/v1/registry/households/%d/members", hh2.ID), map[string]any{"person_id": 999999, "relationship": "child"}, 422, "person_id", "exists"},
			{"import channel through the API", "POST", "/api/v1/registry/persons", map[string]any{"name": "李四", "residence_type": "resident", "area_code": mg111, "channel": "import"}, 422, "channel", "enum"},
			{"building outside every microgrid", "POST", "/api/v1/registry/buildings", map[string]any{"address": "远方", "lng": 100.0, "lat": 30.0}, 422, "lng", "outside"},
		} {
			r := gw.do(tc.method, tc.path, tc.body)
			if r.status != tc.status || !r.problem(t).hasField(tc.field, tc.rule) {
				t.Errorf("%s: %d %s", tc.name, r.status, r.body)
			}
		}
		if got := counts(); !slices.Equal(got, start) {
			t.Fatalf("bad input stored something: %v → %v (%v)", start, got, tables)
		}
		// The conflict of two households points to the current one.
		r := gw.do("POST", fmt.Sprintf("/api/v1/registry/households/%d/members", hh2.ID), map[string]any{"person_id": p.ID, "relationship": "head"})
		if x := extra(t, r); x["code"] != "already_in_household" || x["household_id"] != float64(hh1.ID) {
			t.Fatalf("two households: %s", r.body)
		}
		// Once they leave, they may join the other household.
		r = gw.do("POST", fmt.Sprintf("/api/v1/registry/households/%d/members/%d/leave", hh1.ID, p.ID), map[string]any{"left_on": "2026-11-29"})
		if r.status != 422 || !r.problem(t).hasField("left_on", "after_joined") {
			t.Fatalf("leaving before joining: %d %s", r.status, r.body)
		}
		gw.mustDo("POST", fmt.Sprintf("/api/v1/registry/households/%d/members/%d/leave", hh1.ID, p.ID), nil, 200, nil)
		var moved registry.Household
		gw.mustDo("POST", fmt.Sprintf("/api/v1/registry/households/%d/members", hh2.ID), map[string]any{"person_id": p.ID, "relationship": "head"}, 200, &moved)
		if moved.HeadPersonID == nil || *moved.HeadPersonID != p.ID {
			t.Fatalf("moved %+v", moved)
		}
		var open int
		if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM household_members WHERE person_id = ? AND left_on IS NULL`, p.ID).Scan(&open); err != nil || open != 1 {
			t.Fatalf("%d open memberships (%v)", open, err)
		}
	})
}

// TestRegistryHistory: every change keeps who, when, from, to and the
// channel, with ID and phone numbers masked.
func TestRegistryHistory(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		gw := e.login("gw11")
		b := f.building(gw, mg111, "幸福路12号", "3号楼")
		h := f.house(gw, b.ID, "2", "302", "rented")
		hh := f.household(gw, h.ID)
		id := citizenID("37021119800101123")
		p := f.person(gw, map[string]any{"name": "张三", "id_number": id, "phone": "13812345678", "household_id": hh.ID, "relationship": "head"})
		e.clock.Advance(time.Hour)
		newID := citizenID("37021119800101131")
		gw.mustDo("PATCH", fmt.Sprintf("/api/v1/registry/persons/%d", p.ID), map[string]any{"name": "张叁", "phone": "13900002222", "id_type": "resident_id",
			"id_number": newID, "residence_type": "resident", "channel": "app"}, 200, &p)
		if p.NamePinyin != "zhangsan" || p.PhoneMasked != "139****2222" {
			t.Fatalf("patched %+v", p)
		}
		gw.mustDo("PATCH", fmt.Sprintf("/api/v1/registry/houses/%d", h.ID), map[string]any{"usage": "owner_occupied", "floor_area": "90"}, 200, nil)
		gw.mustDo("PATCH", fmt.Sprintf("/api/v1/registry/buildings/%d", b.ID), map[string]any{"floors": 7}, 200, nil)
		gw.mustDo("PUT", fmt.Sprintf("/api/v1/registry/persons/%d/tags", p.ID), map[string]any{"tags": []string{"veteran", "elderly_60"}, "channel": "app"}, 200, nil)

		var hist registry.ChangeList
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/persons/%d/history", p.ID), nil, 200, &hist)
		byField := map[string]registry.Change{}
		for _, c := range hist.Items {
			byField[c.Field] = c
			if c.ActorName != "网格员" || c.At.IsZero() {
				t.Errorf("change without actor or time: %+v", c)
			}
		}
		want := map[string][2]string{
			"name":           {"张三", "张叁"},
			"phone":          {"138****5678", "139****2222"},
			"id_number":      {id[:6] + "********" + id[14:], newID[:6] + "********" + newID[14:]},
			"residence_type": {"registered", "resident"},
			"tags":           {"", "60岁以上老人、退役军人"},
		}
		for field, ft := range want {
			c, ok := byField[field]
			if !ok {
				t.Errorf("no history of %s in %+v", field, hist.Items)
				continue
			}
			from := ""
			if c.From != nil {
				from = *c.From
			}
			if from != ft[0] || c.To == nil || *c.To != ft[1] || c.Channel != "app" {
				t.Errorf("%s: %+v (from %q)", field, c, from)
			}
		}
		// The registration comes first, as registered: the name and ID
		// number before the changes, at its own time.
		if c := hist.Items[0]; c.Field != "created" || c.Channel != "console" || c.To == nil || *c.To != "张三 "+id[:6]+"********"+id[14:] ||
			!c.At.Before(byField["name"].At) {
			t.Errorf("registration %+v", c)
		}
		if _, ok := byField["household_id"]; !ok {
			t.Errorf("joining the household is not in the person's history")
		}
		// No clear number anywhere in the history table.
		var leaks int
		if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM registry_history WHERE from_value IN (?, ?, ?, ?) OR to_value IN (?, ?, ?, ?)`,
			id, newID, "13812345678", "13900002222", id, newID, "13812345678", "13900002222").Scan(&leaks); err != nil || leaks != 0 {
			t.Fatalf("clear PII in history: %d %v", leaks, err)
		}
		// Household history: the members and the head.
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d/history", hh.ID), nil, 200, &hist)
		fields := []string{}
		for _, c := range hist.Items {
			fields = append(fields, c.Field)
		}
		if !slices.Contains(fields, "member") || !slices.Contains(fields, "head_person_id") || !slices.Contains(fields, "created") {
			t.Fatalf("household history %v", fields)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/houses/%d/history", h.ID), nil, 200, &hist)
		if len(hist.Items) != 3 || hist.Items[1].Field != "usage" && hist.Items[2].Field != "usage" {
			t.Fatalf("house history %+v", hist.Items)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/buildings/%d/history", b.ID), nil, 200, &hist)
		if len(hist.Items) != 2 || hist.Items[1].Field != "floors" || *hist.Items[1].From != "6" || *hist.Items[1].To != "7" {
			t.Fatalf("building history %+v", hist.Items)
		}
		// Moving out ends the membership and says so in both histories.
		gw.mustDo("PATCH", fmt.Sprintf("/api/v1/registry/persons/%d", p.ID), map[string]any{"status": "moved_out"}, 200, &p)
		if p.HouseholdID != nil || p.Status != "moved_out" {
			t.Fatalf("moved out %+v", p)
		}
		var hh2 registry.Household
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d", hh.ID), nil, 200, &hh2)
		if hh2.Members != 0 || hh2.HeadPersonID != nil {
			t.Fatalf("household after moving out %+v", hh2)
		}
		// A change that changes nothing writes no history.
		n := e.count("registry_history")
		gw.mustDo("PATCH", fmt.Sprintf("/api/v1/registry/persons/%d", p.ID), map[string]any{"name": "张叁"}, 200, nil)
		if e.count("registry_history") != n {
			t.Fatal("a no-op patch wrote history")
		}
	})
}

// TestRegistrySearch: by name (characters, pinyin, initials), ID number,
// phone, address fragment, tag and residence type, within scope, with keyset
// pagination; and the search box reading the query.
func TestRegistrySearch(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		gw := e.login("gw11")
		b1 := f.building(gw, mg111, "幸福路12号", "3号楼")
		b2 := f.building(gw, mg112, "和平街8号", "")
		hh1 := f.household(gw, f.house(gw, b1.ID, "1", "101", "owner_occupied").ID)
		hh2 := f.household(gw, f.house(gw, b2.ID, "", "202", "rented").ID)
		zid := citizenID("37021119800101123")
		f.person(gw, map[string]any{"name": "张三", "id_number": zid, "phone": "13812345678", "household_id": hh1.ID, "relationship": "head", "tags": []string{"elderly_60"}})
		f.person(gw, map[string]any{"name": "张三丰", "household_id": hh1.ID, "relationship": "parent", "tags": []string{"elderly_60", "veteran"}})
		f.person(gw, map[string]any{"name": "李四", "residence_type": "new_citizen", "origin": "河南省周口市", "moved_in_on": "2026-11-20", "employer": "某电子厂",
			"tenancy": "rented", "household_id": hh2.ID, "relationship": "head"})
		f.person(gw, map[string]any{"name": "曾小明", "area_code": mg111})
		f.person(gw, map[string]any{"name": "John Smith", "id_type": "passport", "id_number": "e1234567", "residence_type": "foreign", "area_code": mg112})
		// Community 2 has a 张三 too, invisible to gw11.
		f.person(e.login("sec2"), map[string]any{"name": "张三", "phone": "13812345678", "area_code": mg211})

		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"name=张三", []string{"张三丰", "张三"}},
			{"name=张三丰", []string{"张三丰"}},
			{"name=zhangsan", []string{"张三丰", "张三"}},
			{"name=ZhangSanF", []string{"张三丰"}},
			{"name=zs", []string{"张三丰", "张三"}},
			{"name=zsf", []string{"张三丰"}},
			{"name=zengxiaoming", []string{"曾小明"}}, // a surname's own reading
			{"name=js", []string{"John Smith"}},
			{"id_number=" + zid, []string{"张三"}},
			{"id_number=" + strings.ToLower("E1234567"), []string{"John Smith"}},
			{"phone=138-1234-5678", []string{"张三"}},
			{"phone=%2B8613812345678", []string{"张三"}},
			{"address=" + url.QueryEscape("幸福路12"), []string{"张三丰", "张三"}},
			{"address=" + url.QueryEscape("和平"), []string{"李四"}},
			{"address=" + url.QueryEscape("202"), []string{"李四"}},
			{"address=" + url.QueryEscape("和平街9号"), []string{}},
			{"tag=elderly_60", []string{"张三丰", "张三"}},
			{"tag=veteran", []string{"张三丰"}},
			{"residence_type=new_citizen", []string{"李四"}},
			{"residence_type=foreign", []string{"John Smith"}},
			{"moved_in_within_days=30", []string{"李四"}},
			{"moved_in_within_days=5", []string{}},
			{"name=zs&tag=veteran", []string{"张三丰"}},
			{"area=" + mg112, []string{"John Smith", "李四"}},
		} {
			got := f.names(gw, "/api/v1/registry/persons?"+tc.query)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
			}
		}
		// A house's new address is found, its old one no longer.
		var h2 registry.House
		gw.mustDo("PATCH", fmt.Sprintf("/api/v1/registry/houses/%d", hh2.HouseID), map[string]any{"address": "和平街8号东侧平房"}, 200, &h2)
		for q, want := range map[string][]string{"东侧平": {"李四"}, "和平街8号202": {}, "和平街8号东": {"李四"}} {
			if got := f.names(gw, "/api/v1/registry/persons?address="+url.QueryEscape(q)); !slices.Equal(got, want) {
				t.Errorf("address %s after the change: %v, want %v", q, got, want)
			}
		}
		// The administrator sees both 张三.
		if got := f.names(e.login("admin"), "/api/v1/registry/persons?phone=13812345678"); len(got) != 2 {
			t.Errorf("admin phone search %v", got)
		}
		// Keyset pagination.
		var page registry.PersonPage
		gw.mustDo("GET", "/api/v1/registry/persons?name=zs&limit=1", nil, 200, &page)
		if len(page.Items) != 1 || page.NextBeforeID == nil || page.Items[0].Name != "张三丰" {
			t.Fatalf("page 1 %+v", page)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/persons?name=zs&limit=1&before_id=%d", *page.NextBeforeID), nil, 200, &page)
		if len(page.Items) != 1 || page.Items[0].Name != "张三" || page.NextBeforeID != nil {
			t.Fatalf("page 2 %+v", page)
		}
		// The search box.
		for _, tc := range []struct {
			q, by string
			want  []string
		}{
			{"张三", "name", []string{"张三丰", "张三"}},
			{"zs", "pinyin", []string{"张三丰", "张三"}},
			{zid, "id_number", []string{"张三"}},
			{strings.ToLower(zid), "id_number", []string{"张三"}},
			{"13812345678", "phone", []string{"张三"}},
			{"E1234567", "id_number", []string{"John Smith"}},
			{"幸福路", "address", []string{"张三丰", "张三"}},
			{"和平街8号", "address", []string{"李四"}},
		} {
			var res registry.SearchResult
			gw.mustDo("GET", "/api/v1/registry/search?q="+url.QueryEscape(tc.q), nil, 200, &res)
			names := []string{}
			for _, p := range res.Items {
				names = append(names, p.Name)
			}
			if res.MatchedBy != tc.by || !slices.Equal(names, tc.want) {
				t.Errorf("search %q: %s %v, want %s %v", tc.q, res.MatchedBy, names, tc.by, tc.want)
			}
		}
		r := gw.do("GET", "/api/v1/registry/persons?residence_type=tourist", nil)
		if r.status != 422 || !r.problem(t).hasField("residence_type", "enum") {
			t.Fatalf("bad filter: %d %s", r.status, r.body)
		}
		// Lists never carry clear numbers.
		raw := gw.do("GET", "/api/v1/registry/persons", nil)
		if strings.Contains(string(raw.body), zid) || strings.Contains(string(raw.body), "13812345678") {
			t.Fatal("clear PII in a list")
		}
	})
}

// TestRegistryScope: a grid worker never sees or changes another grid's
// people; outside the scope everything is 404 and search finds nothing.
func TestRegistryScope(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		sec2 := e.login("sec2")
		b := f.building(sec2, mg211, "东风路1号", "")
		h := f.house(sec2, b.ID, "", "101", "rented")
		hh := f.household(sec2, h.ID)
		id := citizenID("37021119750505333")
		p := f.person(sec2, map[string]any{"name": "孙七", "id_number": id, "phone": "13700007777", "household_id": hh.ID, "relationship": "head"})

		gw := e.login("gw11")
		for _, path := range []string{
			fmt.Sprintf("/api/v1/registry/persons/%d", p.ID),
			fmt.Sprintf("/api/v1/registry/persons/%d/history", p.ID),
			fmt.Sprintf("/api/v1/registry/households/%d", hh.ID),
			fmt.Sprintf("/api/v1/registry/households/%d/file", hh.ID),
			fmt.Sprintf("/api/v1/registry/households/%d/history", hh.ID),
			fmt.Sprintf("/api/v1/registry/houses/%d", h.ID),
			fmt.Sprintf("/api/v1/registry/buildings/%d", b.ID),
		} {
			if r := gw.do("GET", path, nil); r.status != 404 {
				t.Errorf("GET %s as gw11: %d", path, r.status)
			}
		}
		before := e.count("registry_history")
		for _, w := range []struct {
			method, path string
			body         map[string]any
		}{
			{"PATCH", fmt.Sprintf("/api/v1/registry/persons/%d", p.ID), map[string]any{"name": "改名"}},
			{"PUT", fmt.Sprintf("/api/v1/registry/persons/%d/tags", p.ID), map[string]any{"tags": []string{"veteran"}}},
			{"PATCH", fmt.Sprintf("/api/v1/registry/households/%d", hh.ID), map[string]any{"note": "x"}},
			{"POST", fmt.Sprintf("/api/v1/registry/households/%d/close", hh.ID), map[string]any{}},
			{"POST", fmt.Sprintf("/api/v1/registry/households/%d/appeals", hh.ID), map[string]any{"content": "x"}},
			{"PATCH", fmt.Sprintf("/api/v1/registry/houses/%d", h.ID), map[string]any{"usage": "vacant"}},
			{"PATCH", fmt.Sprintf("/api/v1/registry/buildings/%d", b.ID), map[string]any{"floors": 1}},
		} {
			if r := gw.do(w.method, w.path, w.body); r.status != 404 {
				t.Errorf("%s %s as gw11: %d %s", w.method, w.path, r.status, r.body)
			}
		}
		// Creating in their territory, or referring to their records, is an input error that says no more.
		r := gw.do("POST", "/api/v1/registry/buildings", map[string]any{"area_code": mg211, "address": "东风路2号"})
		if r.status != 422 || !r.problem(t).hasField("area_code", "exists") {
			t.Errorf("building in community 2: %d %s", r.status, r.body)
		}
		r = gw.do("POST", "/api/v1/registry/households", map[string]any{"house_id": h.ID})
		if r.status != 422 || !r.problem(t).hasField("house_id", "exists") {
			t.Errorf("household in community 2's house: %d %s", r.status, r.body)
		}
		if e.count("registry_history") != before {
			t.Fatal("a refused write left history")
		}
		// Search never returns them.
		for _, q := range []string{"name=孙七", "name=sunqi", "name=sq", "id_number=" + id, "phone=13700007777", "address=" + url.QueryEscape("东风路"), "residence_type=registered", "area=" + mg211} {
			r := gw.do("GET", "/api/v1/registry/persons?"+q, nil)
			if q == "area="+mg211 {
				if r.status != 404 {
					t.Errorf("list in community 2's area: %d", r.status)
				}
				continue
			}
			if strings.Contains(string(r.body), "孙七") {
				t.Errorf("%s found community 2's person: %s", q, r.body)
			}
		}
		for _, q := range []string{"孙七", "sq", id, "13700007777", "东风路1号"} {
			if r := gw.do("GET", "/api/v1/registry/search?q="+url.QueryEscape(q), nil); strings.Contains(string(r.body), "孙七") {
				t.Errorf("search %s found community 2's person", q)
			}
		}
		if got := f.names(gw, "/api/v1/registry/houses?usage=rented"); len(got) != 0 {
			t.Errorf("houses of community 2 listed: %v", got)
		}
		// The secretary of community 1 does not see them either; the subdistrict does.
		if r := e.login("sec1").do("GET", fmt.Sprintf("/api/v1/registry/persons/%d", p.ID), nil); r.status != 404 {
			t.Errorf("sec1: %d", r.status)
		}
		e.login("center").mustDo("GET", fmt.Sprintf("/api/v1/registry/persons/%d", p.ID), nil, 200, nil)
		// Without registry:read at all: 403.
		if r := e.login("leader").do("GET", "/api/v1/registry/persons", nil); r.status != 403 {
			t.Errorf("leader: %d", r.status)
		}
		// Stats stay inside the scope too.
		var st registry.NewCitizenStats
		gw.mustDo("GET", "/api/v1/registry/stats/new-citizens", nil, 200, &st)
		if st.Total.RentedHouses != 0 {
			t.Errorf("gw11 counts community 2's houses: %+v", st)
		}
	})
}

// TestRegistryReveal: full numbers only with registry:read_pii over the
// person's area, and every reveal audited.
func TestRegistryReveal(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		gw := e.login("gw11")
		id := citizenID("37021119800101123")
		p := f.person(gw, map[string]any{"name": "张三", "id_number": id, "phone": "13812345678", "area_code": mg111})
		path := fmt.Sprintf("/api/v1/registry/persons/%d/reveal", p.ID)
		if r := gw.do("POST", path, nil); r.status != 403 {
			t.Fatalf("grid worker reveal: %d %s", r.status, r.body)
		}
		if r := e.login("sec2").do("POST", path, nil); r.status != 404 {
			t.Fatalf("other community's secretary: %d %s", r.status, r.body)
		}
		audits := func() int {
			var n int
			if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal' AND object = ?`, fmt.Sprintf("person:%d", p.ID)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if audits() != 0 {
			t.Fatal("a refused reveal was audited as a reveal")
		}
		sec1 := e.login("sec1")
		var out registry.RevealedPII
		sec1.mustDo("POST", path, nil, 200, &out)
		if out.IDNumber != id || out.Phone != "13812345678" {
			t.Fatalf("revealed %+v", out)
		}
		sec1.mustDo("POST", path+"?field=phone", nil, 200, &out)
		if out.Phone != "13812345678" {
			t.Fatalf("phone only %+v", out)
		}
		if audits() != 2 {
			t.Fatalf("%d reveal audits, want 2", audits())
		}
		var detail, areaCode, actor string
		if err := e.db.QueryRowContext(context.Background(), `SELECT detail, area_code, actor FROM audit_log WHERE action = 'pii.reveal' ORDER BY id DESC LIMIT 1`).Scan(&detail, &areaCode, &actor); err != nil {
			t.Fatal(err)
		}
		if detail != `{"fields":["phone"]}` || areaCode != mg111 || actor != "sec1" {
			t.Fatalf("audit %s %s %s", detail, areaCode, actor)
		}
		if r := sec1.do("POST", path+"?field=name", nil); r.status != 422 || !r.problem(t).hasField("field", "enum") {
			t.Fatalf("bad field: %d %s", r.status, r.body)
		}
	})
}

// TestRegistryHouseholdFile: the household file holds members, house,
// appeals and visit notes, and an appeal becomes a case of the case engine.
func TestRegistryHouseholdFile(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		cf := newCaseFixture(e)
		f := newRegFixture(e)
		gw := e.login("gw11")
		b := f.building(gw, mg111, "幸福路12号", "3号楼")
		h := f.house(gw, b.ID, "2", "302", "owner_occupied")
		hh := f.household(gw, h.ID)
		id := citizenID("37021119400101123")
		f.person(gw, map[string]any{"name": "张三", "id_number": id, "phone": "13812345678", "household_id": hh.ID, "relationship": "head", "tags": []string{"living_alone"}})
		f.person(gw, map[string]any{"name": "张小", "household_id": hh.ID, "relationship": "child"})
		var ap registry.Appeal
		gw.mustDo("POST", fmt.Sprintf("/api/v1/registry/households/%d/appeals", hh.ID), map[string]any{"content": "楼道灯坏了，老人夜里出行不便", "channel": "app"}, 201, &ap)
		if ap.Status != "open" || ap.RaisedOn != "2026-11-30" || ap.AreaCode != mg111 {
			t.Fatalf("appeal %+v", ap)
		}
		var visit registry.Visit
		gw.mustDo("POST", fmt.Sprintf("/api/v1/registry/households/%d/visits", hh.ID), map[string]any{"note": "入户走访，老人身体尚可", "visited_on": "2026-11-29", "channel": "app"}, 201, &visit)
		if visit.VisitorName != "网格员" || visit.Channel != "app" {
			t.Fatalf("visit %+v", visit)
		}
		r := gw.do("POST", fmt.Sprintf("/api/v1/registry/households/%d/visits", hh.ID), map[string]any{"note": "", "visited_on": "2026-12-30"})
		if r.status != 422 || !r.problem(t).hasField("note", "required") {
			t.Fatalf("empty visit: %d %s", r.status, r.body)
		}

		var file registry.HouseholdFile
		raw := gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d/file", hh.ID), nil, 200, &file)
		if file.Household.ID != hh.ID || file.House.ID != h.ID || file.Building.ID != b.ID || len(file.Members) != 2 || len(file.Appeals) != 1 || len(file.Visits) != 1 {
			t.Fatalf("file %+v", file)
		}
		if m := file.Members[0]; m.Name != "张三" || m.Relationship != "head" || m.IDNumberMasked != id[:6]+"********"+id[14:] || m.PhoneMasked != "138****5678" {
			t.Fatalf("head member %+v", m)
		}
		if strings.Contains(string(raw.body), id) || strings.Contains(string(raw.body), "13812345678") {
			t.Fatal("clear PII in the household file")
		}
		if len(file.History) < 3 {
			t.Fatalf("file history %+v", file.History)
		}

		// The appeal becomes a case, filed through the console in the household's microgrid.
		before := e.count("cases")
		r = gw.do("POST", fmt.Sprintf("/api/v1/registry/appeals/%d/case", ap.ID), map[string]any{})
		if r.status != 422 || !r.problem(t).hasField("category_id", "required") {
			t.Fatalf("no category: %d %s", r.status, r.body)
		}
		var res registry.AppealCaseResult
		gw.mustDo("POST", fmt.Sprintf("/api/v1/registry/appeals/%d/case", ap.ID), map[string]any{"category_id": cf.garbage}, 201, &res)
		if e.count("cases") != before+1 {
			t.Fatal("no case was created")
		}
		if res.Case.AreaCode != mg111 || res.Case.Channel != "console" || res.Case.Address != h.Address || !strings.Contains(res.Case.Description, "楼道灯坏了") {
			t.Fatalf("case %+v", res.Case.Summary)
		}
		if res.Appeal.CaseID == nil || *res.Appeal.CaseID != res.Case.ID || res.Appeal.Status != "in_progress" || res.Appeal.CaseState != "reported" {
			t.Fatalf("appeal after case %+v", res.Appeal)
		}
		// The community sees the case; another community does not.
		var seen cases.Case
		e.login("sec1").mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", res.Case.ID), nil, 200, &seen)
		if r := e.login("sec2").do("GET", fmt.Sprintf("/api/v1/cases/%d", res.Case.ID), nil); r.status != 404 {
			t.Fatalf("sec2 sees the case: %d", r.status)
		}
		// Once only.
		r = gw.do("POST", fmt.Sprintf("/api/v1/registry/appeals/%d/case", ap.ID), map[string]any{"category_id": cf.garbage})
		if r.status != 409 || extra(t, r)["case_id"] != float64(res.Case.ID) || e.count("cases") != before+1 {
			t.Fatalf("second case: %d %s", r.status, r.body)
		}
		gw.mustDo("PATCH", fmt.Sprintf("/api/v1/registry/appeals/%d", ap.ID), map[string]any{"status": "resolved"}, 200, &ap)
		if ap.Status != "resolved" {
			t.Fatalf("appeal %+v", ap)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d/file", hh.ID), nil, 200, &file)
		fields := []string{}
		for _, c := range file.History {
			fields = append(fields, c.Field)
		}
		for _, want := range []string{"appeal", "appeal_case", "appeal_status"} {
			if !slices.Contains(fields, want) {
				t.Errorf("no %s in the file's history %v", want, fields)
			}
		}
		// Closing the household ends its memberships; the members stay on record.
		var closed registry.Household
		gw.mustDo("POST", fmt.Sprintf("/api/v1/registry/households/%d/close", hh.ID), nil, 200, &closed)
		if closed.ClosedAt == nil || closed.Members != 0 || closed.HeadPersonID != nil {
			t.Fatalf("closed %+v", closed)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d/file", hh.ID), nil, 200, &file)
		if len(file.Members) != 2 || file.Members[0].LeftOn == nil {
			t.Fatalf("members after closing %+v", file.Members)
		}
	})
}

// TestRegistryNewCitizens answers the seed's questions: new citizens per
// community, rented houses with no registered occupant, and who moved in
// within the last 30 days.
func TestRegistryNewCitizens(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		sec1, sec2 := e.login("sec1"), e.login("sec2")
		b1 := f.building(sec1, mg111, "幸福路12号", "")
		b2 := f.building(sec2, mg211, "东风路1号", "")
		rentedOccupied := f.house(sec1, b1.ID, "1", "101", "rented")
		rentedEmpty := f.house(sec1, b1.ID, "1", "102", "rented")
		f.house(sec1, b1.ID, "1", "103", "owner_occupied")
		rented2 := f.house(sec2, b2.ID, "", "101", "rented")
		hh1 := f.household(sec1, rentedOccupied.ID)
		hh2 := f.household(sec2, rented2.ID)
		newCitizen := func(c *client, name string, household int64, movedIn string) registry.Person {
			return f.person(c, map[string]any{"name": name, "residence_type": "new_citizen", "origin": "河南省周口市", "moved_in_on": movedIn,
				"employer": "某电子厂", "tenancy": "rented", "lease_ends_on": "2027-06-30", "household_id": household, "relationship": "other"})
		}
		p1 := newCitizen(sec1, "甲", hh1.ID, "2026-11-20")
		if p1.Origin != "河南省周口市" || p1.Employer != "某电子厂" || p1.Tenancy != "rented" || *p1.LeaseEndsOn != "2027-06-30" {
			t.Fatalf("new citizen %+v", p1)
		}
		newCitizen(sec1, "乙", hh1.ID, "2026-09-01") // long ago
		newCitizen(sec2, "丙", hh2.ID, "2026-11-01") // 30th day back counts
		f.person(sec1, map[string]any{"name": "丁", "residence_type": "registered", "moved_in_on": "2026-11-25", "area_code": mg111})
		f.person(sec2, map[string]any{"name": "戊", "residence_type": "new_citizen", "origin": "安徽", "moved_in_on": "2026-10-31", "area_code": mg211})
		// A new citizen who moved away is not counted.
		gone := newCitizen(sec2, "己", hh2.ID, "2026-11-28")
		sec2.mustDo("PATCH", fmt.Sprintf("/api/v1/registry/persons/%d", gone.ID), map[string]any{"status": "moved_out"}, 200, nil)

		var st registry.NewCitizenStats
		e.login("center").mustDo("GET", "/api/v1/registry/stats/new-citizens?area=370211001", nil, 200, &st)
		if len(st.Communities) != 2 || st.Since != "2026-11-01" || st.Days != 30 {
			t.Fatalf("stats %+v", st)
		}
		c1, c2 := st.Communities[0], st.Communities[1]
		if c1.Code != "370211001001" || c1.Name != "社区1" || c1.NewCitizens != 2 || c1.MovedInRecently != 2 || c1.RentedHouses != 2 || c1.RentedUnoccupied != 1 {
			t.Errorf("community 1 %+v", c1)
		}
		if c2.Code != "370211001002" || c2.NewCitizens != 2 || c2.MovedInRecently != 1 || c2.RentedHouses != 1 || c2.RentedUnoccupied != 0 {
			t.Errorf("community 2 %+v", c2)
		}
		if st.Total.NewCitizens != 4 || st.Total.RentedUnoccupied != 1 {
			t.Errorf("total %+v", st.Total)
		}
		// Within 7 days (from 11-24): only 丁; 己 moved in on 11-28 but has moved out.
		e.login("center").mustDo("GET", "/api/v1/registry/stats/new-citizens?area=370211001&days=7", nil, 200, &st)
		if st.Since != "2026-11-24" || st.Total.MovedInRecently != 1 {
			t.Errorf("7 days %+v", st)
		}
		// The lists behind the figures.
		var houses registry.HousePage
		sec1.mustDo("GET", "/api/v1/registry/houses?usage=rented&occupied=false", nil, 200, &houses)
		if len(houses.Items) != 1 || houses.Items[0].ID != rentedEmpty.ID {
			t.Fatalf("rented and empty %+v", houses.Items)
		}
		if got := f.names(e.login("center"), "/api/v1/registry/persons?moved_in_within_days=30&status=living"); !slices.Equal(got, []string{"丁", "丙", "甲"}) {
			t.Errorf("moved in within 30 days: %v", got)
		}
		// Time moves: ten days later 甲 and 丁 are still recent, 丙 is not.
		e.clock.Advance(10 * 24 * time.Hour)
		if got := f.names(e.login("center"), "/api/v1/registry/persons?moved_in_within_days=30&status=living"); !slices.Equal(got, []string{"丁", "甲"}) {
			t.Errorf("ten days later: %v", got)
		}
		if r := e.login("sec1").do("GET", "/api/v1/registry/stats/new-citizens?days=0", nil); r.status != 422 || !r.problem(t).hasField("days", "integer") {
			t.Errorf("days=0: %d %s", r.status, r.body)
		}
	})
}

// TestRegistryTags: the managed list is configuration.
func TestRegistryTags(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		var tags registry.TagList
		gw := e.login("gw11")
		gw.mustDo("GET", "/api/v1/registry/tags", nil, 200, &tags)
		if len(tags.Items) < 10 {
			t.Fatalf("seeded tags %+v", tags.Items)
		}
		if r := gw.do("POST", "/api/v1/registry/tags", map[string]any{"code": "pregnant", "name": "孕产妇", "active": true}); r.status != 403 {
			t.Fatalf("grid worker adds a tag: %d", r.status)
		}
		center := e.login("center")
		var tag registry.Tag
		center.mustDo("POST", "/api/v1/registry/tags", map[string]any{"code": "pregnant", "name": "孕产妇", "active": true, "sort": 200}, 201, &tag)
		if r := center.do("POST", "/api/v1/registry/tags", map[string]any{"code": "pregnant", "name": "孕产妇", "active": true}); r.status != 409 || !r.problem(t).hasField("code", "unique") {
			t.Fatalf("duplicate tag: %d %s", r.status, r.body)
		}
		if r := center.do("POST", "/api/v1/registry/tags", map[string]any{"code": "Bad Code", "name": ""}); r.status != 422 || !r.problem(t).hasField("code", "format") || !r.problem(t).hasField("name", "required") {
			t.Fatalf("bad tag: %d %s", r.status, r.body)
		}
		f := newRegFixture(e)
		p := f.person(gw, map[string]any{"name": "孙", "area_code": mg111, "tags": []string{"pregnant"}})
		if len(p.Tags) != 1 || p.Tags[0].Name != "孕产妇" {
			t.Fatalf("tagged %+v", p.Tags)
		}
		// Retired tags stay on the people who have them but cannot be given anew.
		center.mustDo("PUT", fmt.Sprintf("/api/v1/registry/tags/%d", tag.ID), map[string]any{"code": "pregnant", "name": "孕产妇", "active": false}, 200, nil)
		r := gw.do("POST", "/api/v1/registry/persons", map[string]any{"name": "周", "residence_type": "resident", "area_code": mg111, "tags": []string{"pregnant"}})
		if r.status != 422 || !r.problem(t).hasField("tags", "exists") {
			t.Fatalf("retired tag given: %d %s", r.status, r.body)
		}
		// Setting the tags of someone who holds a retired one keeps it when
		// it is sent back, and takes it off when it is not; once off, it
		// cannot come back.
		other := f.person(gw, map[string]any{"name": "钱", "area_code": mg111})
		if r := gw.do("PUT", fmt.Sprintf("/api/v1/registry/persons/%d/tags", other.ID), map[string]any{"tags": []string{"pregnant"}}); r.status != 422 {
			t.Fatalf("retired tag given by PUT: %d %s", r.status, r.body)
		}
		var kept registry.Person
		gw.mustDo("PUT", fmt.Sprintf("/api/v1/registry/persons/%d/tags", p.ID), map[string]any{"tags": []string{"pregnant", "veteran"}}, 200, &kept)
		if len(kept.Tags) != 2 {
			t.Fatalf("retired tag not kept %+v", kept.Tags)
		}
		gw.mustDo("PUT", fmt.Sprintf("/api/v1/registry/persons/%d/tags", p.ID), map[string]any{"tags": []string{"veteran"}}, 200, &kept)
		if r := gw.do("PUT", fmt.Sprintf("/api/v1/registry/persons/%d/tags", p.ID), map[string]any{"tags": []string{"pregnant", "veteran"}}); r.status != 422 {
			t.Fatalf("retired tag given back: %d %s", r.status, r.body)
		}
	})
}

// TestRegistryConcurrentWrites: racing registrations of one ID number make
// one record, and racing memberships put a person in one household — the
// unique indexes decide, and the losers get the same answers as anyone late.
func TestRegistryConcurrentWrites(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newRegFixture(e)
		gw := e.login("gw11")
		id := citizenID("37021119880808888")
		const n = 6
		statuses := make(chan response, n)
		for i := 0; i < n; i++ {
			go func() {
				statuses <- gw.do("POST", "/api/v1/registry/persons", map[string]any{"name": "并发", "id_number": id, "residence_type": "resident", "area_code": mg111})
			}()
		}
		created := 0
		for i := 0; i < n; i++ {
			r := <-statuses
			switch {
			case r.status == 201:
				created++
			case r.status == 409 && r.problem(t).Code == "person_exists":
			default:
				t.Errorf("racing registration: %d %s", r.status, r.body)
			}
		}
		if created != 1 {
			t.Fatalf("%d records for one ID number", created)
		}

		b := f.building(gw, mg111, "幸福路12号", "")
		h := f.house(gw, b.ID, "1", "101", "rented")
		p := f.person(gw, map[string]any{"name": "漂泊", "area_code": mg111})
		households := make([]int64, n)
		for i := range households {
			households[i] = f.household(gw, h.ID).ID
		}
		for _, hh := range households {
			go func() {
				statuses <- gw.do("POST", fmt.Sprintf("/api/v1/registry/households/%d/members", hh), map[string]any{"person_id": p.ID, "relationship": "head"})
			}()
		}
		joined := 0
		for i := 0; i < n; i++ {
			r := <-statuses
			switch {
			case r.status == 200:
				joined++
			case r.status == 409 && r.problem(t).hasField("person_id", "one_household"):
			default:
				t.Errorf("racing membership: %d %s", r.status, r.body)
			}
		}
		if joined != 1 {
			t.Fatalf("joined %d households at once", joined)
		}
	})
}
