package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/govid"
	"github.com/tongxin/tongxin/internal/platform/pii"
)

// Blind-index fields. The phone index shares its field with users.phone so
// that a resident's account can be matched to their record by number.
func idIndexField(idType string) string {
	switch idType {
	case "resident_id":
		return "citizen_id"
	case "passport":
		return "passport"
	}
	return "other_id"
}

const phoneIndexField = "phone"

var passportRE = regexp.MustCompile(`^[A-Z0-9]{5,20}$`)

// identity is a checked identity document with what it tells.
type identity struct {
	typ, number   string // canonical number; "" when none
	gender, birth string // derived from a resident ID
}

// checkIdentity validates and normalises an ID number: a resident ID by
// GB 11643 (check digit, birth date, region; 15-digit legacy numbers are
// upgraded and a lower-case x is upper-cased), a passport as 5–20 letters
// and digits. Gender and birth date given beside a resident ID must agree
// with it.
func checkIdentity(v *errs.Validation, typ, number, gender, birth, today string) identity {
	number = compact(number)
	if number == "" {
		if typ != "" {
			checkEnum(v, "id_type", typ, IDTypes, false)
		}
		return identity{}
	}
	if typ == "" {
		typ = "resident_id"
	}
	id := identity{typ: typ}
	switch typ {
	case "resident_id":
		c, err := govid.ParseCitizenID(number)
		var ge *govid.Error
		if errors.As(err, &ge) {
			v.Add("id_number", ge.Rule, ge.Message, ge.MessageZH)
			return id
		}
		if err != nil {
			v.Add("id_number", "format", "the ID number is not in a valid format", "身份证号格式错误")
			return id
		}
		id.number, id.birth = c.Number, c.Birth.Format(time.DateOnly)
		id.gender = c.Gender.String()
		if id.birth > today {
			v.Add("id_number", govid.RuleBirthDate, "the birth date in the ID number lies in the future", "身份证号中的出生日期晚于今天")
		}
		if birth != "" && birth != id.birth {
			v.Add("birth_date", "id_number", "birth_date does not match the ID number ("+id.birth+")", "出生日期与身份证号不符（"+id.birth+"）")
		}
		if gender != "" && gender != id.gender {
			v.Add("gender", "id_number", "gender does not match the ID number", "性别与身份证号不符")
		}
	case "passport":
		id.number = strings.ToUpper(number)
		v.Check(passportRE.MatchString(id.number), "id_number", "format", "a passport number has 5 to 20 letters and digits", "护照号码应为 5 到 20 位字母或数字")
	case "other":
		id.number = number
		checkLen(v, "id_number", number, 32)
	default:
		checkEnum(v, "id_type", typ, IDTypes, true)
	}
	return id
}

func checkPhone(v *errs.Validation, phone string) string {
	phone = normalizePhone(phone)
	v.Check(phone == "" || phoneRE.MatchString(phone), "phone", "format", "phone must be a mainland mobile or landline number", "电话须为有效的手机号或固定电话")
	return phone
}

func checkName(v *errs.Validation, name string) {
	v.Required("name", name)
	checkLen(v, "name", name, 64)
}

func checkEthnicity(v *errs.Validation, e *string) {
	norm, ok := normalizeEthnicity(*e)
	v.Check(ok, "ethnicity", "enum", "ethnicity must be one of the 56 nationalities (e.g. 汉族), 其他 or 外国血统", "民族须为 56 个民族之一（如 汉族）、其他或外国血统")
	if ok {
		*e = norm
	}
}

// newCitizenNeeds checks what registering a migrant resident (新市民) needs.
func newCitizenNeeds(v *errs.Validation, residence, origin, movedIn string) {
	if residence != "new_citizen" {
		return
	}
	v.Check(origin != "", "origin", "required", "a new citizen's origin (where they came from) is required", "新市民须填写来源地")
	v.Check(movedIn != "", "moved_in_on", "required", "a new citizen's moved-in date is required", "新市民须填写迁入日期")
}

