package registry

import (
	"io"
	"net/http"

	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
	"github.com/tongxin/tongxin/internal/platform/xlsx"
)

// HTTP holds the registry handlers.
type HTTP struct{ Store *Store }

// BuildingPage, HousePage, HouseholdPage and PersonPage are pages of
// keyset-paginated lists: pass next_before_id as before_id for the next.
type BuildingPage struct {
	Items        []Building `json:"items"`
	NextBeforeID *int64     `json:"next_before_id"`
}

type HousePage struct {
	Items        []House `json:"items"`
	NextBeforeID *int64  `json:"next_before_id"`
}

type HouseholdPage struct {
	Items        []Household `json:"items"`
	NextBeforeID *int64      `json:"next_before_id"`
}

type PersonPage struct {
	Items        []Person `json:"items"`
	NextBeforeID *int64   `json:"next_before_id"`
}

func cursor(next int64) *int64 {
	if next == 0 {
		return nil
	}
	return &next
}

// ChangeList wraps a history.
type ChangeList struct {
	Items []Change `json:"items"`
}

// TagList wraps the tag list.
type TagList struct {
	Items []Tag `json:"items"`
}

// TagsRequest sets a person's tags.
type TagsRequest struct {
	Tags    []string `json:"tags"`
	Channel Channel  `json:"channel"`
}

// CloseRequest closes a household.
type CloseRequest struct {
	Channel Channel `json:"channel"`
}

// apiChannel: the API writes through the console or the app; import and
// verification are the channels of those features' own code paths.
func apiChannel(ch Channel) error {
	if ch == "" || ch == ChannelConsole || ch == ChannelApp {
		return nil
	}
	return errs.Field("channel", "enum", "channel must be console or app", "channel 须为 console 或 app")
}

// decode reads a JSON body and checks its channel.
func decode(w http.ResponseWriter, r *http.Request, v any, ch *Channel) error {
	if err := httpapi.DecodeJSON(w, r, v, 0); err != nil {
		return err
	}
	return apiChannel(*ch)
}

// ListBuildings lists buildings: ?area=&q=&limit=&before_id=.
func (h *HTTP) ListBuildings(w http.ResponseWriter, r *http.Request) error {
	f, err := buildingFilter(r)
	if err != nil {
		return err
	}
	items, next, err := h.Store.ListBuildings(r.Context(), f)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, BuildingPage{Items: items, NextBeforeID: cursor(next)})
}

// CreateBuilding registers a building.
func (h *HTTP) CreateBuilding(w http.ResponseWriter, r *http.Request) error {
	var n NewBuilding
	if err := decode(w, r, &n, &n.Channel); err != nil {
		return err
	}
	b, err := h.Store.CreateBuilding(r.Context(), n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, b)
}

// GetBuilding returns a building.
func (h *HTTP) GetBuilding(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.Store.GetBuilding(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, b)
}

// UpdateBuilding changes a building.
func (h *HTTP) UpdateBuilding(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var c BuildingPatch
	if err := decode(w, r, &c, &c.Channel); err != nil {
		return err
	}
	b, err := h.Store.UpdateBuilding(r.Context(), id, c)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, b)
}

// ListHouses lists houses: ?area=&building_id=&usage=&occupied=&address=&limit=&before_id=.
func (h *HTTP) ListHouses(w http.ResponseWriter, r *http.Request) error {
	f, err := houseFilter(r)
	if err != nil {
		return err
	}
	items, next, err := h.Store.ListHouses(r.Context(), f)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, HousePage{Items: items, NextBeforeID: cursor(next)})
}

// CreateHouse registers a house.
func (h *HTTP) CreateHouse(w http.ResponseWriter, r *http.Request) error {
	var n NewHouse
	if err := decode(w, r, &n, &n.Channel); err != nil {
		return err
	}
	x, err := h.Store.CreateHouse(r.Context(), n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, x)
}

