package registry

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// The ledger (台账): one row per person with their building and house, as
// grid workers keep it in spreadsheets ("houses define households"). The same
// columns take the other ledgers as they come: a row without any person
// column filled registers (or updates) just its house, or just its building
// when it has no room either, so a houses ledger (房屋台账) or a buildings
// ledger (楼栋台账) imports as it is. The columns, in template order; a file
// may order them freely and add others, which are ignored.
type ledgerColumn struct {
	Key, Header, Help string
	Required          bool // the column must be present (and the cell filled)
	Person            bool // a person's column: its presence makes the file a persons ledger
}

// LedgerColumns are the columns of the ledger.
var LedgerColumns = []ledgerColumn{
	{"building_address", "楼栋地址", "楼栋的门牌地址，如 幸福路12号 或 幸福路12号3号楼；按地址（及楼栋名称）在您的辖区内查找楼栋，找不到时新建", true, false},
	{"building_name", "楼栋名称", "楼栋名称或编号，如 3号楼；可空", false, false},
	{"area_code", "微网格编码", "新建楼栋所在微网格的 18 位代码；空则为导入时选择的微网格", false, false},
	{"floors", "总层数", "楼栋总层数，0 到 200；可空", false, false},
	{"units", "单元数", "楼栋单元数，0 到 100；可空", false, false},
	{"lng", "经度", "楼栋位置经度（WGS-84），与纬度同填；可空", false, false},
	{"lat", "纬度", "楼栋位置纬度（WGS-84），与经度同填；可空", false, false},
	{"unit", "单元", "单元号，如 2；可空", false, false},
	{"floor", "楼层", "整数 -10 到 200；可空", false, false},
	{"room", "房号", "房号，如 302；同一楼栋、单元、房号即同一房屋；人员行必填，空则该行只登记楼栋", false, false},
	{"usage", "房屋用途", "自住、出租、空置、经营、其他；空则为 其他", false, false},
	{"floor_area", "建筑面积(㎡)", "平方米，最多两位小数，如 89.5；可空", false, false},
	{"owner_name", "产权人", "房屋产权人姓名或单位；可空", false, false},
	{"name", "姓名", "人员行必填，最多 64 字；一行人员信息全空时只登记房屋（或楼栋）", false, true},
	{"id_type", "证件类型", "居民身份证（默认）、护照、其他证件", false, true},
	{"id_number", "证件号码", "人员行必填；身份证号校验码、出生日期须正确，15 位旧号自动升为 18 位，小写 x 自动转为大写；同一证件号码只登记一人，已登记者更新、不重复", false, true},
	{"phone", "联系电话", "手机号或固定电话；可空", false, true},
	{"ethnicity", "民族", "如 汉族 或 汉；56 个民族、其他、外国血统；可空", false, true},
	{"residence_type", "居住类型", "人员行必填：户籍人口、常住人口、新市民（流动人口）、境外人员（也可写 户籍、常住、新市民、流动人口、境外）", false, true},
	{"hukou_address", "户籍地", "户籍所在地；新市民必填（作为来源地）", false, true},
	{"moved_in_on", "迁入日期", "日期，如 2024-03-05、2024/3/5、2024.3.5、2024年3月5日、20240305；新市民必填", false, true},
	{"relationship", "与户主关系", "户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳/女婿、其他；空则为 其他；一户只能有一名户主", false, true},
	{"tags", "标签(用、分隔)", "标签名称或代码，用 、 分隔，如 党员、60岁以上老人；可空", false, true},
}

// personLedgerColumns are required when a file has any person column.
var personLedgerColumns = []string{"room", "name", "id_number", "residence_type"}

// headerKey is the column key a header names, "" for none: the header is
// matched after cleaning, without anything in brackets (标签（用、分隔） is
// 标签).
func headerKey(h string) string {
	h = strings.TrimPrefix(h, "\uFEFF")
	h = compact(h)
	if i := strings.IndexAny(h, "(（"); i > 0 {
		h = h[:i]
	}
	for _, c := range LedgerColumns {
		name := c.Header
		if i := strings.IndexAny(name, "(（"); i > 0 {
			name = name[:i]
		}
		if h == name || h == c.Key {
			return c.Key
		}
	}
	return ""
}

// ledgerHeader maps column keys to their positions in a file's header row.
type ledgerHeader struct {
	raw []string
	pos map[string]int
}

// parseLedgerHeader reads a header row and names the required columns that
// are missing.
func parseLedgerHeader(raw []string) (ledgerHeader, []string) {
	h := ledgerHeader{raw: append([]string(nil), raw...), pos: map[string]int{}}
	for i, cell := range raw {
		if k := headerKey(cell); k != "" {
			if _, dup := h.pos[k]; !dup {
				h.pos[k] = i
			}
		}
	}
	persons := false
	for _, c := range LedgerColumns {
		if _, ok := h.pos[c.Key]; ok && c.Person {
			persons = true
		}
	}
	var missing []string
	for _, c := range LedgerColumns {
		_, ok := h.pos[c.Key]
		if !ok && (c.Required || persons && slices.Contains(personLedgerColumns, c.Key)) {
			missing = append(missing, c.Header)
		}
	}
	return h, missing
}

