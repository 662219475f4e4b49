package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/geo"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/registry"
)

// DefaultSeed is the seed `tongxin demo` and `serve --demo` use unless told.
const DefaultSeed = 1

// LoadIfEmpty loads the demo dataset when the database has no areas yet; it
// returns nil when there was something already. ctx must carry the system
// principal.
func LoadIfEmpty(ctx context.Context, areas *area.Store, users *auth.Store, cs *cases.Store, rg *registry.Store, d *db.DB, seed int64) (*Dataset, error) {
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas`).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, nil
	}
	return Load(ctx, areas, users, cs, rg, seed)
}

// Load puts the dataset in through the same stores the API uses, so demo
// data obeys every rule real data does.
func Load(ctx context.Context, areas *area.Store, users *auth.Store, cs *cases.Store, rg *registry.Store, seed int64) (*Dataset, error) {
	ds := Generate(seed)
	if err := loadAreas(ctx, areas, ds); err != nil {
		return nil, fmt.Errorf("areas: %w", err)
	}
	unitIDs := map[string]int64{}
	for _, u := range ds.Units {
		created, err := areas.CreateUnit(ctx, area.Unit{Code: u.Code, Name: u.Name, Kind: u.Kind, AreaCode: u.AreaCode})
		if err != nil {
			return nil, fmt.Errorf("unit %s: %w", u.Code, err)
		}
		unitIDs[u.Code] = created.ID
	}
	for _, st := range ds.Stations {
		lng, lat := st.Location[0], st.Location[1]
		if _, err := areas.CreateStation(ctx, area.Station{Name: st.Name, Address: st.Address, AreaCode: st.AreaCode, Lng: &lng, Lat: &lat}); err != nil {
			return nil, fmt.Errorf("station %s: %w", st.Name, err)
		}
	}
	userIDs := map[string]int64{}
	for _, u := range ds.Users {
		nu := auth.NewUser{Username: u.Username, DisplayName: u.DisplayName, Phone: u.Phone, Password: u.Password, Role: u.Role, AreaCode: u.AreaCode,
			Permanent: true} // the demo's printed logins work as printed
		if u.UnitCode != "" {
			id := unitIDs[u.UnitCode]
			nu.UnitID = &id
		}
		created, err := users.CreateUser(ctx, nu)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", u.Username, err)
		}
		userIDs[u.Username] = created.ID
	}
	for _, d := range ds.Duties {
		if _, err := areas.AddDuty(ctx, area.NewDuty{Kind: area.DutyKind(d.Kind), UserID: userIDs[d.Username], AreaCode: d.AreaCode, Label: d.Label, Geometry: d.Geometry}); err != nil {
			return nil, fmt.Errorf("duty %s of %s in %s: %w", d.Kind, d.Username, d.AreaCode, err)
		}
	}
	if err := loadCategories(ctx, cs, unitIDs); err != nil {
		return nil, fmt.Errorf("case categories: %w", err)
	}
	if err := loadRegistry(ctx, rg, ds, seed, time.Now()); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	// An integration account for Open311 clients: a resident-like reporter
	// for the whole district, with an API key shown once, at load.
	o, err := users.CreateUser(ctx, auth.NewUser{Username: Open311User, DisplayName: "Open311 接入", Role: RoleResident, AreaCode: DistrictCode})
	if err != nil {
		return nil, fmt.Errorf("open311 account: %w", err)
	}
	if _, ds.Open311Key, err = users.CreateAPIKey(ctx, o.ID, "open311 demo"); err != nil {
		return nil, fmt.Errorf("open311 key: %w", err)
	}
	return ds, nil
}

// Open311User is the demo's Open311 integration account.
const Open311User = "open311"

// loadCategories saves the demo taxonomy, parents first.
func loadCategories(ctx context.Context, cs *cases.Store, unitIDs map[string]int64) error {
	parents := map[string]int64{}
	for _, c := range Categories(unitIDs) {
		if i := strings.IndexByte(c.Code, '.'); i > 0 {
			id := parents[c.Code[:i]]
			c.ParentID = &id
		}
		saved, err := cs.SaveCategory(ctx, c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Code, err)
		}
		parents[c.Code] = saved.ID
	}
	return nil
}

// loadAreas imports the whole tree as one GeoJSON FeatureCollection: one
// transaction, and the same validation as a user's import.
func loadAreas(ctx context.Context, areas *area.Store, ds *Dataset) error {
	type feature struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
		Geometry   json.RawMessage   `json:"geometry"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection"}
	for _, a := range ds.Areas {
		g, err := geo.MarshalGeometry(a.Boundary)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Code, err)
		}
		fc.Features = append(fc.Features, feature{Type: "Feature", Properties: map[string]string{"code": a.Code, "name": a.Name}, Geometry: g})
	}
	data, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	_, err = areas.ImportBoundaries(ctx, data)
	return err
}