func (n *NewPerson) validate(today string) (identity, error) {
	n.Name, n.HukouAddress, n.Origin, n.Employer, n.Note = clean(n.Name), clean(n.HukouAddress), clean(n.Origin), clean(n.Employer), clean(n.Note)
	n.AreaCode = compact(n.AreaCode)
	var v errs.Validation
	checkName(&v, n.Name)
	for _, d := range []struct {
		field string
		value *string
	}{{"birth_date", &n.BirthDate}, {"moved_in_on", &n.MovedInOn}, {"lease_ends_on", &n.LeaseEndsOn}, {"joined_on", &n.JoinedOn}} {
		checkDay(&v, d.field, d.value)
	}
	v.Check(n.BirthDate == "" || n.BirthDate <= today, "birth_date", "past", "birth_date lies in the future", "出生日期晚于今天")
	checkEnum(&v, "gender", n.Gender, Genders, false)
	id := checkIdentity(&v, n.IDType, n.IDNumber, n.Gender, n.BirthDate, today)
	n.Phone = checkPhone(&v, n.Phone)
	checkEthnicity(&v, &n.Ethnicity)
	checkEnum(&v, "residence_type", n.ResidenceType, ResidenceTypes, true)
	if n.Status == "" {
		n.Status = "living"
	}
	checkEnum(&v, "status", n.Status, PersonStatuses, true)
	checkEnum(&v, "tenancy", n.Tenancy, Tenancies, false)
	checkLen(&v, "hukou_address", n.HukouAddress, 200)
	checkLen(&v, "origin", n.Origin, 100)
	checkLen(&v, "employer", n.Employer, 100)
	checkLen(&v, "note", n.Note, 1000)
	newCitizenNeeds(&v, n.ResidenceType, n.Origin, n.MovedInOn)
	if n.HouseholdID != nil {
		checkEnum(&v, "relationship", n.Relationship, Relationships, true)
		v.Check(n.Status == "living", "status", "living", "a person joining a household lives there (status living)", "入户人员的状态须为在住")
	} else {
		v.Check(n.AreaCode != "", "area_code", "required", "choose the household (household_id) or the microgrid (area_code)", "请选择所属户（household_id）或所在微网格（area_code）")
		v.Check(n.Relationship == "", "relationship", "household", "a relationship needs a household (household_id)", "与户主关系须同时选择所属户（household_id）")
	}
	validChannel(&v, n.Channel)
	if err := v.Err(); err != nil {
		return id, err
	}
	if id.number != "" {
		n.IDType, n.IDNumber = id.typ, id.number
		if id.typ == "resident_id" {
			n.Gender, n.BirthDate = id.gender, id.birth
		}
	} else {
		n.IDType, n.IDNumber = "", ""
	}
	return id, nil
}

// sealed is an encrypted value with its blind index and mask ("" when none).
type sealed struct{ enc, index, masked string }

func (s *Store) sealID(typ, number string) (sealed, error) {
	if number == "" {
		return sealed{}, nil
	}
	enc, err := s.keys.EncryptFor("persons.id_number", number)
	if err != nil {
		return sealed{}, err
	}
	return sealed{enc: enc, index: s.keys.BlindIndex(idIndexField(typ), number), masked: pii.MaskCitizenID(number)}, nil
}

func (s *Store) sealPhone(phone string) (sealed, error) {
	if phone == "" {
		return sealed{}, nil
	}
	enc, err := s.keys.EncryptFor("persons.phone", phone)
	if err != nil {
		return sealed{}, err
	}
	return sealed{enc: enc, index: s.keys.BlindIndex(phoneIndexField, phone), masked: pii.MaskPhone(phone)}, nil
}

