package server_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tongxin/tongxin/internal/platform/govid"
	"github.com/tongxin/tongxin/internal/registry"
)

// The microgrids the registry tests live in: community 1 grid 1 (gw11's
// grid) and community 2 grid 1.
const (
	mg111 = "370211001001001001"
	mg112 = "370211001001001002"
	mg211 = "370211001002001001"
)

// citizenID completes a 17-digit body with its check character.
func citizenID(body string) string { return govid.CompleteCitizenID(body) }

// wrongCheck is a citizen ID number with a wrong check character.
func wrongCheck(id string) string {
	last := id[17]
	for _, c := range "0123456789X" {
		if byte(c) != last {
			return id[:17] + string(c)
		}
	}
	return ""
}

// idEndingX finds a valid number for a region and birth date whose check
// character is X, to test lower-case input.
func idEndingX(t *testing.T, prefix14 string) string {
	t.Helper()
	for seq := 100; seq < 1000; seq++ {
		id := citizenID(fmt.Sprintf("%s%03d", prefix14, seq))
		if id[17] == 'X' {
			return id
		}
	}
	t.Fatal("no X check character found")
	return ""
}

// regFixture builds registry records through the API.
type regFixture struct {
	*env
}

func newRegFixture(e *env) *regFixture { return &regFixture{env: e} }

func (f *regFixture) building(c *client, areaCode, address, name string) registry.Building {
	f.t.Helper()
	var b registry.Building
	c.mustDo("POST", "/api/v1/registry/buildings", map[string]any{"area_code": areaCode, "address": address, "name": name, "floors": 6, "units": 2}, 201, &b)
	return b
}

func (f *regFixture) house(c *client, buildingID int64, unit, room, usage string) registry.House {
	f.t.Helper()
	var h registry.House
	c.mustDo("POST", "/api/v1/registry/houses", map[string]any{"building_id": buildingID, "unit": unit, "room": room, "floor": 3, "usage": usage, "floor_area": "89.5", "owner_name": "房东"}, 201, &h)
	return h
}

func (f *regFixture) household(c *client, houseID int64) registry.Household {
	f.t.Helper()
	var hh registry.Household
	c.mustDo("POST", "/api/v1/registry/households", map[string]any{"house_id": houseID, "household_type": "family"}, 201, &hh)
	return hh
}

func (f *regFixture) person(c *client, body map[string]any) registry.Person {
	f.t.Helper()
	if body["residence_type"] == nil {
		body["residence_type"] = "registered"
	}
	var p registry.Person
	c.mustDo("POST", "/api/v1/registry/persons", body, 201, &p)
	return p
}

// search runs a person list query and returns the names found.
func (f *regFixture) names(c *client, path string) []string {
	f.t.Helper()
	var page struct {
		Items []registry.Person `json:"items"`
	}
	c.mustDo("GET", path, nil, 200, &page)
	out := []string{}
	for _, p := range page.Items {
		out = append(out, p.Name)
	}
	return out
}

// extra reads the extension members of a problem.
func extra(t *testing.T, r response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON: %s", r.body)
	}
	return m
}
