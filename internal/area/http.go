package area

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/geo"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

// HTTP holds the area handlers.
type HTTP struct{ Store *Store }

// MaxBoundaryUpload bounds a GeoJSON boundary import.
const MaxBoundaryUpload = 64 << 20

// ListResponse wraps a list of areas.
type ListResponse struct {
	Items []Area `json:"items"`
}

// List returns a subtree: ?root=CODE&depth=N&level=L.
func (h *HTTP) List(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lq := ListQuery{Root: q.Get("root"), Level: Level(q.Get("level"))}
	var v errs.Validation
	if d := q.Get("depth"); d != "" {
		n, err := strconv.Atoi(d)
		v.Check(err == nil && n >= 0 && n <= 4, "depth", "range", "depth must be an integer from 0 to 4", "depth 必须是 0 到 4 的整数")
		lq.Depth = n
	}
	v.Check(lq.Level == "" || lq.Level.Valid(), "level", "enum", "level must be one of district, subdistrict, community, grid, microgrid", "level 必须是 district、subdistrict、community、grid、microgrid 之一")
	if err := v.Err(); err != nil {
		return err
	}
	lq.OpenOnly = q.Get("include_closed") != "true"
	items, err := h.Store.List(r.Context(), lq)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, ListResponse{Items: items})
}

// Get returns an area with its chain and who serves it.
func (h *HTTP) Get(w http.ResponseWriter, r *http.Request) error {
	d, err := h.Store.Detail(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, d)
}

// Create adds an area.
func (h *HTTP) Create(w http.ResponseWriter, r *http.Request) error {
	var n NewArea
	if err := httpapi.DecodeJSON(w, r, &n, 0); err != nil {
		return err
	}
	a, err := h.Store.Create(r.Context(), n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, a)
}

// RenameRequest renames an area.
type RenameRequest struct {
	Name string `json:"name"`
}

// Rename changes an area's name.
func (h *HTTP) Rename(w http.ResponseWriter, r *http.Request) error {
	var req RenameRequest
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	a, err := h.Store.Rename(r.Context(), r.PathValue("code"), req.Name)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, a)
}

// Close ends an area's validity.
func (h *HTTP) Close(w http.ResponseWriter, r *http.Request) error {
	a, err := h.Store.Close(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, a)
}

// Boundaries streams the boundaries of a level below an area (?level=grid).
func (h *HTTP) Boundaries(w http.ResponseWriter, r *http.Request) error {
	level := Level(r.URL.Query().Get("level"))
	if level == "" {
		level = Grid
	}
	if !level.Valid() {
		return errs.Field("level", "enum", "level must be one of district, subdistrict, community, grid, microgrid", "level 必须是 district、subdistrict、community、grid、microgrid 之一")
	}
	code := r.PathValue("code")
	if !access.From(r.Context()).Scope.Overlaps(code) {
		return errAreaNotFound
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "no-store")
	return h.Store.WriteBoundaries(r.Context(), w, code, level)
}

// ImportBoundaries takes a GeoJSON FeatureCollection (all or nothing).
func (h *HTTP) ImportBoundaries(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBoundaryUpload))
	if err != nil {
		return errs.E(errs.TooLarge, "too_large", "the GeoJSON is larger than 64 MiB", "GeoJSON 文件超过 64 MiB")
	}
	res, err := h.Store.ImportBoundaries(r.Context(), data)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, res)
}

// Locate places a point: ?lng=&lat=&crs=wgs84|gcj02|bd09.
func (h *HTTP) Locate(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v errs.Validation
	lng, err := strconv.ParseFloat(q.Get("lng"), 64)
	v.Check(err == nil, "lng", "number", "lng must be a number (longitude in degrees)", "lng 必须是数字（经度）")
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	v.Check(err2 == nil, "lat", "number", "lat must be a number (latitude in degrees)", "lat 必须是数字（纬度）")
	crs, err3 := geo.ParseCRS(q.Get("crs"))
	v.Check(err3 == nil, "crs", "enum", "crs must be wgs84, gcj02 or bd09", "crs 必须是 wgs84、gcj02 或 bd09")
	if err := v.Err(); err != nil {
		return err
	}
	loc, err := h.Store.Locate(r.Context(), lng, lat, crs)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, loc)
}