// personExists is the answer to registering someone already on record. Inside
// the caller's scope it names the record, so the caller can open it; outside
// it says only that the number is on record somewhere: naming the place or the
// id would tell anyone with registry:write where a person lives (an existence
// oracle across scope).
func personExists(p *access.Principal, id int64, areaCode string) error {
	var e *errs.Error
	if readScope(p).Contains(areaCode) {
		e = &errs.Error{Kind: errs.Conflict, Code: "person_exists",
			Detail:   fmt.Sprintf("a person with this ID number is already registered (person %d); update that record instead", id),
			DetailZH: fmt.Sprintf("该证件号码已登记（人员 %d），请勿重复登记，请修改已有记录", id),
			Extra:    map[string]any{"existing_id": id, "existing_area_code": areaCode}}
	} else {
		e = &errs.Error{Kind: errs.Conflict, Code: "person_exists",
			Detail:   "a person with this ID number is already registered elsewhere; ask the governance centre to move the record here",
			DetailZH: "该证件号码已在其他地方登记，请联系街道社会治理中心办理迁入"}
	}
	e.Fields = []errs.FieldError{{Field: "id_number", Rule: "unique", Detail: e.Detail, DetailZH: e.DetailZH}}
	return e
}

// checkUniqueID refuses an ID number already on record for another person.
func checkUniqueID(ctx context.Context, q db.Querier, p *access.Principal, index string, self int64) error {
	if index == "" {
		return nil
	}
	var id int64
	var areaCode string
	err := q.QueryRowContext(ctx, `SELECT id, area_code FROM persons WHERE id_index = ?`, index).Scan(&id, &areaCode)
	if isNoRows(err) || err == nil && id == self {
		return nil
	}
	if err != nil {
		return err
	}
	return personExists(p, id, areaCode)
}

// CreatePerson registers a person, in a household or in a microgrid.
func (s *Store) CreatePerson(ctx context.Context, n NewPerson) (Person, error) {
	day := today(s.clock.Now())
	if _, err := n.validate(day); err != nil {
		return Person{}, err
	}
	idSeal, err := s.sealID(n.IDType, n.IDNumber)
	if err != nil {
		return Person{}, err
	}
	phoneSeal, err := s.sealPhone(n.Phone)
	if err != nil {
		return Person{}, err
	}
	p := access.From(ctx)
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var hh Household
		areaCode := n.AreaCode
		if n.HouseholdID != nil {
			h, err := s.household(ctx, tx, *n.HouseholdID)
			if err != nil || !readScope(p).Contains(h.AreaCode) {
				if err != nil && err != errHouseholdNotFound {
					return err
				}
				return refError("household_id", "household", "户", *n.HouseholdID)
			}
			if h.ClosedAt != nil {
				return errs.Field("household_id", "open", "the household is closed", "该户已注销")
			}
			if areaCode != "" && areaCode != h.AreaCode {
				return errs.Field("area_code", "household", "area_code differs from the household's microgrid "+h.AreaCode, "area_code 与所属户的微网格 "+h.AreaCode+" 不一致")
			}
			hh, areaCode = h, h.AreaCode
			if err := mayWrite(p, areaCode, nil); err != nil {
				return err
			}
		} else if err := s.checkMicrogrid(ctx, tx, p, areaCode); err != nil {
			return err
		}
		tagIDs, tagNames, err := resolveTags(ctx, tx, n.Tags, 0)
		if err != nil {
			return err
		}
		if err := checkUniqueID(ctx, tx, p, idSeal.index, 0); err != nil {
			return err
		}
		a, err := s.actor(ctx, tx, n.Channel)
		if err != nil {
			return err
		}
		id, err = insertPerson(ctx, tx, a, areaCode, n, idSeal, phoneSeal, tagIDs, tagNames)
		if err != nil {
			return err
		}
		if n.HouseholdID == nil {
			return nil
		}
		joined := n.JoinedOn
		if joined == "" {
			joined = n.MovedInOn
		}
		if joined == "" {
			joined = today(a.at)
		}
		per, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.join(ctx, tx, a, hh, per, n.Relationship, joined)
	})
	if errors.Is(err, errIDTaken) {
		// The transaction is gone (PostgreSQL aborts it on the violation):
		// look the winner up outside it.
		err = checkUniqueID(ctx, s.db, p, idSeal.index, 0)
	}
	if err != nil {
		return Person{}, err
	}
	return s.GetPerson(ctx, id)
}

// errIDTaken marks a unique violation of the ID number's blind index inside a
// transaction; the caller answers with personExists once it has ended.
var errIDTaken = errors.New("registry: ID number taken")

