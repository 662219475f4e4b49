package access

import "sort"

// Permission is a named right (DESIGN §4.2).
type Permission string

const (
	AreasRead      Permission = "areas:read"
	AreasWrite     Permission = "areas:write"
	DutyWrite      Permission = "duty:write"
	UsersRead      Permission = "users:read"
	UsersWrite     Permission = "users:write"
	AuditRead      Permission = "audit:read"
	CasesReport    Permission = "cases:report"
	CasesRead      Permission = "cases:read"
	CasesDispatch  Permission = "cases:dispatch"
	CasesHandle    Permission = "cases:handle"
	CasesConfig    Permission = "cases:configure"
	RegistryRead   Permission = "registry:read"
	RegistryWrite  Permission = "registry:write"
	RegistryPII    Permission = "registry:read_pii"
	RegistryConfig Permission = "registry:configure" // the managed lists (tags)
	VolunteerAdmin Permission = "volunteers:manage"
	PointsAdjust   Permission = "points:adjust"
	EnterpriseRead Permission = "enterprises:read"
	EnterpriseWork Permission = "enterprises:serve"
	StatsRead      Permission = "stats:read"
	PatrolRecord   Permission = "patrols:record" // walk and record patrols in one's grids
)

// Role is a named bundle of permissions, bound to an area code when granted.
type Role struct {
	Code   string
	Name   string // Chinese
	NameEN string
	Perms  []Permission
}

var staffRead = []Permission{AreasRead, CasesRead, StatsRead}

// Roles is the fixed role catalogue. Permissions are data here so that a
// deployment's review of "who may do what" reads one table.
var Roles = []Role{
	{"system_admin", "系统管理员", "System administrator", []Permission{AreasRead, AreasWrite, DutyWrite, UsersRead, UsersWrite, AuditRead, CasesReport, CasesRead, CasesDispatch, CasesHandle, CasesConfig, RegistryRead, RegistryWrite, RegistryPII, RegistryConfig, VolunteerAdmin, PointsAdjust, EnterpriseRead, EnterpriseWork, StatsRead, PatrolRecord}},
	{"subdistrict_admin", "街道管理员", "Subdistrict administrator", append([]Permission{AreasWrite, DutyWrite, UsersRead, UsersWrite, AuditRead, CasesReport, CasesDispatch, CasesHandle, CasesConfig, RegistryRead, RegistryWrite, RegistryPII, RegistryConfig, EnterpriseRead, PatrolRecord}, staffRead...)},
	{"dispatcher", "调度员", "Dispatcher", append([]Permission{UsersRead, CasesReport, CasesDispatch, CasesHandle, RegistryRead}, staffRead...)},
	{"community_secretary", "社区书记", "Community secretary", append([]Permission{DutyWrite, UsersRead, CasesReport, CasesDispatch, CasesHandle, RegistryRead, RegistryWrite, RegistryPII}, staffRead...)},
	{"community_staff", "社区工作人员", "Community staff", append([]Permission{CasesReport, CasesHandle, RegistryRead, RegistryWrite, PatrolRecord}, staffRead...)},
	{"grid_worker", "网格员", "Grid worker", append([]Permission{CasesReport, CasesHandle, RegistryRead, RegistryWrite, PatrolRecord}, staffRead...)},
	{"head", "三长", "Building/road/area head", []Permission{AreasRead, CasesReport}},
	// Department handlers see the cases handed to their unit, not an area's.
	{"department_handler", "部门处置人员", "Department handler", []Permission{AreasRead, CasesHandle, StatsRead}},
	{"enterprise_cadre", "包企干部", "Enterprise-service cadre", append([]Permission{EnterpriseRead, EnterpriseWork, CasesReport}, staffRead...)},
	{"volunteer_manager", "志愿服务管理员", "Volunteer manager", append([]Permission{VolunteerAdmin, PointsAdjust}, staffRead...)},
	{"leader", "领导", "Leader (read-only)", append([]Permission{EnterpriseRead}, staffRead...)},
	{"resident", "居民", "Resident", []Permission{CasesReport}},
	{"enterprise_user", "企业用户", "Enterprise user", []Permission{CasesReport}},
}

// RoleByCode finds a role of the catalogue.
func RoleByCode(code string) (Role, bool) {
	for _, r := range Roles {
		if r.Code == code {
			return r, true
		}
	}
	return Role{}, false
}

// Binding is a role granted over an area.
type Binding struct {
	Role     string `json:"role"`
	AreaCode string `json:"area_code"`
}

// Principal is the caller: a user with role bindings, or the system.
type Principal struct {
	UserID      int64
	Username    string
	DisplayName string
	UnitID      int64 // the unit the user works for (department handlers), 0 if none
	Bindings    []Binding
	Scope       Scope
	perms       map[Permission]Scope // per permission, the areas it holds over
	system      bool
}

// NewPrincipal computes scope and permissions from role bindings.
func NewPrincipal(userID int64, username string, bindings []Binding) *Principal {
	p := &Principal{UserID: userID, Username: username, Bindings: bindings, perms: map[Permission]Scope{}}
	var codes []string
	perArea := map[Permission][]string{}
	for _, b := range bindings {
		r, ok := RoleByCode(b.Role)
		if !ok {
			continue
		}
		codes = append(codes, b.AreaCode)
		for _, perm := range r.Perms {
			perArea[perm] = append(perArea[perm], b.AreaCode)
		}
	}
	p.Scope = NewScope(codes...)
	for perm, cs := range perArea {
		p.perms[perm] = NewScope(cs...)
	}
	return p
}

// Can reports whether the principal holds the permission anywhere.
func (p *Principal) Can(perm Permission) bool {
	if p.system {
		return true
	}
	_, ok := p.perms[perm]
	return ok
}

// CanAt reports whether the principal holds the permission over the area.
func (p *Principal) CanAt(perm Permission, areaCode string) bool {
	if p.system {
		return true
	}
	s, ok := p.perms[perm]
	return ok && s.Contains(areaCode)
}

// ScopeFor is the part of the scope where the principal holds perm.
func (p *Principal) ScopeFor(perm Permission) Scope {
	if p.system {
		return Scope{All: true}
	}
	return p.perms[perm]
}

// Permissions lists the permissions held, sorted.
func (p *Principal) Permissions() []string {
	out := make([]string, 0, len(p.perms))
	for perm := range p.perms {
		out = append(out, string(perm))
	}
	sort.Strings(out)
	return out
}

// Authenticated reports whether this is a logged-in user or the system.
func (p *Principal) Authenticated() bool { return p.system || p.UserID != 0 }

// IsSystem reports whether this is the system principal.
func (p *Principal) IsSystem() bool { return p.system }

// SecondFactorRoles are the staff roles above grid worker: a deployment that
// requires a second factor (等保 level 3) requires it of every user holding
// one of them.
var SecondFactorRoles = map[string]bool{
	"system_admin": true, "subdistrict_admin": true, "dispatcher": true, "community_secretary": true,
	"department_handler": true, "enterprise_cadre": true, "volunteer_manager": true, "leader": true,
}
