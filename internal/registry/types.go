// Package registry is the population and housing registry (实有人口 · 实有房屋 ·
// 一户一档, DESIGN §5.3): "houses define households, households find people,
// nobody is missed" (以房定户、以户找人、不漏一人).
//
// A building stands in a microgrid; a house is a dwelling or premises in a
// building; a household lives in a house; a person belongs to at most one
// household at a time, with a relationship to its head. A person is one
// record however often they are entered: the blind index of the ID number is
// unique, and registering someone already on record answers with the existing
// record. Every change keeps field-level history (who, when, from, to, through
// which channel), with ID and phone numbers recorded masked. The household
// file keeps the household's livelihood appeals (which may become cases of the
// case engine) and visit notes.
//
// Every table carries the area_code of its microgrid, and every read and write
// is filtered by the caller's scope in this package: a record outside it
// answers not-found.
package registry

import (
	"strings"
	"time"
)

// Channel is how a change reached the registry.
type Channel string

const (
	ChannelConsole      Channel = "console"
	ChannelApp          Channel = "app"          // the grid-worker app
	ChannelImport       Channel = "import"       // spreadsheet import
	ChannelVerification Channel = "verification" // door-to-door verification campaign (摸排)
)

func (c Channel) valid() bool {
	switch c {
	case ChannelConsole, ChannelApp, ChannelImport, ChannelVerification:
		return true
	}
	return false
}

// enum is a closed list of codes with their Chinese labels, in display order.
type enum struct {
	codes   []string
	labels  map[string]string
	byLabel map[string]string // compacted label → code
}

