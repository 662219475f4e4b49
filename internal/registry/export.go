package registry

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/xlsx"
)

// sheet is one exported list and its audit object.
type sheet struct {
	xlsx.Sheet
	object string
}

// exportSheet writes the rows that each(emit) emits as one xlsx sheet,
// streamed (excelize keeps large sheets in a temporary file), and audits the
// export — who, the object, the filters, the row count and what extra says
// once the rows are written —
// before any byte goes to out.
func (s *Store) exportSheet(ctx context.Context, sh sheet, area string, filters map[string]any, extra func() map[string]any, each func(emit func(row []any) error) error, out io.Writer) (int, error) {
	book, n, err := xlsx.Build(sh.Sheet, each)
	if err != nil {
		return 0, err
	}
	defer book.Close()
	detail := map[string]any{"filters": filters, "rows": n}
	if extra != nil {
		for k, v := range extra() {
			detail[k] = v
		}
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{At: s.clock.Now(), Actor: actorName(access.From(ctx)), Action: "registry.export", Object: sh.object,
			AreaCode: area, Detail: detail})
	})
	if err != nil {
		return 0, err
	}
	_, err = book.WriteTo(out)
	return n, err
}

// given keeps the filters that are set, for the audit entry.
func given(kv map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range kv {
		switch x := v.(type) {
		case string:
			if x != "" {
				out[k] = x
			}
		case int64:
			if x != 0 {
				out[k] = x
			}
		case int:
			if x != 0 {
				out[k] = x
			}
		case *bool:
			if x != nil {
				out[k] = *x
			}
		case bool:
			if x {
				out[k] = x
			}
		}
	}
	return out
}