const personCols = `p.id, p.area_code, p.household_id, COALESCE(m.relationship, ''), COALESCE(h.address, ''), p.name, p.name_pinyin, p.name_initials,
	p.id_type, p.id_masked, p.gender, p.birth_date, p.phone_masked, p.ethnicity, p.residence_type, p.hukou_address, p.moved_in_on, p.status,
	p.origin, p.employer, p.tenancy, p.lease_ends_on, p.note, p.created_at, p.updated_at`

const personFrom = ` FROM persons p
	LEFT JOIN household_members m ON m.person_id = p.id AND m.left_on IS NULL
	LEFT JOIN households hh ON hh.id = p.household_id
	LEFT JOIN houses h ON h.id = hh.house_id`

func scanPerson(sc interface{ Scan(...any) error }) (Person, error) {
	var (
		x                       Person
		household               sql.NullInt64
		birth, movedIn, leaseTo sql.NullString
		created, updated        int64
	)
	err := sc.Scan(&x.ID, &x.AreaCode, &household, &x.Relationship, &x.Address, &x.Name, &x.NamePinyin, &x.NameInitials,
		&x.IDType, &x.IDNumberMasked, &x.Gender, &birth, &x.PhoneMasked, &x.Ethnicity, &x.ResidenceType, &x.HukouAddress, &movedIn, &x.Status,
		&x.Origin, &x.Employer, &x.Tenancy, &leaseTo, &x.Note, &created, &updated)
	x.HouseholdID = nullID(household)
	x.BirthDate, x.MovedInOn, x.LeaseEndsOn = nullStr(birth), nullStr(movedIn), nullStr(leaseTo)
	x.CreatedAt, x.UpdatedAt = db.Time(created), db.Time(updated)
	x.Tags = []TagRef{}
	return x, err
}

// person reads a person without a scope check (and without tags).
func (s *Store) person(ctx context.Context, q db.Querier, id int64) (Person, error) {
	x, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personCols+personFrom+` WHERE p.id = ?`, id))
	if isNoRows(err) {
		return Person{}, errPersonNotFound
	}
	return x, err
}

// GetPerson returns a visible person with tags, numbers masked.
func (s *Store) GetPerson(ctx context.Context, id int64) (Person, error) {
	x, err := s.person(ctx, s.db, id)
	if err != nil {
		return Person{}, err
	}
	if !readScope(access.From(ctx)).Contains(x.AreaCode) {
		return Person{}, errPersonNotFound
	}
	ps := []Person{x}
	if err := s.loadTags(ctx, ps); err != nil {
		return Person{}, err
	}
	return ps[0], nil
}

// loadTags fills the tags of listed persons in one query.
func (s *Store) loadTags(ctx context.Context, ps []Person) error {
	if len(ps) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]any, len(ps))
	for i, x := range ps {
		at[x.ID], ids[i] = i, x.ID
	}
	rows, err := s.db.QueryContext(ctx, `SELECT pt.person_id, t.code, t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id
		WHERE pt.person_id IN `+inClause(len(ids))+` ORDER BY t.sort, t.id`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var t TagRef
		if err := rows.Scan(&pid, &t.Code, &t.Name); err != nil {
			return err
		}
		ps[at[pid]].Tags = append(ps[at[pid]].Tags, t)
	}
	return rows.Err()
}