func newEnum(pairs ...string) enum {
	e := enum{labels: map[string]string{}, byLabel: map[string]string{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		e.codes = append(e.codes, pairs[i])
		e.labels[pairs[i]] = pairs[i+1]
		e.byLabel[compact(pairs[i+1])] = pairs[i]
	}
	return e
}

func (e enum) has(code string) bool { _, ok := e.labels[code]; return ok }

// list is "a, b or c" for messages.
func (e enum) list() string {
	if len(e.codes) < 2 {
		return strings.Join(e.codes, "")
	}
	return strings.Join(e.codes[:len(e.codes)-1], ", ") + " or " + e.codes[len(e.codes)-1]
}

func (e enum) listZH() string { return strings.Join(e.codes, "、") }

// Label is the Chinese label of a code ("" if unknown).
func (e enum) Label(code string) string { return e.labels[code] }

// The closed lists of the registry.
var (
	Usages          = newEnum("owner_occupied", "自住", "rented", "出租", "vacant", "空置", "business", "经营", "other", "其他")
	HouseholdTypes  = newEnum("family", "家庭户", "collective", "集体户", "other", "其他")
	IDTypes         = newEnum("resident_id", "居民身份证", "passport", "护照", "other", "其他证件")
	ResidenceTypes  = newEnum("registered", "户籍人口", "resident", "常住人口", "new_citizen", "新市民（流动人口）", "foreign", "境外人员")
	PersonStatuses  = newEnum("living", "在住", "moved_out", "迁出", "deceased", "死亡")
	Relationships   = newEnum("head", "户主", "spouse", "配偶", "child", "子女", "parent", "父母", "grandchild", "孙子女", "grandparent", "祖父母", "sibling", "兄弟姐妹", "child_in_law", "儿媳/女婿", "other", "其他")
	Tenancies       = newEnum("rented", "租住", "owned", "自有住房", "dormitory", "单位宿舍", "with_relatives", "投亲靠友", "other", "其他")
	Genders         = newEnum("male", "男", "female", "女")
	AppealStatuses  = newEnum("open", "待处理", "in_progress", "处理中", "resolved", "已解决", "withdrawn", "已撤回")
	historyEntities = newEnum("building", "楼栋", "house", "房屋", "household", "户", "person", "人员")
)

// Building is a building (楼栋) in a microgrid.
type Building struct {
	ID         int64     `json:"id"`
	AreaCode   string    `json:"area_code"`
	AreaName   string    `json:"area_name"`
	Name       string    `json:"name"`
	Address    string    `json:"address"`
	Lng        *float64  `json:"lng"`
	Lat        *float64  `json:"lat"`
	Floors     int       `json:"floors"`
	Units      int       `json:"units"`
	HeadUserID *int64    `json:"head_user_id"`
	HeadName   string    `json:"head_name"`
	Houses     int       `json:"houses"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// NewBuilding is the input to register a building. Without area_code the
// building is placed in its microgrid by its location (crs: wgs84, gcj02 or
// bd09; stored as WGS-84).
type NewBuilding struct {
	AreaCode   string   `json:"area_code"`
	Name       string   `json:"name"`
	Address    string   `json:"address"`
	Lng        *float64 `json:"lng"`
	Lat        *float64 `json:"lat"`
	CRS        string   `json:"crs"`
	Floors     int      `json:"floors"`
	Units      int      `json:"units"`
	HeadUserID *int64   `json:"head_user_id"`
	Channel    Channel  `json:"channel"`
}

// BuildingPatch changes a building; absent fields stay. head_user_id 0
// removes the building head.
type BuildingPatch struct {
	Name       *string  `json:"name"`
	Address    *string  `json:"address"`
	Lng        *float64 `json:"lng"`
	Lat        *float64 `json:"lat"`
	CRS        string   `json:"crs"`
	Floors     *int     `json:"floors"`
	Units      *int     `json:"units"`
	HeadUserID *int64   `json:"head_user_id"`
	Channel    Channel  `json:"channel"`
}

// House is a dwelling or premises (实有房屋). FloorArea is in square metres
// as a decimal string with at most two decimals ("89.5"), "" when unknown.
type House struct {
	ID           int64     `json:"id"`
	BuildingID   int64     `json:"building_id"`
	BuildingName string    `json:"building_name"`
	AreaCode     string    `json:"area_code"`
	Unit         string    `json:"unit"`
	Floor        *int      `json:"floor"`
	Room         string    `json:"room"`
	Address      string    `json:"address"`
	Usage        string    `json:"usage"`
	FloorArea    string    `json:"floor_area"`
	OwnerName    string    `json:"owner_name"`
	Households   int       `json:"households"` // open households
	Occupants    int       `json:"occupants"`  // persons living in them
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// NewHouse is the input to register a house in a building. Without address
// the full address is composed from the building's address, unit and room.
type NewHouse struct {
	BuildingID int64   `json:"building_id"`
	Unit       string  `json:"unit"`
	Floor      *int    `json:"floor"`
	Room       string  `json:"room"`
	Address    string  `json:"address"`
	Usage      string  `json:"usage"`
	FloorArea  string  `json:"floor_area"`
	OwnerName  string  `json:"owner_name"`
	Channel    Channel `json:"channel"`
}

// HousePatch changes a house; absent fields stay.
type HousePatch struct {
	Unit      *string `json:"unit"`
	Floor     *int    `json:"floor"`
	Room      *string `json:"room"`
	Address   *string `json:"address"`
	Usage     *string `json:"usage"`
	FloorArea *string `json:"floor_area"`
	OwnerName *string `json:"owner_name"`
	Channel   Channel `json:"channel"`
}

// Household is the people living as one unit in a house (户).
type Household struct {
	ID           int64      `json:"id"`
	HouseID      int64      `json:"house_id"`
	HouseAddress string     `json:"house_address"`
	AreaCode     string     `json:"area_code"`
	Type         string     `json:"household_type"`
	HeadPersonID *int64     `json:"head_person_id"`
	HeadName     string     `json:"head_name"`
	Members      int        `json:"members"` // current members
	Note         string     `json:"note"`
	CreatedAt    time.Time  `json:"created_at"`
	ClosedAt     *time.Time `json:"closed_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// NewHousehold is the input to open a household in a house.
type NewHousehold struct {
	HouseID int64   `json:"house_id"`
	Type    string  `json:"household_type"`
	Note    string  `json:"note"`
	Channel Channel `json:"channel"`
}

// HouseholdPatch changes a household; absent fields stay.
type HouseholdPatch struct {
	Type    *string `json:"household_type"`
	Note    *string `json:"note"`
	Channel Channel `json:"channel"`
}

// TagRef is a tag as carried by a person.
type TagRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Tag is an entry of the managed tag list.
type Tag struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	Active bool   `json:"active"`
	Sort   int    `json:"sort"`
}

// Person is a person as staff see them: ID and phone numbers only masked.
type Person struct {
	ID             int64     `json:"id"`
	AreaCode       string    `json:"area_code"`
	HouseholdID    *int64    `json:"household_id"`
	Relationship   string    `json:"relationship"` // to the head of the current household
	Address        string    `json:"address"`      // of the current house
	Name           string    `json:"name"`
	NamePinyin     string    `json:"name_pinyin"`
	NameInitials   string    `json:"name_initials"`
	IDType         string    `json:"id_type"`
	IDNumberMasked string    `json:"id_number_masked"`
	Gender         string    `json:"gender"`
	BirthDate      *string   `json:"birth_date"`
	PhoneMasked    string    `json:"phone_masked"`
	Ethnicity      string    `json:"ethnicity"`
	ResidenceType  string    `json:"residence_type"`
	HukouAddress   string    `json:"hukou_address"`
	MovedInOn      *string   `json:"moved_in_on"`
	Status         string    `json:"status"`
	Origin         string    `json:"origin"`
	Employer       string    `json:"employer"`
	Tenancy        string    `json:"tenancy"`
	LeaseEndsOn    *string   `json:"lease_ends_on"`
	Note           string    `json:"note"`
	Tags           []TagRef  `json:"tags"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// NewPerson is the input to register a person. With household_id the person
// joins that household (relationship required) and lives in its microgrid;
// without, area_code names the microgrid. For a resident ID the gender and
// birth date come from the number. New citizens need origin and moved_in_on.
type NewPerson struct {
	Name          string   `json:"name"`
	IDType        string   `json:"id_type"`
	IDNumber      string   `json:"id_number"`
	Gender        string   `json:"gender"`
	BirthDate     string   `json:"birth_date"`
	Phone         string   `json:"phone"`
	Ethnicity     string   `json:"ethnicity"`
	ResidenceType string   `json:"residence_type"`
	HukouAddress  string   `json:"hukou_address"`
	MovedInOn     string   `json:"moved_in_on"`
	Status        string   `json:"status"`
	Origin        string   `json:"origin"`
	Employer      string   `json:"employer"`
	Tenancy       string   `json:"tenancy"`
	LeaseEndsOn   string   `json:"lease_ends_on"`
	Note          string   `json:"note"`
	Tags          []string `json:"tags"` // tag codes
	AreaCode      string   `json:"area_code"`
	HouseholdID   *int64   `json:"household_id"`
	Relationship  string   `json:"relationship"`
	JoinedOn      string   `json:"joined_on"` // default: moved_in_on, else today
	Channel       Channel  `json:"channel"`
}

// PersonPatch changes a person; absent fields stay, "" clears an optional
// one. Changing the ID number needs id_type and id_number together. Status
// moved_out or deceased ends the current household membership.
type PersonPatch struct {
	Name          *string `json:"name"`
	IDType        *string `json:"id_type"`
	IDNumber      *string `json:"id_number"`
	Gender        *string `json:"gender"`
	BirthDate     *string `json:"birth_date"`
	Phone         *string `json:"phone"`
	Ethnicity     *string `json:"ethnicity"`
	ResidenceType *string `json:"residence_type"`
	HukouAddress  *string `json:"hukou_address"`
	MovedInOn     *string `json:"moved_in_on"`
	Status        *string `json:"status"`
	Origin        *string `json:"origin"`
	Employer      *string `json:"employer"`
	Tenancy       *string `json:"tenancy"`
	LeaseEndsOn   *string `json:"lease_ends_on"`
	Note          *string `json:"note"`
	Channel       Channel `json:"channel"`
}

// Member is a person's membership of a household, as the household file
// shows it (masked).
type Member struct {
	PersonID       int64   `json:"person_id"`
	Name           string  `json:"name"`
	Relationship   string  `json:"relationship"`
	JoinedOn       string  `json:"joined_on"`
	LeftOn         *string `json:"left_on"`
	Gender         string  `json:"gender"`
	BirthDate      *string `json:"birth_date"`
	IDNumberMasked string  `json:"id_number_masked"`
	PhoneMasked    string  `json:"phone_masked"`
	ResidenceType  string  `json:"residence_type"`
	Status         string  `json:"status"`
}

// NewMember puts a person into a household.
type NewMember struct {
	PersonID     int64   `json:"person_id"`
	Relationship string  `json:"relationship"`
	JoinedOn     string  `json:"joined_on"` // default today
	Channel      Channel `json:"channel"`
}

// Leave ends a membership.
type Leave struct {
	LeftOn  string  `json:"left_on"` // default today
	Channel Channel `json:"channel"`
}

// Change is one field-level history row. PII values are masked.
type Change struct {
	ID        int64     `json:"id"`
	Entity    string    `json:"entity"`
	EntityID  int64     `json:"entity_id"`
	Field     string    `json:"field"`
	From      *string   `json:"from"`
	To        *string   `json:"to"`
	ActorName string    `json:"actor_name"`
	Channel   Channel   `json:"channel"`
	At        time.Time `json:"at"`
}

// Appeal is a livelihood appeal (民生诉求) kept in a household file.
type Appeal struct {
	ID          int64     `json:"id"`
	HouseholdID int64     `json:"household_id"`
	AreaCode    string    `json:"area_code"`
	Content     string    `json:"content"`
	RaisedOn    string    `json:"raised_on"`
	Status      string    `json:"status"`
	CaseID      *int64    `json:"case_id"`
	CaseState   string    `json:"case_state"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NewAppeal records an appeal.
type NewAppeal struct {
	Content  string  `json:"content"`
	RaisedOn string  `json:"raised_on"` // default today
	Channel  Channel `json:"channel"`
}

// AppealPatch changes an appeal's status.
type AppealPatch struct {
	Status  string  `json:"status"`
	Channel Channel `json:"channel"`
}

// AppealCase turns an appeal into a case of the case engine.
type AppealCase struct {
	CategoryID  int64          `json:"category_id"`
	Title       string         `json:"title"`       // default: the start of the appeal
	Description string         `json:"description"` // default: the appeal and the household's address
	Extra       map[string]any `json:"extra"`       // the category's extra fields
}

// Visit is a visit note (走访记录) in a household file.
type Visit struct {
	ID          int64     `json:"id"`
	HouseholdID int64     `json:"household_id"`
	VisitedOn   string    `json:"visited_on"`
	VisitorName string    `json:"visitor_name"`
	Note        string    `json:"note"`
	Channel     Channel   `json:"channel"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewVisit records a visit.
type NewVisit struct {
	VisitedOn string  `json:"visited_on"` // default today
	Note      string  `json:"note"`
	Channel   Channel `json:"channel"`
}

// HouseholdFile is the household file (一户一档) on one page.
type HouseholdFile struct {
	Household Household `json:"household"`
	House     House     `json:"house"`
	Building  Building  `json:"building"`
	Members   []Member  `json:"members"` // current members first, then former
	Appeals   []Appeal  `json:"appeals"`
	Visits    []Visit   `json:"visits"`
	History   []Change  `json:"history"`
}

// RevealedPII is a person's ID and phone numbers in full.
type RevealedPII struct {
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
}