func (h ledgerHeader) cell(raw []string, key string) string {
	i, ok := h.pos[key]
	if !ok || i >= len(raw) {
		return ""
	}
	return raw[i]
}

// ledgerRow is one cleaned and checked ledger row.
type ledgerRow struct {
	Kind                          rowKind
	BuildingAddress, BuildingName string
	AreaCode                      string // microgrid for a new building
	Floors, Units                 *int
	Lng, Lat                      *float64
	Unit, Room, Usage             string
	Floor                         *int
	FloorArea                     *int64 // square decimetres
	OwnerName                     string
	Name, Phone, Ethnicity        string
	ResidenceType, HukouAddress   string
	MovedInOn, Relationship       string
	Tags                          []string
	ID                            identity
}

// rowKind is what a ledger row registers.
type rowKind int

const (
	personRow   rowKind = iota // a person, in their house and household
	houseRow                   // only a house (no person column filled)
	buildingRow                // only a building (no room either)
)

// buildingKey is how a row names its building: the address, and the
// building's name when the ledger has it apart (幸福路12号 + 3号楼).
func (r ledgerRow) buildingKey() string { return r.BuildingAddress + r.BuildingName }

// RowProblem is one broken rule of one row: the column (its Chinese header),
// the rule and the explanation in both languages.
type RowProblem struct {
	Column   string `json:"column"`
	Rule     string `json:"rule"`
	Detail   string `json:"detail"`
	DetailZH string `json:"detail_zh"`
}

// columnOfField names the ledger column a validation field belongs to.
func columnOfField(field string) string {
	switch field {
	case "birth_date", "gender":
		field = "id_number"
	case "origin":
		field = "hukou_address"
	}
	for _, c := range LedgerColumns {
		if c.Key == field {
			return c.Header
		}
	}
	return field
}

func problemsOf(err error) []RowProblem {
	if err == nil {
		return nil
	}
	e, ok := err.(*errs.Error)
	if !ok || len(e.Fields) == 0 {
		return []RowProblem{{Rule: "invalid", Detail: "the row is not valid", DetailZH: "此行数据无效"}}
	}
	out := make([]RowProblem, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, RowProblem{Column: columnOfField(f.Field), Rule: f.Rule, Detail: f.Detail, DetailZH: f.DetailZH})
	}
	return out
}

// Aliases of the closed lists as ledgers spell them.
var (
	residenceAliases = map[string]string{"户籍": "registered", "常住": "resident", "新市民": "new_citizen", "流动人口": "new_citizen",
		"新市民(流动人口)": "new_citizen", "境外": "foreign", "外籍": "foreign"}
	idTypeAliases       = map[string]string{"身份证": "resident_id", "居民身份证": "resident_id", "其他": "other", "其他证件": "other"}
	relationshipAliases = map[string]string{"本人": "head", "妻子": "spouse", "丈夫": "spouse", "夫": "spouse", "妻": "spouse", "儿子": "child", "女儿": "child",
		"子": "child", "女": "child", "父亲": "parent", "母亲": "parent", "父": "parent", "母": "parent", "孙子": "grandchild", "孙女": "grandchild",
		"儿媳": "child_in_law", "女婿": "child_in_law", "兄弟": "sibling", "姐妹": "sibling"}
)

// enumValue reads a code or its Chinese label (or an alias); "" stays "".
func enumValue(e enum, s string, aliases map[string]string) (string, bool) {
	s = compact(s)
	if s == "" {
		return "", true
	}
	if low := strings.ToLower(s); e.has(low) {
		return low, true
	}
	if code, ok := e.byLabel[s]; ok {
		return code, true
	}
	if code, ok := aliases[s]; ok {
		return code, true
	}
	return "", false
}

func checkLedgerEnum(v *errs.Validation, field, value string, e enum, aliases map[string]string, out *string) {
	code, ok := enumValue(e, value, aliases)
	if !ok {
		labels := make([]string, len(e.codes))
		for i, c := range e.codes {
			labels[i] = e.labels[c]
		}
		v.Add(field, "enum", field+" must be one of "+strings.Join(labels, ", "), columnOfField(field)+" 须为 "+strings.Join(labels, "、")+" 之一")
		return
	}
	*out = code
}

// splitTags splits a tag cell at 、，, ; and spaces.
func splitTags(s string) []string {
	return strings.FieldsFunc(clean(s), func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == ' ' || r == '/'
	})
}