// check normalises a patch and checks what it can without the stored
// record: the rules shared by UpdatePerson and campaign corrections.
func (c *PersonPatch) check(v *errs.Validation) {
	str := func(p *string, f func(string) string) {
		if p != nil {
			*p = f(*p)
		}
	}
	str(c.Name, clean)
	str(c.HukouAddress, clean)
	str(c.Origin, clean)
	str(c.Employer, clean)
	str(c.Note, clean)
	if c.Name != nil {
		checkName(v, *c.Name)
	}
	for _, d := range []struct {
		field string
		value *string
	}{{"birth_date", c.BirthDate}, {"moved_in_on", c.MovedInOn}, {"lease_ends_on", c.LeaseEndsOn}} {
		if d.value != nil {
			checkDay(v, d.field, d.value)
		}
	}
	if c.Gender != nil {
		checkEnum(v, "gender", *c.Gender, Genders, false)
	}
	if c.Phone != nil {
		*c.Phone = checkPhone(v, *c.Phone)
	}
	if c.Ethnicity != nil {
		checkEthnicity(v, c.Ethnicity)
	}
	if c.ResidenceType != nil {
		checkEnum(v, "residence_type", *c.ResidenceType, ResidenceTypes, true)
	}
	if c.Status != nil {
		checkEnum(v, "status", *c.Status, PersonStatuses, true)
	}
	if c.Tenancy != nil {
		checkEnum(v, "tenancy", *c.Tenancy, Tenancies, false)
	}
	v.Check((c.IDType == nil) == (c.IDNumber == nil) || c.IDNumber != nil, "id_number", "pair", "changing the ID needs id_type and id_number together", "修改证件须同时提供 id_type 和 id_number")
}

// UpdatePerson changes a person, keeping field-level history (ID and phone
// numbers recorded masked). Moving out or dying ends the household
// membership.
func (s *Store) UpdatePerson(ctx context.Context, id int64, c PersonPatch) (Person, error) {
	day := today(s.clock.Now())
	var v errs.Validation
	c.check(&v)
	validChannel(&v, c.Channel)
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	p := access.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayWrite(p, cur.AreaCode, errPersonNotFound); err != nil {
			return err
		}
		a, err := s.actor(ctx, tx, c.Channel)
		if err != nil {
			return err
		}
		return s.applyPatch(ctx, tx, a, p, cur, c, day)
	})
	if errors.Is(err, errIDTaken) {
		err = s.idTaken(ctx, p, c)
	}
	if err != nil {
		return Person{}, err
	}
	return s.GetPerson(ctx, id)
}

// idTaken answers a lost race for an ID number with the record that won.
func (s *Store) idTaken(ctx context.Context, p *access.Principal, c PersonPatch) error {
	typ := "resident_id"
	if c.IDType != nil && *c.IDType != "" {
		typ = *c.IDType
	}
	number := compact(*c.IDNumber)
	if typ == "resident_id" {
		if cid, err := govid.ParseCitizenID(number); err == nil {
			number = cid.Number
		}
	} else if typ == "passport" {
		number = strings.ToUpper(number)
	}
	if err := checkUniqueID(ctx, s.db, p, s.keys.BlindIndex(idIndexField(typ), number), 0); err != nil {
		return err
	}
	return errs.E(errs.Conflict, "person_exists", "the ID number was registered meanwhile", "该证件号码刚被登记")
}

