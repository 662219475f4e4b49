package registry

import (
	"net/http"

	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

// CampaignPage is a page of campaigns: pass next_before_id as before_id for
// the next.
type CampaignPage struct {
	Items        []Campaign `json:"items"`
	NextBeforeID *int64     `json:"next_before_id"`
}

// CampaignVisitList wraps the visits of a house.
type CampaignVisitList struct {
	Items []CampaignVisit `json:"items"`
}

// ListCampaigns lists campaigns: ?area=&state=&limit=&before_id=.
func (h *HTTP) ListCampaigns(w http.ResponseWriter, r *http.Request) error {
	q := httpapi.NewQuery(r)
	f := CampaignFilter{Area: q.Get("area"), State: q.Get("state"), Limit: int(q.Int("limit")), BeforeID: q.Int("before_id")}
	if err := q.Err(); err != nil {
		return err
	}
	items, next, err := h.Store.ListCampaigns(r.Context(), f)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, CampaignPage{Items: items, NextBeforeID: cursor(next)})
}

// CreateCampaign creates a campaign.
func (h *HTTP) CreateCampaign(w http.ResponseWriter, r *http.Request) error {
	var n NewCampaign
	if err := httpapi.DecodeJSON(w, r, &n, 0); err != nil {
		return err
	}
	c, err := h.Store.CreateCampaign(r.Context(), n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, c)
}

// GetCampaign returns a campaign.
func (h *HTTP) GetCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.Store.GetCampaign(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, c)
}

// UpdateCampaign changes a campaign or moves its state.
func (h *HTTP) UpdateCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var c CampaignPatch
	if err := httpapi.DecodeJSON(w, r, &c, 0); err != nil {
		return err
	}
	out, err := h.Store.UpdateCampaign(r.Context(), id, c)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, out)
}

// RecordVisit records a visit of a house with its corrections.
func (h *HTTP) RecordVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var n NewCampaignVisit
	if err := httpapi.DecodeJSON(w, r, &n, 0); err != nil {
		return err
	}
	v, err := h.Store.RecordVisit(r.Context(), id, n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, v)
}

// HouseVisits lists the visits of a house during a campaign.
func (h *HTTP) HouseVisits(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	houseID, err := httpapi.PathID(r, "house_id")
	if err != nil {
		return err
	}
	items, err := h.Store.HouseVisits(r.Context(), id, houseID)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, CampaignVisitList{Items: items})
}

// CampaignFigures returns the figures of an area of a campaign: ?area=.
func (h *HTTP) CampaignFigures(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := h.Store.Figures(r.Context(), id, r.URL.Query().Get("area"))
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, rep)
}

// Unvisited lists the houses not yet visited: ?area=&limit=&before_id=.
func (h *HTTP) Unvisited(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	q := httpapi.NewQuery(r)
	f := UnvisitedFilter{Area: q.Get("area"), Limit: int(q.Int("limit")), BeforeID: q.Int("before_id")}
	if err := q.Err(); err != nil {
		return err
	}
	items, next, err := h.Store.Unvisited(r.Context(), id, f)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, HousePage{Items: items, NextBeforeID: cursor(next)})
}