// GetHouse returns a house.
func (h *HTTP) GetHouse(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	x, err := h.Store.GetHouse(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// UpdateHouse changes a house.
func (h *HTTP) UpdateHouse(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var c HousePatch
	if err := decode(w, r, &c, &c.Channel); err != nil {
		return err
	}
	x, err := h.Store.UpdateHouse(r.Context(), id, c)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// ListHouseholds lists households: ?area=&house_id=&include_closed=&limit=&before_id=.
func (h *HTTP) ListHouseholds(w http.ResponseWriter, r *http.Request) error {
	f, err := householdFilter(r)
	if err != nil {
		return err
	}
	items, next, err := h.Store.ListHouseholds(r.Context(), f)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, HouseholdPage{Items: items, NextBeforeID: cursor(next)})
}

// CreateHousehold opens a household.
func (h *HTTP) CreateHousehold(w http.ResponseWriter, r *http.Request) error {
	var n NewHousehold
	if err := decode(w, r, &n, &n.Channel); err != nil {
		return err
	}
	x, err := h.Store.CreateHousehold(r.Context(), n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, x)
}

// GetHousehold returns a household.
func (h *HTTP) GetHousehold(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	x, err := h.Store.GetHousehold(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// UpdateHousehold changes a household.
func (h *HTTP) UpdateHousehold(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var c HouseholdPatch
	if err := decode(w, r, &c, &c.Channel); err != nil {
		return err
	}
	x, err := h.Store.UpdateHousehold(r.Context(), id, c)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// CloseHousehold closes a household (an empty body is fine).
func (h *HTTP) CloseHousehold(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var c CloseRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &c, &c.Channel); err != nil {
			return err
		}
	}
	x, err := h.Store.CloseHousehold(r.Context(), id, c.Channel)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// AddMember puts a person into a household.
func (h *HTTP) AddMember(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var n NewMember
	if err := decode(w, r, &n, &n.Channel); err != nil {
		return err
	}
	x, err := h.Store.AddMember(r.Context(), id, n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// RemoveMember records a person moving out of a household (an empty body
// is fine).
func (h *HTTP) RemoveMember(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	pid, err := httpapi.PathID(r, "person_id")
	if err != nil {
		return err
	}
	var l Leave
	if r.ContentLength != 0 {
		if err := decode(w, r, &l, &l.Channel); err != nil {
			return err
		}
	}
	x, err := h.Store.RemoveMember(r.Context(), id, pid, l)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

func (h *HTTP) history(entity string) httpapi.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpapi.PathID(r, "id")
		if err != nil {
			return err
		}
		items, err := h.Store.History(r.Context(), entity, id)
		if err != nil {
			return err
		}
		return httpapi.WriteJSON(w, http.StatusOK, ChangeList{Items: items})
	}
}

// BuildingHistory, HouseHistory, HouseholdHistory and PersonHistory return
// field-level history, oldest first.
func (h *HTTP) BuildingHistory(w http.ResponseWriter, r *http.Request) error {
	return h.history("building")(w, r)
}

func (h *HTTP) HouseHistory(w http.ResponseWriter, r *http.Request) error {
	return h.history("house")(w, r)
}

func (h *HTTP) HouseholdHistory(w http.ResponseWriter, r *http.Request) error {
	return h.history("household")(w, r)
}

func (h *HTTP) PersonHistory(w http.ResponseWriter, r *http.Request) error {
	return h.history("person")(w, r)
}

// File returns the household file.
func (h *HTTP) File(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := h.Store.File(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, f)
}

// AddAppeal records an appeal in a household file.
func (h *HTTP) AddAppeal(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var n NewAppeal
	if err := decode(w, r, &n, &n.Channel); err != nil {
		return err
	}
	a, err := h.Store.AddAppeal(r.Context(), id, n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, a)
}

// UpdateAppeal changes an appeal's status.
func (h *HTTP) UpdateAppeal(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var c AppealPatch
	if err := decode(w, r, &c, &c.Channel); err != nil {
		return err
	}
	a, err := h.Store.UpdateAppeal(r.Context(), id, c)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, a)
}

// AppealToCase turns an appeal into a case.
func (h *HTTP) AppealToCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in AppealCase
	if err := httpapi.DecodeJSON(w, r, &in, 0); err != nil {
		return err
	}
	res, err := h.Store.AppealToCase(r.Context(), id, in)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, res)
}

// AddVisit records a visit note.
func (h *HTTP) AddVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var n NewVisit
	if err := decode(w, r, &n, &n.Channel); err != nil {
		return err
	}
	v, err := h.Store.AddVisit(r.Context(), id, n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, v)
}

// ListPersons lists persons with filters (masked).
func (h *HTTP) ListPersons(w http.ResponseWriter, r *http.Request) error {
	f, err := personFilter(r)
	if err != nil {
		return err
	}
	items, next, err := h.Store.ListPersons(r.Context(), f)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, PersonPage{Items: items, NextBeforeID: cursor(next)})
}