// Units lists units (?area=).
func (h *HTTP) Units(w http.ResponseWriter, r *http.Request) error {
	units, err := h.Store.Units(r.Context(), r.URL.Query().Get("area"))
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": units})
}

// CreateUnit adds a unit.
func (h *HTTP) CreateUnit(w http.ResponseWriter, r *http.Request) error {
	var u Unit
	if err := httpapi.DecodeJSON(w, r, &u, 0); err != nil {
		return err
	}
	u.ID = 0
	u, err := h.Store.CreateUnit(r.Context(), u)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, u)
}

// Stations lists the stations in an area (?area=, default: the caller's scope roots).
func (h *HTTP) Stations(w http.ResponseWriter, r *http.Request) error {
	root := r.URL.Query().Get("area")
	if root == "" {
		return errs.Field("area", "required", "area is required", "area 为必填项")
	}
	st, err := h.Store.Stations(r.Context(), root)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": st})
}

// CreateStation adds a station.
func (h *HTTP) CreateStation(w http.ResponseWriter, r *http.Request) error {
	var st Station
	if err := httpapi.DecodeJSON(w, r, &st, 0); err != nil {
		return err
	}
	st.ID = 0
	st, err := h.Store.CreateStation(r.Context(), st)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, st)
}

// Duties lists the posts in an area (?below=true for its subtree).
func (h *HTTP) Duties(w http.ResponseWriter, r *http.Request) error {
	d, err := h.Store.Duties(r.Context(), r.PathValue("code"), r.URL.Query().Get("below") == "true")
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": d})
}

// DutyRequest is the body to put someone on duty; heads carry a GeoJSON geometry.
type DutyRequest struct {
	Kind     DutyKind        `json:"kind"`
	UserID   int64           `json:"user_id"`
	Label    string          `json:"label"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

// AddDuty puts a user on duty in the area of the path.
func (h *HTTP) AddDuty(w http.ResponseWriter, r *http.Request) error {
	var req DutyRequest
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	n := NewDuty{Kind: req.Kind, UserID: req.UserID, AreaCode: r.PathValue("code"), Label: req.Label}
	if len(req.Geometry) > 0 && strings.TrimSpace(string(req.Geometry)) != "null" {
		g, err := parseHeadGeometry(req.Geometry)
		if err != nil {
			return err
		}
		n.Geometry = g
	}
	id, err := h.Store.AddDuty(r.Context(), n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, map[string]any{"id": id})
}

// parseHeadGeometry reads a point, line or polygon. Polygons go through the
// boundary validator; points and lines are checked for range here.
func parseHeadGeometry(raw json.RawMessage) (orb.Geometry, error) {
	var probe struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, errs.Field("geometry", "geojson", "geometry must be a GeoJSON object", "geometry 必须是 GeoJSON 对象")
	}
	inRange := func(p orb.Point) bool { return p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90 }
	switch probe.Type {
	case "Point":
		var c []float64
		if json.Unmarshal(probe.Coordinates, &c) != nil || len(c) < 2 || !inRange(orb.Point{c[0], c[1]}) {
			return nil, errs.Field("geometry", "point", "a Point needs [lng, lat] in WGS-84 range", "点坐标须为 WGS-84 范围内的 [经度, 纬度]")
		}
		return orb.Point{c[0], c[1]}, nil
	case "LineString":
		var cs [][]float64
		if json.Unmarshal(probe.Coordinates, &cs) != nil || len(cs) < 2 {
			return nil, errs.Field("geometry", "line", "a LineString needs at least two [lng, lat] positions", "线至少需要两个 [经度, 纬度] 坐标")
		}
		ls := make(orb.LineString, 0, len(cs))
		for _, c := range cs {
			if len(c) < 2 || !inRange(orb.Point{c[0], c[1]}) {
				return nil, errs.Field("geometry", "line", "every position must be [lng, lat] in WGS-84 range", "每个坐标须为 WGS-84 范围内的 [经度, 纬度]")
			}
			ls = append(ls, orb.Point{c[0], c[1]})
		}
		return ls, nil
	default:
		g, err := geo.ParseGeometry(raw)
		if err != nil {
			return nil, geoError(err)
		}
		return g, nil
	}
}

// RemoveDuty ends a post.
func (h *HTTP) RemoveDuty(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Store.RemoveDuty(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
