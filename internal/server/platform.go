package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
	"github.com/tongxin/tongxin/internal/platform/xlsx"
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

// auditFilter reads the audit page's filters. Entries with an area are
// shown within the caller's audit:read scope; entries of no area (system
// work, failed logins of unknown names) only to district-level readers.
func (s *Server) auditFilter(r *http.Request) (audit.Filter, error) {
	p := access.From(r.Context())
	q := httpapi.NewQuery(r)
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"),
		From: q.Date("from"), To: q.Date("to"), BeforeID: q.Int("before_id"), Limit: int(q.Int("limit")),
		Scope: p.ScopeFor(access.AuditRead)}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // "to" is the last day shown
	}
	q.V.Check(f.From.IsZero() || f.To.IsZero() || f.From.Before(f.To), "to", "after_from", "to must not be before from", "结束日期不得早于开始日期")
	q.V.Check(f.Limit <= audit.MaxList, "limit", "max", fmt.Sprintf("limit is at most %d", audit.MaxList), fmt.Sprintf("limit 最大为 %d", audit.MaxList))
	if err := q.Err(); err != nil {
		return f, err
	}
	f.AreaLess = f.Scope.All
	for _, prefix := range f.Scope.Prefixes {
		if l, ok := area.LevelOfCode(prefix); ok && l == area.District {
			f.AreaLess = true
		}
	}
	if a := q.Get("area"); a != "" {
		if !f.Scope.Overlaps(a) {
			return f, errs.NotFoundf("area", "区域")
		}
		f.Scope, f.AreaLess = f.Scope.Within(a), false
	}
	return f, nil
}

// auditList is the audit page: the newest entries matching the filters.
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	f, err := s.auditFilter(r)
	if err != nil {
		return err
	}
	entries, next, err := audit.List(r.Context(), s.deps.DB, f)
	if err != nil {
		return err
	}
	var nextID *int64
	if next != 0 {
		nextID = &next
	}
	return httpapi.WriteJSON(w, http.StatusOK, AuditPage{Items: entries, NextBeforeID: nextID})
}

// AuditPage is a page of the audit log.
type AuditPage struct {
	Items        []audit.Entry `json:"items"`
	NextBeforeID *int64        `json:"next_before_id"`
}

var auditSheet = xlsx.Sheet{Name: "审计日志", Widths: map[int]float64{2: 20, 4: 22, 5: 24, 8: 60},
	Header: []string{"编号", "时间", "操作人", "操作", "对象", "区域", "来源地址", "详情"}}

// auditExport downloads the entries matching the filters as xlsx; the
// export is itself audited.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) error {
	f, err := s.auditFilter(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	book, n, err := xlsx.Build(auditSheet, func(emit func([]any) error) error {
		return audit.Each(ctx, s.deps.DB, f, func(e audit.Entry) error {
			detail, _ := json.Marshal(e.Detail)
			return emit([]any{e.ID, e.At.In(clock.Shanghai).Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Object, e.AreaCode, e.SourceIP, string(detail)})
		})
	})
	if err != nil {
		return err
	}
	defer book.Close()
	p := access.From(ctx)
	filters := map[string]any{"actor": f.Actor, "action": f.Action, "object": f.Object, "area": r.URL.Query().Get("area"),
		"from": r.URL.Query().Get("from"), "to": r.URL.Query().Get("to")}
	// Filed under the area exported, so that the exporter's peers see it.
	at := r.URL.Query().Get("area")
	if at == "" && len(f.Scope.Prefixes) == 1 {
		at = f.Scope.Prefixes[0]
	}
	err = s.deps.DB.InTx(ctx, func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{At: s.deps.Clock.Now(), Actor: p.Username, Action: "audit.export", Object: "audit",
			AreaCode: at, Detail: map[string]any{"filters": filters, "rows": n}})
	})
	if err != nil {
		return err
	}
	_, err = book.WriteTo(xlsx.Download(w, "审计日志导出-"+s.deps.Clock.Now().In(clock.Shanghai).Format("20060102"), "audit"))
	return err
}