// Search answers the search box: ?q=&area=&limit=&before_id=.
func (h *HTTP) Search(w http.ResponseWriter, r *http.Request) error {
	q := httpapi.NewQuery(r)
	limit, before := q.Int("limit"), q.Int("before_id")
	if err := q.Err(); err != nil {
		return err
	}
	res, err := h.Store.Search(r.Context(), q.Get("q"), q.Get("area"), int(limit), before)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, res)
}

// CreatePerson registers a person.
func (h *HTTP) CreatePerson(w http.ResponseWriter, r *http.Request) error {
	var n NewPerson
	if err := decode(w, r, &n, &n.Channel); err != nil {
		return err
	}
	x, err := h.Store.CreatePerson(r.Context(), n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, x)
}

// GetPerson returns a person (masked).
func (h *HTTP) GetPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	x, err := h.Store.GetPerson(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// UpdatePerson changes a person.
func (h *HTTP) UpdatePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var c PersonPatch
	if err := decode(w, r, &c, &c.Channel); err != nil {
		return err
	}
	x, err := h.Store.UpdatePerson(r.Context(), id, c)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// SetTags replaces a person's tags.
func (h *HTTP) SetTags(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var req TagsRequest
	if err := decode(w, r, &req, &req.Channel); err != nil {
		return err
	}
	x, err := h.Store.SetTags(r.Context(), id, req.Tags, req.Channel)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, x)
}

// Reveal shows a person's full ID and phone numbers (?field=id_number|phone); audited.
func (h *HTTP) Reveal(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.Store.Reveal(r.Context(), id, r.URL.Query().Get("field"))
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, out)
}

// Tags lists the managed tags.
func (h *HTTP) Tags(w http.ResponseWriter, r *http.Request) error {
	tags, err := h.Store.Tags(r.Context())
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, TagList{Items: tags})
}

// SaveTag adds a tag (POST) or changes one (PUT /tags/{id}).
func (h *HTTP) SaveTag(w http.ResponseWriter, r *http.Request) error {
	var t Tag
	if err := httpapi.DecodeJSON(w, r, &t, 0); err != nil {
		return err
	}
	status := http.StatusCreated
	t.ID = 0
	if r.PathValue("id") != "" {
		id, err := httpapi.PathID(r, "id")
		if err != nil {
			return err
		}
		t.ID, status = id, http.StatusOK
	}
	t, err := h.Store.SaveTag(r.Context(), t)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, status, t)
}

// NewCitizenStats answers the new-citizen questions per community: ?area=&days=.
func (h *HTTP) NewCitizenStats(w http.ResponseWriter, r *http.Request) error {
	q := httpapi.NewQuery(r)
	days := q.Int("days")
	if err := q.Err(); err != nil {
		return err
	}
	st, err := h.Store.NewCitizens(r.Context(), q.Get("area"), int(days))
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, st)
}

