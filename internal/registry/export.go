package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/xuri/excelize/v2"
)

var exportHeader = []string{"编号", "姓名", "性别", "出生日期", "证件类型", "证件号码", "联系电话", "民族", "居住类型", "户籍地", "迁入日期",
	"现住址", "与户主关系", "状态", "标签", "所在微网格"}

// ExportPersons writes the persons matching f (the persons list's filters)
// as an xlsx workbook, streamed row by row. ID and phone numbers are masked
// unless reveal is set, which needs registry:read_pii (numbers are shown in
// full only for persons in areas where the caller holds it). The export is
// audited — who, the filters, the row count, whether revealed — before any
// byte is written.
func (s *Store) ExportPersons(ctx context.Context, f PersonFilter, reveal bool, out io.Writer) (int, error) {
	p := access.From(ctx)
	if reveal && !p.Can(access.RegistryPII) {
		return 0, errs.E(errs.Forbidden, "forbidden", "you may not export full ID and phone numbers", "您无权导出完整的证件号码和电话")
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "人员"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	head := make([]any, len(exportHeader))
	for i, h := range exportHeader {
		head[i] = excelize.Cell{Value: h, StyleID: bold}
	}
	_ = sw.SetColWidth(6, 6, 22)
	_ = sw.SetColWidth(12, 12, 36)
	if err := sw.SetRow("A1", head); err != nil {
		return 0, err
	}
	f.Limit = 200
	f.BeforeID = 0
	n := 0
	revealed := 0
	for {
		items, next, err := s.ListPersons(ctx, f)
		if err != nil {
			return 0, err
		}
		full := map[int64][2]string{}
		if reveal && len(items) > 0 {
			if full, err = s.fullNumbers(ctx, p, items); err != nil {
				return 0, err
			}
		}
		for _, it := range items {
			idn, phone := it.IDNumberMasked, it.PhoneMasked
			if nums, ok := full[it.ID]; ok {
				idn, phone = nums[0], nums[1]
				revealed++
			}
			tags := make([]string, len(it.Tags))
			for i, t := range it.Tags {
				tags[i] = t.Name
			}
			n++
			cell, _ := excelize.CoordinatesToCellName(1, n+1)
			row := []any{it.ID, it.Name, Genders.Label(it.Gender), deref(it.BirthDate), IDTypes.Label(it.IDType), idn, phone, it.Ethnicity,
				ResidenceTypes.Label(it.ResidenceType), it.HukouAddress, deref(it.MovedInOn), it.Address, Relationships.Label(it.Relationship),
				PersonStatuses.Label(it.Status), strings.Join(tags, "、"), it.AreaCode}
			if err := sw.SetRow(cell, row); err != nil {
				return 0, err
			}
		}
		if next == 0 {
			break
		}
		f.BeforeID = next
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	filters := map[string]any{}
	for k, v := range map[string]string{"area": f.Area, "name": f.Name, "address": f.Address, "tag": f.Tag, "residence_type": f.ResidenceType, "status": f.Status} {
		if v != "" {
			filters[k] = v
		}
	}
	if f.IDNumber != "" {
		filters["id_number"] = "(given)"
	}
	if f.Phone != "" {
		filters["phone"] = "(given)"
	}
	if f.HouseholdID > 0 {
		filters["household_id"] = f.HouseholdID
	}
	if f.MovedInWithinDays > 0 {
		filters["moved_in_within_days"] = f.MovedInWithinDays
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{At: s.clock.Now(), Actor: actorName(p), Action: "registry.export", Object: "persons",
			AreaCode: f.Area, Detail: map[string]any{"filters": filters, "rows": n, "revealed": reveal, "revealed_rows": revealed}})
	})
	if err != nil {
		return 0, err
	}
	return n, x.Write(out)
}

func actorName(p *access.Principal) string {
	if p.Username == "" {
		return "system"
	}
	return p.Username
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fullNumbers decrypts the ID and phone numbers of the listed persons in
// areas where the caller may see them.
func (s *Store) fullNumbers(ctx context.Context, p *access.Principal, items []Person) (map[int64][2]string, error) {
	ids := make([]any, 0, len(items))
	for _, it := range items {
		if p.CanAt(access.RegistryPII, it.AreaCode) {
			ids = append(ids, it.ID)
		}
	}
	out := map[int64][2]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, id_enc, phone_enc FROM persons WHERE id IN `+inClause(len(ids)), ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var idEnc, phoneEnc string
		if err := rows.Scan(&id, &idEnc, &phoneEnc); err != nil {
			return nil, err
		}
		var nums [2]string
		if idEnc != "" {
			if nums[0], err = s.keys.DecryptFor("persons.id_number", idEnc); err != nil {
				return nil, fmt.Errorf("decrypt ID number of person %d: %w", id, err)
			}
		}
		if phoneEnc != "" {
			if nums[1], err = s.keys.DecryptFor("persons.phone", phoneEnc); err != nil {
				return nil, fmt.Errorf("decrypt phone of person %d: %w", id, err)
			}
		}
		out[id] = nums
	}
	return out, rows.Err()
}

// Export downloads the persons list as xlsx: the filters of GET
// /api/v1/registry/persons (without limit and before_id) and reveal=true.
func (h *ImportHTTP) Export(w http.ResponseWriter, r *http.Request) error {
	q := query{Values: r.URL.Query()}
	f := PersonFilter{Area: q.Get("area"), Name: q.Get("name"), IDNumber: q.Get("id_number"), Phone: q.Get("phone"), Address: q.Get("address"),
		Tag: q.Get("tag"), ResidenceType: q.Get("residence_type"), Status: q.Get("status"), HouseholdID: q.int("household_id"),
		MovedInWithinDays: int(q.int("moved_in_within_days"))}
	reveal := q.bool("reveal")
	if err := q.v.Err(); err != nil {
		return err
	}
	_, err := h.Store.ExportPersons(r.Context(), f, reveal != nil && *reveal, &lazyWriter{w: w})
	return err
}

// lazyWriter sets the download headers on the first byte, so that an error
// before it still answers as a problem.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", XLSXType)
		h.Set("Content-Disposition", attachment("人员导出-"+time.Now().Format("20060102")+".xlsx", "persons.xlsx"))
		h.Set("Cache-Control", "no-store")
	}
	return l.w.Write(b)
}