// applyPatch validates what depends on the stored record, writes the change
// and its history.
func (s *Store) applyPatch(ctx context.Context, tx *db.Tx, a actor, p *access.Principal, cur Person, c PersonPatch, day string) error {
	next := cur
	var d diff
	set := func(field string, dst *string, to *string) {
		if to != nil {
			d.str(field, *dst, *to)
			*dst = *to
		}
	}
	setDay := func(field string, dst **string, to *string) {
		if to != nil {
			d.add(field, *dst, nonEmpty(*to))
			*dst = nonEmpty(*to)
		}
	}
	set("name", &next.Name, c.Name)
	set("ethnicity", &next.Ethnicity, c.Ethnicity)
	set("residence_type", &next.ResidenceType, c.ResidenceType)
	set("hukou_address", &next.HukouAddress, c.HukouAddress)
	set("status", &next.Status, c.Status)
	set("origin", &next.Origin, c.Origin)
	set("employer", &next.Employer, c.Employer)
	set("tenancy", &next.Tenancy, c.Tenancy)
	set("note", &next.Note, c.Note)
	setDay("moved_in_on", &next.MovedInOn, c.MovedInOn)
	setDay("lease_ends_on", &next.LeaseEndsOn, c.LeaseEndsOn)

	var v errs.Validation
	// The identity: a new number, or gender and birth date where no resident
	// ID decides them.
	idSeal := sealed{masked: cur.IDNumberMasked}
	newID := c.IDNumber != nil
	if newID {
		typ := ""
		if c.IDType != nil {
			typ = *c.IDType
		}
		gender, birth := "", ""
		if c.Gender != nil {
			gender = *c.Gender
		}
		if c.BirthDate != nil {
			birth = *c.BirthDate
		}
		id := checkIdentity(&v, typ, *c.IDNumber, gender, birth, day)
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		if idSeal, err = s.sealID(id.typ, id.number); err != nil {
			return err
		}
		if err := checkUniqueID(ctx, tx, p, idSeal.index, cur.ID); err != nil {
			return err
		}
		d.str("id_type", cur.IDType, id.typ)
		d.str("id_number", cur.IDNumberMasked, idSeal.masked)
		next.IDType, next.IDNumberMasked = id.typ, idSeal.masked
		if id.typ == "resident_id" {
			c.Gender, c.BirthDate = &id.gender, &id.birth
		}
	} else if next.IDType == "resident_id" {
		v.Check(c.Gender == nil || *c.Gender == cur.Gender, "gender", "id_number", "gender comes from the resident ID number", "性别由身份证号确定")
		v.Check(c.BirthDate == nil || cur.BirthDate != nil && *c.BirthDate == *cur.BirthDate, "birth_date", "id_number", "birth_date comes from the resident ID number", "出生日期由身份证号确定")
	}
	set("gender", &next.Gender, c.Gender)
	setDay("birth_date", &next.BirthDate, c.BirthDate)
	v.Check(next.BirthDate == nil || *next.BirthDate <= day, "birth_date", "past", "birth_date lies in the future", "出生日期晚于今天")
	mo := ""
	if next.MovedInOn != nil {
		mo = *next.MovedInOn
	}
	newCitizenNeeds(&v, next.ResidenceType, next.Origin, mo)
	if err := v.Err(); err != nil {
		return err
	}
	phoneSeal := sealed{masked: cur.PhoneMasked}
	if c.Phone != nil {
		var err error
		if phoneSeal, err = s.sealPhone(*c.Phone); err != nil {
			return err
		}
		// The same number typed again is no change.
		if *c.Phone != "" && cur.PhoneMasked != "" {
			var idx sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT phone_index FROM persons WHERE id = ?`, cur.ID).Scan(&idx); err != nil {
				return err
			}
			if idx.String == phoneSeal.index {
				c.Phone = nil
			}
		}
		if c.Phone != nil {
			d.add("phone", nonEmpty(cur.PhoneMasked), nonEmpty(phoneSeal.masked))
		}
	}
	if len(d) == 0 {
		return nil
	}
	full, initials := namePinyin(next.Name)
	q := `UPDATE persons SET name = ?, name_pinyin = ?, name_initials = ?, gender = ?, birth_date = ?, ethnicity = ?, residence_type = ?, hukou_address = ?,
		moved_in_on = ?, status = ?, origin = ?, employer = ?, tenancy = ?, lease_ends_on = ?, note = ?, updated_at = ?`
	args := []any{next.Name, full, initials, next.Gender, next.BirthDate, next.Ethnicity, next.ResidenceType, next.HukouAddress,
		next.MovedInOn, next.Status, next.Origin, next.Employer, next.Tenancy, next.LeaseEndsOn, next.Note, db.Millis(a.at)}
	if newID {
		q += `, id_type = ?, id_enc = ?, id_index = ?, id_masked = ?`
		args = append(args, next.IDType, idSeal.enc, argOf(idSeal.index), idSeal.masked)
	}
	if c.Phone != nil {
		q += `, phone_enc = ?, phone_index = ?, phone_masked = ?`
		args = append(args, phoneSeal.enc, argOf(phoneSeal.index), phoneSeal.masked)
	}
	_, err := tx.ExecContext(ctx, q+` WHERE id = ?`, append(args, cur.ID)...)
	if db.IsUniqueViolation(err) {
		return errIDTaken
	}
	if err != nil {
		return err
	}
	if err := record(ctx, tx, a, "person", cur.ID, cur.AreaCode, d); err != nil {
		return err
	}
	// Moving out or dying ends the membership of the household.
	if next.Status != "living" && cur.Status == "living" && cur.HouseholdID != nil {
		return s.leave(ctx, tx, a, *cur.HouseholdID, cur, day)
	}
	return nil
}

// Reveal shows a person's full ID and phone numbers (field "id_number",
// "phone" or "" for both) to a caller with registry:read_pii over the
// person's area; every reveal is audited.
func (s *Store) Reveal(ctx context.Context, id int64, field string) (RevealedPII, error) {
	if field != "" && field != "id_number" && field != "phone" {
		return RevealedPII{}, errs.Field("field", "enum", "field must be id_number or phone", "field 须为 id_number 或 phone")
	}
	x, err := s.GetPerson(ctx, id)
	if err != nil {
		return RevealedPII{}, err
	}
	p := access.From(ctx)
	if !p.CanAt(access.RegistryPII, x.AreaCode) {
		return RevealedPII{}, errs.E(errs.Forbidden, "forbidden", "you may not see this person's full ID and phone numbers", "您无权查看此人的完整证件号码和电话")
	}
	var idEnc, phoneEnc string
	if err := s.db.QueryRowContext(ctx, `SELECT id_enc, phone_enc FROM persons WHERE id = ?`, id).Scan(&idEnc, &phoneEnc); err != nil {
		return RevealedPII{}, err
	}
	var out RevealedPII
	var fields []string
	if idEnc != "" && field != "phone" {
		if out.IDNumber, err = s.keys.DecryptFor("persons.id_number", idEnc); err != nil {
			return RevealedPII{}, fmt.Errorf("decrypt ID number of person %d: %w", id, err)
		}
		fields = append(fields, "id_number")
	}
	if phoneEnc != "" && field != "id_number" {
		if out.Phone, err = s.keys.DecryptFor("persons.phone", phoneEnc); err != nil {
			return RevealedPII{}, fmt.Errorf("decrypt phone of person %d: %w", id, err)
		}
		fields = append(fields, "phone")
	}
	if len(fields) == 0 {
		return out, nil
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{At: s.clock.Now(), Actor: p.Username, Action: "pii.reveal", Object: "person:" + strconv.FormatInt(id, 10),
			AreaCode: x.AreaCode, Detail: map[string]any{"fields": fields}})
	})
	return out, err
}

// insertPerson stores a new person with their tags in areaCode: the record
// tells its registration (actor, channel, time), history the tags set.
func insertPerson(ctx context.Context, tx *db.Tx, a actor, areaCode string, n NewPerson, idSeal, phoneSeal sealed, tagIDs []int64, tagNames []string) (int64, error) {
	full, initials := namePinyin(n.Name)
	now := db.Millis(a.at)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO persons (area_code, name, name_pinyin, name_initials, id_type, id_enc, id_index, id_masked, gender, birth_date,
		phone_enc, phone_index, phone_masked, ethnicity, residence_type, hukou_address, moved_in_on, status, origin, employer, tenancy, lease_ends_on, note,
		created_at, updated_at, created_channel, created_by, created_by_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		areaCode, n.Name, full, initials, n.IDType, idSeal.enc, argOf(idSeal.index), idSeal.masked, n.Gender, argOf(n.BirthDate),
		phoneSeal.enc, argOf(phoneSeal.index), phoneSeal.masked, n.Ethnicity, n.ResidenceType, n.HukouAddress, argOf(n.MovedInOn), n.Status,
		n.Origin, n.Employer, n.Tenancy, argOf(n.LeaseEndsOn), n.Note, now, now, string(a.channel), a.userID, a.name).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, errIDTaken // a concurrent registration of the same number won the race
	}
	if err != nil {
		return 0, err
	}
	if len(tagIDs) == 0 {
		return id, nil
	}
	if err := insertTags(ctx, tx, id, areaCode, tagIDs, now); err != nil {
		return 0, err
	}
	var d diff
	d.str("tags", "", strings.Join(tagNames, "、"))
	return id, record(ctx, tx, a, "person", id, areaCode, d)
}