var personSheet = sheet{object: "persons", Sheet: xlsx.Sheet{Name: "人员", Widths: map[int]float64{6: 22, 12: 36},
	Header: []string{"编号", "姓名", "性别", "出生日期", "证件类型", "证件号码", "联系电话", "民族", "居住类型", "户籍地", "迁入日期",
		"现住址", "与户主关系", "状态", "标签", "所在微网格"}}}

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
	f.Limit = 200
	revealed := 0
	each := func(emit func([]any) error) error {
		return everyPage(func(before int64) ([]Person, int64, error) {
			f.BeforeID = before
			return s.ListPersons(ctx, f)
		}, func(items []Person) error {
			full := map[int64][2]string{}
			if reveal && len(items) > 0 {
				var err error
				if full, err = s.fullNumbers(ctx, p, items); err != nil {
					return err
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
				if err := emit([]any{it.ID, it.Name, Genders.Label(it.Gender), deref(it.BirthDate), IDTypes.Label(it.IDType), idn, phone, it.Ethnicity,
					ResidenceTypes.Label(it.ResidenceType), it.HukouAddress, deref(it.MovedInOn), it.Address, Relationships.Label(it.Relationship),
					PersonStatuses.Label(it.Status), strings.Join(tags, "、"), it.AreaCode}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	filters := given(map[string]any{"area": f.Area, "name": f.Name, "address": f.Address, "tag": f.Tag, "residence_type": f.ResidenceType, "status": f.Status,
		"household_id": f.HouseholdID, "moved_in_within_days": f.MovedInWithinDays})
	if f.IDNumber != "" {
		filters["id_number"] = "(given)"
	}
	if f.Phone != "" {
		filters["phone"] = "(given)"
	}
	extra := func() map[string]any { return map[string]any{"revealed": reveal, "revealed_rows": revealed} }
	return s.exportSheet(ctx, personSheet, f.Area, filters, extra, each, out)
}

var buildingSheet = sheet{object: "buildings", Sheet: xlsx.Sheet{Name: "楼栋", Widths: map[int]float64{3: 36},
	Header: []string{"编号", "楼栋名称", "地址", "总层数", "单元数", "经度", "纬度", "楼栋长", "房屋数", "所在微网格"}}}

// ExportBuildings writes the buildings matching f as an xlsx workbook,
// streamed; audited.
func (s *Store) ExportBuildings(ctx context.Context, f BuildingFilter, out io.Writer) (int, error) {
	f.Limit = 200
	return s.exportSheet(ctx, buildingSheet, f.Area, given(map[string]any{"area": f.Area, "q": f.Query}), nil, func(emit func([]any) error) error {
		return everyPage(func(before int64) ([]Building, int64, error) {
			f.BeforeID = before
			return s.ListBuildings(ctx, f)
		}, func(items []Building) error {
			for _, b := range items {
				if err := emit([]any{b.ID, b.Name, b.Address, b.Floors, b.Units, floatOrBlank(b.Lng), floatOrBlank(b.Lat), b.HeadName, b.Houses, b.AreaCode}); err != nil {
					return err
				}
			}
			return nil
		})
	}, out)
}

var houseSheet = sheet{object: "houses", Sheet: xlsx.Sheet{Name: "房屋", Widths: map[int]float64{2: 40},
	Header: []string{"编号", "地址", "楼栋", "单元", "楼层", "房号", "房屋用途", "建筑面积(㎡)", "产权人", "在住户数", "在住人数", "所在微网格"}}}

// ExportHouses writes the houses matching f (the houses list's filters) as
// an xlsx workbook, streamed; audited.
func (s *Store) ExportHouses(ctx context.Context, f HouseFilter, out io.Writer) (int, error) {
	f.Limit = 200
	filters := given(map[string]any{"area": f.Area, "building_id": f.BuildingID, "usage": f.Usage, "occupied": f.Occupied, "address": f.Address})
	return s.exportSheet(ctx, houseSheet, f.Area, filters, nil, func(emit func([]any) error) error {
		return everyPage(func(before int64) ([]House, int64, error) {
			f.BeforeID = before
			return s.ListHouses(ctx, f)
		}, func(items []House) error {
			for _, h := range items {
				floor := any("")
				if h.Floor != nil {
					floor = *h.Floor
				}
				if err := emit([]any{h.ID, h.Address, h.BuildingName, h.Unit, floor, h.Room, Usages.Label(h.Usage), h.FloorArea, h.OwnerName,
					h.Households, h.Occupants, h.AreaCode}); err != nil {
					return err
				}
			}
			return nil
		})
	}, out)
}

var householdSheet = sheet{object: "households", Sheet: xlsx.Sheet{Name: "户", Widths: map[int]float64{2: 40},
	Header: []string{"编号", "住址", "户类型", "户主", "人数", "备注", "建户时间", "注销时间", "所在微网格"}}}

// ExportHouseholds writes the households matching f as an xlsx workbook,
// streamed; audited.
func (s *Store) ExportHouseholds(ctx context.Context, f HouseholdFilter, out io.Writer) (int, error) {
	f.Limit = 200
	filters := given(map[string]any{"area": f.Area, "house_id": f.HouseID, "include_closed": f.IncludeGone})
	return s.exportSheet(ctx, householdSheet, f.Area, filters, nil, func(emit func([]any) error) error {
		return everyPage(func(before int64) ([]Household, int64, error) {
			f.BeforeID = before
			return s.ListHouseholds(ctx, f)
		}, func(items []Household) error {
			for _, h := range items {
				closed := ""
				if h.ClosedAt != nil {
					closed = today(*h.ClosedAt)
				}
				if err := emit([]any{h.ID, h.HouseAddress, HouseholdTypes.Label(h.Type), h.HeadName, h.Members, h.Note, today(h.CreatedAt), closed, h.AreaCode}); err != nil {
					return err
				}
			}
			return nil
		})
	}, out)
}

func floatOrBlank(f *float64) any {
	if f == nil {
		return ""
	}
	return *f
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

// everyPage hands each page of a keyset-paged list to page, from the
// newest, until the list has no next page.
func everyPage[T any](list func(before int64) ([]T, int64, error), page func([]T) error) error {
	var before int64
	for {
		items, next, err := list(before)
		if err != nil {
			return err
		}
		if err := page(items); err != nil {
			return err
		}
		if next == 0 {
			return nil
		}
		before = next
	}
}
