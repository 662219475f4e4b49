package area

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/geo"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Locator places points in microgrids with an in-memory spatial index over
// the open microgrid boundaries. The index is immutable and swapped whole, so
// lookups never lock; it is rebuilt after a boundary change on this server
// and, for changes made by other replicas, when Refresh sees the stored
// boundaries' version move.
type Locator struct {
	store   *Store
	index   atomic.Pointer[geo.Index]
	version atomic.Value // string: "count/max(updated_at)" of the indexed microgrids
	mu      sync.Mutex   // one rebuild at a time
}

func newLocator(s *Store) *Locator {
	l := &Locator{store: s}
	l.index.Store(geo.NewIndex(nil))
	l.version.Store("")
	return l
}

// Locator returns the store's locator.
func (s *Store) Locator() *Locator { return s.index }

func (l *Locator) currentVersion(ctx context.Context) (string, error) {
	var n, maxAt int64
	err := l.store.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM areas WHERE level = 'microgrid'`).Scan(&n, &maxAt)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(n, 10) + "/" + strconv.FormatInt(maxAt, 10), nil
}

// Rebuild reloads every open microgrid boundary and swaps the index.
func (l *Locator) Rebuild(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	version, err := l.currentVersion(ctx)
	if err != nil {
		return err
	}
	rows, err := l.store.db.QueryContext(ctx, `SELECT code, boundary FROM areas WHERE level = 'microgrid' AND valid_to IS NULL AND boundary IS NOT NULL`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var items []geo.Item
	for rows.Next() {
		var code, raw string
		if err := rows.Scan(&code, &raw); err != nil {
			return err
		}
		g, err := geo.ParseGeometry([]byte(raw))
		if err != nil {
			slog.WarnContext(ctx, "skipping unreadable boundary", "area", code, "err", err)
			continue
		}
		items = append(items, geo.Item{Code: code, Geometry: g})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	l.index.Store(geo.NewIndex(items))
	l.version.Store(version)
	return nil
}

// Refresh rebuilds the index if the stored boundaries changed since the last
// build (e.g. on another replica).
func (l *Locator) Refresh(ctx context.Context) error {
	v, err := l.currentVersion(ctx)
	if err != nil {
		return err
	}
	if v == l.version.Load().(string) {
		return nil
	}
	return l.Rebuild(ctx)
}

// Watch refreshes the index every interval until ctx ends.
func (l *Locator) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.Refresh(ctx); err != nil && ctx.Err() == nil {
				slog.WarnContext(ctx, "refreshing the locate index", "err", err)
			}
		}
	}
}

// Code returns the microgrid containing a WGS-84 point, without scope: for
// routing inside the system.
func (l *Locator) Code(lng, lat float64) (string, bool) {
	return l.index.Load().Locate(lng, lat)
}

// Size is the number of indexed microgrids.
func (l *Locator) Size() int { return l.index.Load().Len() }

// Location is a located point: the microgrid and its chain of ancestors.
type Location struct {
	Microgrid Area   `json:"microgrid"`
	Chain     []Area `json:"chain"`
}

// Locate converts a point from its coordinate system to WGS-84 and returns
// the microgrid containing it with its ancestors; a point in no microgrid, or
// in one outside the caller's scope, is not found.
func (s *Store) Locate(ctx context.Context, lng, lat float64, crs geo.CRS) (Location, error) {
	var v errs.Validation
	v.Check(lng >= -180 && lng <= 180, "lng", "range", "lng must be between -180 and 180", "经度必须在 -180 到 180 之间")
	v.Check(lat >= -90 && lat <= 90, "lat", "range", "lat must be between -90 and 90", "纬度必须在 -90 到 90 之间")
	if err := v.Err(); err != nil {
		return Location{}, err
	}
	wlng, wlat := geo.ToWGS84(crs, lng, lat)
	code, ok := s.index.Code(wlng, wlat)
	if !ok || !access.From(ctx).Scope.Contains(code) {
		return Location{}, errs.E(errs.NotFound, "outside_grids", "the point lies in no microgrid of your area", "该位置不在您管辖范围内的任何微网格中")
	}
	mg, err := s.Get(ctx, code)
	if err != nil {
		return Location{}, err
	}
	chain, err := s.Ancestors(ctx, code)
	if err != nil {
		return Location{}, err
	}
	return Location{Microgrid: mg, Chain: append(chain, mg)}, nil
}