// The list filters of the query string, shared by the lists and their
// exports.

func buildingFilter(r *http.Request) (BuildingFilter, error) {
	q := httpapi.NewQuery(r)
	f := BuildingFilter{Area: q.Get("area"), Query: q.Get("q"), Limit: int(q.Int("limit")), BeforeID: q.Int("before_id")}
	return f, q.Err()
}

func houseFilter(r *http.Request) (HouseFilter, error) {
	q := httpapi.NewQuery(r)
	f := HouseFilter{Area: q.Get("area"), BuildingID: q.Int("building_id"), Usage: q.Get("usage"), Occupied: q.Bool("occupied"),
		Address: q.Get("address"), Limit: int(q.Int("limit")), BeforeID: q.Int("before_id")}
	return f, q.Err()
}

func householdFilter(r *http.Request) (HouseholdFilter, error) {
	q := httpapi.NewQuery(r)
	f := HouseholdFilter{Area: q.Get("area"), HouseID: q.Int("house_id"), Limit: int(q.Int("limit")), BeforeID: q.Int("before_id")}
	if b := q.Bool("include_closed"); b != nil {
		f.IncludeGone = *b
	}
	return f, q.Err()
}

func personFilter(r *http.Request) (PersonFilter, error) {
	q := httpapi.NewQuery(r)
	f := PersonFilter{Area: q.Get("area"), Name: q.Get("name"), IDNumber: q.Get("id_number"), Phone: q.Get("phone"), Address: q.Get("address"),
		Tag: q.Get("tag"), ResidenceType: q.Get("residence_type"), Status: q.Get("status"), HouseholdID: q.Int("household_id"),
		MovedInWithinDays: int(q.Int("moved_in_within_days")), Limit: int(q.Int("limit")), BeforeID: q.Int("before_id")}
	return f, q.Err()
}

// ExportPersons downloads the persons list as xlsx: the list's filters
// (without limit and before_id), and reveal=true for full numbers.
func (h *HTTP) ExportPersons(w http.ResponseWriter, r *http.Request) error {
	f, err := personFilter(r)
	if err != nil {
		return err
	}
	q := httpapi.NewQuery(r)
	reveal := q.Bool("reveal")
	if err := q.Err(); err != nil {
		return err
	}
	_, err = h.Store.ExportPersons(r.Context(), f, reveal != nil && *reveal, h.download(w, "人员", "persons"))
	return err
}

// ExportBuildings downloads the buildings list as xlsx (its filters).
func (h *HTTP) ExportBuildings(w http.ResponseWriter, r *http.Request) error {
	f, err := buildingFilter(r)
	if err != nil {
		return err
	}
	_, err = h.Store.ExportBuildings(r.Context(), f, h.download(w, "楼栋", "buildings"))
	return err
}

// ExportHouses downloads the houses list as xlsx (its filters).
func (h *HTTP) ExportHouses(w http.ResponseWriter, r *http.Request) error {
	f, err := houseFilter(r)
	if err != nil {
		return err
	}
	_, err = h.Store.ExportHouses(r.Context(), f, h.download(w, "房屋", "houses"))
	return err
}

// ExportHouseholds downloads the households list as xlsx (its filters).
func (h *HTTP) ExportHouseholds(w http.ResponseWriter, r *http.Request) error {
	f, err := householdFilter(r)
	if err != nil {
		return err
	}
	_, err = h.Store.ExportHouseholds(r.Context(), f, h.download(w, "户", "households"))
	return err
}

// download is the response of an export named name (ascii: the plain
// fallback), dated by the store's clock in China's time zone.
func (h *HTTP) download(w http.ResponseWriter, name, ascii string) io.Writer {
	return xlsx.Download(w, name+"导出-"+h.Store.clock.Now().In(clock.Shanghai).Format("20060102"), ascii)
}
