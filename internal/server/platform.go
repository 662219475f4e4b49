package server

import (
	"net/http"
	"strconv"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.deps.DB.Ping(r.Context()); err != nil {
		return errs.E(errs.Internal, "not_ready", "database unreachable", "数据库不可用")
	}
	return httpapi.WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "database": string(s.deps.DB.Dialect()), "microgrids_indexed": s.Areas.Locator().Size()})
}

// UISettings are the console's deployment settings.
type UISettings struct {
	TileURL         string `json:"tile_url"`
	TileAttribution string `json:"tile_attribution"`
}

func (s *Server) uiSettings(w http.ResponseWriter, r *http.Request) error {
	return httpapi.WriteJSON(w, http.StatusOK, UISettings{TileURL: s.deps.Config.TileURL, TileAttribution: s.deps.Config.TileAttribution})
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) error {
	return httpapi.WriteJSON(w, http.StatusOK, map[string]string{"version": s.deps.Config.Version})
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	p := access.From(r.Context())
	scope := p.Scope
	if a := r.URL.Query().Get("area"); a != "" {
		if !scope.Overlaps(a) {
			return errs.NotFoundf("area", "区域")
		}
		scope = scope.Within(a)
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	where, args := scope.SQL("area_code")
	entries, err := audit.List(r.Context(), s.deps.DB, where, args, limit)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": entries})
}