// parseLedgerRow cleans and checks one data row against the header. It does
// not touch the database: scope, de-duplication and households are checked
// when the row is written.
func parseLedgerRow(h ledgerHeader, raw []string, today string) (ledgerRow, []RowProblem) {
	get := func(k string) string { return h.cell(raw, k) }
	var r ledgerRow
	var v errs.Validation
	r.Kind = houseRow
	for _, c := range LedgerColumns {
		if c.Person && compact(get(c.Key)) != "" {
			r.Kind = personRow
			break
		}
	}
	r.BuildingAddress = clean(get("building_address"))
	v.Check(r.BuildingAddress != "", "building_address", "required", "the building address is required", "楼栋地址为必填项")
	checkLen(&v, "building_address", r.BuildingAddress, 200)
	r.BuildingName = clean(get("building_name"))
	checkLen(&v, "building_name", r.BuildingName, 64)
	r.AreaCode = compact(get("area_code"))
	v.Check(r.AreaCode == "" || len(r.AreaCode) == 18 && strings.Trim(r.AreaCode, "0123456789") == "", "area_code", "microgrid",
		"the microgrid code has 18 digits", "微网格编码须为 18 位数字")
	r.Floors = ledgerInt(&v, "floors", get("floors"), 0, 200, "层")
	r.Units = ledgerInt(&v, "units", get("units"), 0, 100, "单元")
	r.Lng, r.Lat = ledgerFloat(&v, "lng", get("lng")), ledgerFloat(&v, "lat", get("lat"))
	checkLocation(&v, r.Lng, r.Lat, "")
	r.Unit, r.Room = get("unit"), get("room")
	floor := ledgerInt(&v, "floor", strings.TrimSuffix(compact(get("floor")), "楼"), -10, 200, "层")
	area, owner := compact(strings.TrimSuffix(strings.TrimSuffix(compact(get("floor_area")), "㎡"), "平方米")), get("owner_name")
	checkHouseFields(&v, &r.Unit, &r.Room, nil, &owner, &area, floor)
	r.Floor, r.OwnerName = floor, owner
	if dm2, ok := parseFloorArea(area); ok && area != "" {
		r.FloorArea = &dm2
	}
	if r.Kind == houseRow && r.Room == "" && r.Unit == "" {
		r.Kind = buildingRow
	}
	v.Check(r.Kind != personRow || r.Room != "", "room", "required", "the room number is required", "房号为必填项")
	checkLedgerEnum(&v, "usage", get("usage"), Usages, nil, &r.Usage)
	if r.Kind != personRow {
		return r, problemsOf(v.Err())
	}
	if r.Usage == "" {
		r.Usage = "other"
	}
	r.Name = clean(get("name"))
	v.Check(r.Name != "", "name", "required", "the name is required", "姓名为必填项")
	checkLen(&v, "name", r.Name, 64)
	var idType string
	checkLedgerEnum(&v, "id_type", get("id_type"), IDTypes, idTypeAliases, &idType)
	number := compact(get("id_number"))
	v.Check(number != "", "id_number", "required", "the ID number is required", "证件号码为必填项")
	if number != "" && (idType == "" || idType == "resident_id") {
		// 15-digit numbers and a lower-case x are taken care of by govid.
		number = strings.ToUpper(number)
	}
	r.ID = checkIdentity(&v, idType, number, "", "", today)
	r.Phone = checkPhone(&v, get("phone"))
	r.Ethnicity = get("ethnicity")
	checkEthnicity(&v, &r.Ethnicity)
	checkLedgerEnum(&v, "residence_type", get("residence_type"), ResidenceTypes, residenceAliases, &r.ResidenceType)
	v.Check(compact(get("residence_type")) != "", "residence_type", "required", "the residence type is required", "居住类型为必填项")
	r.HukouAddress = clean(get("hukou_address"))
	checkLen(&v, "hukou_address", r.HukouAddress, 200)
	r.MovedInOn = get("moved_in_on")
	checkDay(&v, "moved_in_on", &r.MovedInOn)
	v.Check(r.MovedInOn == "" || r.MovedInOn <= today, "moved_in_on", "past", "the moved-in date lies in the future", "迁入日期晚于今天")
	newCitizenNeeds(&v, r.ResidenceType, r.HukouAddress, r.MovedInOn)
	checkLedgerEnum(&v, "relationship", get("relationship"), Relationships, relationshipAliases, &r.Relationship)
	if r.Relationship == "" {
		r.Relationship = "other"
	}
	r.Tags = splitTags(get("tags"))
	return r, problemsOf(v.Err())
}

// ledgerInt reads a whole number from lo to hi (a unit word after it, as in
// 18层, is allowed); "" is nil.
func ledgerInt(v *errs.Validation, field, s string, lo, hi int, unit string) *int {
	s = strings.TrimSuffix(compact(s), unit)
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v.Add(field, "integer", field+" must be a whole number", columnOfField(field)+"须为整数")
		return nil
	}
	if n < lo || n > hi {
		v.Add(field, "range", fmt.Sprintf("%s must be from %d to %d", field, lo, hi), fmt.Sprintf("%s须在 %d 到 %d 之间", columnOfField(field), lo, hi))
		return nil
	}
	return &n
}

// ledgerFloat reads a decimal number; "" is nil.
func ledgerFloat(v *errs.Validation, field, s string) *float64 {
	s = compact(s)
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		v.Add(field, "number", field+" must be a decimal number", columnOfField(field)+"须为数字")
		return nil
	}
	return &f
}
