package server

import (
	"net/http"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/attach"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/open311"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
	"github.com/tongxin/tongxin/internal/platform/xlsx"
	"github.com/tongxin/tongxin/internal/registry"
	"github.com/tongxin/tongxin/internal/worktime"
)

// Route is one entry of the route table; the OpenAPI document is generated
// from these, so the documentation cannot drift from the routes.
type Route struct {
	Method, Path string
	Summary      string
	Tag          string
	Auth         authLevel
	Perm         access.Permission // required somewhere in the caller's roles, when set
	Query        []Param
	Request      any // zero value of the JSON body type, for the schema
	Response     any // zero value of the 2xx JSON body type
	Status       int // success status; 200 when 0
	ContentType  string
	Handle       httpapi.Handler
}

// Param documents a query parameter.
type Param struct {
	Name, Type, Description string
	Required                bool
}

type authLevel int

const (
	public authLevel = iota
	user
)

func (rt Route) handler() http.Handler {
	var h http.Handler = rt.Handle
	switch {
	case rt.Perm != "":
		h = auth.RequirePerm(rt.Perm, h)
	case rt.Auth == user:
		h = auth.Require(h)
	}
	return h
}

var errNoRoute = errs.E(errs.NotFound, "no_route", "no such API endpoint", "没有此 API 接口")

// routeTable lists every API route of Tongxin.
func (s *Server) routeTable(a *auth.HTTP, ar *area.HTTP, cs *cases.HTTP, wt *worktime.HTTP, o *open311.Handler, rg *registry.HTTP) []Route {
	areaParam := Param{Name: "area", Type: "string", Description: "area code: limit to this subtree"}
	auditParams := []Param{areaParam, {Name: "actor", Type: "string", Description: "username"}, {Name: "action", Type: "string", Description: "action code, e.g. auth.login"},
		{Name: "object", Type: "string", Description: "object, e.g. user:12"}, {Name: "from", Type: "string", Description: "first day, YYYY-MM-DD (China time)"},
		{Name: "to", Type: "string", Description: "last day, YYYY-MM-DD"}, {Name: "before_id", Type: "integer", Description: "next page: the next_before_id of the previous"},
		{Name: "limit", Type: "integer", Description: "at most 500"}}
	return []Route{
		// Platform
		{Method: "GET", Path: "/healthz", Summary: "Liveness", Tag: "platform", Handle: s.healthz},
		{Method: "GET", Path: "/readyz", Summary: "Readiness: database reachable, locate index loaded", Tag: "platform", Handle: s.readyz},
		{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This document", Tag: "platform", Handle: s.openapi},
		{Method: "GET", Path: "/api/v1/settings/ui", Summary: "Console settings (map tiles)", Tag: "platform", Response: UISettings{}, Handle: s.uiSettings},
		{Method: "GET", Path: "/api/v1/version", Summary: "Server version", Tag: "platform", Handle: s.version},
		{Method: "GET", Path: "/api/v1/audit", Summary: "Audit log entries in the caller's audit:read scope (entries of no area: district level only), newest first", Tag: "platform", Perm: access.AuditRead,
			Query: auditParams, Response: AuditPage{}, Handle: s.auditList},
		{Method: "GET", Path: "/api/v1/audit/export.xlsx", Summary: "Export the audit entries matching the filters as xlsx; audited", Tag: "platform", Perm: access.AuditRead,
			Query: auditParams, ContentType: xlsx.ContentType, Handle: s.auditExport},

		// Auth and accounts
		{Method: "POST", Path: "/api/v1/auth/login", Summary: "Log in: opens a session cookie, returns the user and the CSRF token", Tag: "auth", Request: auth.LoginRequest{}, Response: auth.Me{}, Handle: a.Login},
		{Method: "POST", Path: "/api/v1/auth/logout", Summary: "Log out", Tag: "auth", Status: http.StatusNoContent, Handle: a.Logout},
		{Method: "GET", Path: "/api/v1/auth/me", Summary: "The current user and the CSRF token", Tag: "auth", Auth: user, Response: auth.Me{}, Handle: a.Me},
		{Method: "POST", Path: "/api/v1/auth/password", Summary: "Change one's own password (the current one given; the policy's rules; other sessions end)", Tag: "auth", Auth: user, Request: auth.PasswordChange{}, Status: http.StatusNoContent, Handle: a.ChangePassword},
		{Method: "POST", Path: "/api/v1/auth/totp/enrol", Summary: "Start enrolling a TOTP second factor: the secret, its otpauth URL and a QR code", Tag: "auth", Auth: user, Response: auth.TOTPEnrolment{}, Handle: a.EnrolTOTP},
		{Method: "POST", Path: "/api/v1/auth/totp/confirm", Summary: "Enable the enrolled second factor with a code from the app; returns the recovery codes once", Tag: "auth", Auth: user, Request: auth.TOTPCode{}, Response: auth.RecoveryCodes{}, Handle: a.ConfirmTOTP},
		{Method: "DELETE", Path: "/api/v1/auth/totp", Summary: "Turn one's second factor off (the current password given; refused where the policy requires one)", Tag: "auth", Auth: user, Request: auth.CurrentPassword{}, Status: http.StatusNoContent, Handle: a.DisableTOTP},
		{Method: "GET", Path: "/api/v1/users", Summary: "Accounts holding a role in the caller's scope", Tag: "users", Perm: access.UsersRead,
			Query: []Param{areaParam, {Name: "role", Type: "string", Description: "only this role"}, {Name: "limit", Type: "integer", Description: "at most 1000"}}, Handle: a.ListUsers},
		{Method: "POST", Path: "/api/v1/users", Summary: "Create an account with its first role", Tag: "users", Perm: access.UsersWrite, Request: auth.NewUser{}, Response: auth.User{}, Status: http.StatusCreated, Handle: a.CreateUser},
		{Method: "GET", Path: "/api/v1/users/{id}", Summary: "One account", Tag: "users", Perm: access.UsersRead, Response: auth.User{}, Handle: a.GetUser},
		{Method: "PUT", Path: "/api/v1/users/{id}/password", Summary: "Reset another user's password (a temporary one, to be changed at the next login); ends the user's sessions", Tag: "users", Perm: access.UsersWrite, Request: auth.PasswordRequest{}, Status: http.StatusNoContent, Handle: a.SetPassword},
		{Method: "POST", Path: "/api/v1/users/{id}/totp/reset", Summary: "Remove a user's second factor (a lost phone)", Tag: "users", Perm: access.UsersWrite, Status: http.StatusNoContent, Handle: a.ResetTOTP},
		{Method: "POST", Path: "/api/v1/users/{id}/reveal-phone", Summary: "Show a user's full phone number (needs registry:read_pii over the user's area; audited)", Tag: "users", Perm: access.RegistryPII, Response: auth.RevealedPhone{}, Handle: a.RevealPhone},
		{Method: "POST", Path: "/api/v1/users/{id}/roles", Summary: "Grant a role over an area", Tag: "users", Perm: access.UsersWrite, Request: access.Binding{}, Response: auth.User{}, Handle: a.GrantRole},
		{Method: "GET", Path: "/api/v1/users/{id}/api-keys", Summary: "A user's API keys (without the keys)", Tag: "users", Auth: user, Handle: a.ListAPIKeys},
		{Method: "POST", Path: "/api/v1/users/{id}/api-keys", Summary: "Issue an API key acting as the user; the key is shown once", Tag: "users", Auth: user, Request: auth.APIKeyRequest{}, Response: auth.CreatedAPIKey{}, Status: http.StatusCreated, Handle: a.CreateAPIKey},
		{Method: "DELETE", Path: "/api/v1/api-keys/{id}", Summary: "Revoke an API key", Tag: "users", Auth: user, Status: http.StatusNoContent, Handle: a.RevokeAPIKey},

		// Areas
		{Method: "GET", Path: "/api/v1/areas", Summary: "A subtree of the area tree inside the caller's scope", Tag: "areas", Perm: access.AreasRead,
			Query: []Param{{Name: "root", Type: "string", Description: "area code of the subtree's root (default: the caller's scope)"},
				{Name: "depth", Type: "integer", Description: "levels below the root, 0–4 (0: all)"},
				{Name: "level", Type: "string", Description: "only areas of this level"},
				{Name: "include_closed", Type: "boolean", Description: "include closed areas"}},
			Response: area.ListResponse{}, Handle: ar.List},
		{Method: "POST", Path: "/api/v1/areas", Summary: "Create an area under its parent", Tag: "areas", Perm: access.AreasWrite, Request: area.NewArea{}, Response: area.Area{}, Status: http.StatusCreated, Handle: ar.Create},
		{Method: "GET", Path: "/api/v1/areas/{code}", Summary: "An area, its ancestors and who serves it", Tag: "areas", Perm: access.AreasRead, Response: area.Detail{}, Handle: ar.Get},
		{Method: "PATCH", Path: "/api/v1/areas/{code}", Summary: "Rename an area", Tag: "areas", Perm: access.AreasWrite, Request: area.RenameRequest{}, Response: area.Area{}, Handle: ar.Rename},
		{Method: "POST", Path: "/api/v1/areas/{code}/close", Summary: "Close an area (its sub-areas must be closed first)", Tag: "areas", Perm: access.AreasWrite, Response: area.Area{}, Handle: ar.Close},
		{Method: "GET", Path: "/api/v1/areas/{code}/boundaries", Summary: "GeoJSON boundaries of the areas of one level below an area", Tag: "areas", Perm: access.AreasRead,
			Query: []Param{{Name: "level", Type: "string", Description: "community, grid (default) or microgrid"}}, ContentType: "application/geo+json", Handle: ar.Boundaries},
		{Method: "POST", Path: "/api/v1/areas/boundaries", Summary: "Import boundaries from a GeoJSON FeatureCollection (properties.code, properties.name); all or nothing", Tag: "areas", Perm: access.AreasWrite, Response: area.ImportResult{}, Handle: ar.ImportBoundaries},
		{Method: "GET", Path: "/api/v1/areas/{code}/duties", Summary: "Who is on duty in an area", Tag: "areas", Perm: access.AreasRead,
			Query: []Param{{Name: "below", Type: "boolean", Description: "include the subtree"}}, Handle: ar.Duties},
		{Method: "POST", Path: "/api/v1/areas/{code}/duties", Summary: "Put a user on duty (secretary, grid worker, head with its point/line/polygon)", Tag: "areas", Perm: access.DutyWrite, Request: area.DutyRequest{}, Status: http.StatusCreated, Handle: ar.AddDuty},
		{Method: "DELETE", Path: "/api/v1/duties/{id}", Summary: "End a duty", Tag: "areas", Perm: access.DutyWrite, Status: http.StatusNoContent, Handle: ar.RemoveDuty},
		{Method: "GET", Path: "/api/v1/locate", Summary: "The microgrid containing a point, with its chain of ancestors", Tag: "areas", Perm: access.AreasRead,
			Query: []Param{{Name: "lng", Type: "number", Required: true, Description: "longitude"}, {Name: "lat", Type: "number", Required: true, Description: "latitude"},
				{Name: "crs", Type: "string", Description: "wgs84 (default), gcj02 or bd09"}}, Response: area.Location{}, Handle: ar.Locate},
		{Method: "GET", Path: "/api/v1/units", Summary: "Units: area offices in scope and all departments", Tag: "areas", Perm: access.AreasRead, Query: []Param{areaParam}, Handle: ar.Units},
		{Method: "POST", Path: "/api/v1/units", Summary: "Create a unit", Tag: "areas", Perm: access.AreasWrite, Request: area.Unit{}, Response: area.Unit{}, Status: http.StatusCreated, Handle: ar.CreateUnit},
		{Method: "GET", Path: "/api/v1/stations", Summary: "Service stations in an area", Tag: "areas", Perm: access.AreasRead, Query: []Param{{Name: "area", Type: "string", Required: true, Description: "area code"}}, Handle: ar.Stations},
		{Method: "POST", Path: "/api/v1/stations", Summary: "Create a service station", Tag: "areas", Perm: access.AreasWrite, Request: area.Station{}, Response: area.Station{}, Status: http.StatusCreated, Handle: ar.CreateStation},

		// Cases
		{Method: "GET", Path: "/api/v1/case-categories", Summary: "The two-level case taxonomy with SLA and extra fields", Tag: "cases", Auth: user, Response: cases.CategoryList{}, Handle: cs.Categories},
		{Method: "POST", Path: "/api/v1/case-categories", Summary: "Create a case category", Tag: "cases", Perm: access.CasesConfig, Request: cases.Category{}, Response: cases.Category{}, Status: http.StatusCreated, Handle: cs.CreateCategory},
		{Method: "PUT", Path: "/api/v1/case-categories/{id}", Summary: "Change a case category", Tag: "cases", Perm: access.CasesConfig, Request: cases.Category{}, Response: cases.Category{}, Handle: cs.UpdateCategory},
		{Method: "POST", Path: "/api/v1/cases", Summary: "Report a case (Idempotency-Key header: a retry returns the first case with 200)", Tag: "cases", Perm: access.CasesReport, Request: cases.NewCase{}, Response: cases.Case{}, Status: http.StatusCreated, Handle: cs.Report},
		{Method: "GET", Path: "/api/v1/cases", Summary: "Cases visible to the caller, newest first", Tag: "cases", Auth: user,
			Query: []Param{{Name: "state", Type: "string"}, {Name: "category_id", Type: "integer"}, {Name: "level", Type: "string"}, {Name: "area", Type: "string"},
				{Name: "overdue", Type: "boolean"}, {Name: "channel", Type: "string"}, {Name: "from", Type: "string", Description: "reported from (date or RFC 3339)"},
				{Name: "to", Type: "string"}, {Name: "q", Type: "string", Description: "words in the title"}, {Name: "mine", Type: "string", Description: "assigned or reported"},
				{Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer", Description: "keyset pagination"}},
			Response: cases.ListResponse{}, Handle: cs.List},
		{Method: "GET", Path: "/api/v1/cases/stats", Summary: "Figures of an area and period: states, categories, overdue, handling time, satisfaction, the three rates", Tag: "cases", Perm: access.CasesRead,
			Query: []Param{areaParam, {Name: "from", Type: "string"}, {Name: "to", Type: "string"}}, Response: cases.Stats{}, Handle: cs.Stats},
		{Method: "GET", Path: "/api/v1/cases/{id}", Summary: "A case with its timeline, attachments and the caller's allowed actions", Tag: "cases", Auth: user, Response: cases.Case{}, Handle: cs.Get},
		{Method: "POST", Path: "/api/v1/cases/{id}/{action}", Summary: "Act on a case: accept, reject, merge, dispatch, start, resolve, verify, reopen, suspend, resume, escalate, hand_down, rate", Tag: "cases", Auth: user, Request: cases.ActionInput{}, Response: cases.Case{}, Handle: cs.Act},
		{Method: "GET", Path: "/api/v1/cases/{id}/duplicates", Summary: "Open cases of the same category near in space and time", Tag: "cases", Auth: user, Response: cases.DuplicateList{}, Handle: cs.Duplicates},
		{Method: "POST", Path: "/api/v1/cases/{id}/attachments", Summary: "Attach a photo or file (multipart field file; ?event_id= for a timeline step)", Tag: "cases", Auth: user, Response: attach.Attachment{}, Status: http.StatusCreated, Handle: cs.Upload},
		{Method: "GET", Path: "/api/v1/attachments/{id}", Summary: "An attachment's file", Tag: "cases", Auth: user, ContentType: "application/octet-stream", Handle: cs.Attachment},
		{Method: "GET", Path: "/api/v1/attachments/{id}/thumbnail", Summary: "An image attachment's thumbnail (JPEG, 320 px)", Tag: "cases", Auth: user, ContentType: "image/jpeg", Handle: cs.Thumbnail},
		{Method: "GET", Path: "/api/v1/notifications", Summary: "The caller's notifications (督办 and assignments)", Tag: "cases", Auth: user, Query: []Param{{Name: "unread", Type: "boolean"}}, Response: cases.NotificationList{}, Handle: cs.Notifications},
		{Method: "POST", Path: "/api/v1/notifications/{id}/read", Summary: "Mark a notification read", Tag: "cases", Auth: user, Status: http.StatusNoContent, Handle: cs.MarkRead},

		// Working-time calendar
		{Method: "GET", Path: "/api/v1/work-calendar", Summary: "Holidays, make-up workdays and working hours of a year", Tag: "cases", Auth: user, Query: []Param{{Name: "year", Type: "integer"}}, Handle: wt.ListDays},
		{Method: "PUT", Path: "/api/v1/work-calendar/days/{day}", Summary: "Mark a day a holiday or a workday", Tag: "cases", Perm: access.CasesConfig, Request: worktime.DayRequest{}, Handle: wt.PutDay},
		{Method: "DELETE", Path: "/api/v1/work-calendar/days/{day}", Summary: "Return a day to the ordinary week", Tag: "cases", Perm: access.CasesConfig, Status: http.StatusNoContent, Handle: wt.DeleteDay},
		{Method: "PUT", Path: "/api/v1/work-calendar/hours", Summary: "Set the working periods of a day", Tag: "cases", Perm: access.CasesConfig, Request: worktime.HoursRequest{}, Handle: wt.PutHours},

		// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): every resource as .json or .xml (a {segment}
		// carries its extension); errors in the spec's format [{code, description}], never problems.
		{Method: "GET", Path: "/open311/v2/discovery.json", Summary: "Open311 service discovery", Tag: "open311", Response: open311.Discovery{}, Handle: o.Discovery},
		{Method: "GET", Path: "/open311/v2/discovery.xml", Summary: "Open311 service discovery (XML)", Tag: "open311", ContentType: "text/xml", Handle: o.Discovery},
		{Method: "GET", Path: "/open311/v2/services.json", Summary: "Open311 services: the active case subcategories", Tag: "open311", Response: []open311.Service{}, Handle: o.Services},
		{Method: "GET", Path: "/open311/v2/services.xml", Summary: "Open311 services (XML)", Tag: "open311", ContentType: "text/xml", Handle: o.Services},
		{Method: "GET", Path: "/open311/v2/services/{service_code}", Summary: "Open311 service definition (service_code.json|.xml): the extra fields as attributes", Tag: "open311", Response: open311.Definition{}, Handle: o.ServiceDefinition},
		{Method: "POST", Path: "/open311/v2/requests.json", Summary: "Open311: file a case (form: api_key, service_code, lat+long | address_string | address_id, attribute[code], description…; Idempotency-Key header)", Tag: "open311", Response: []open311.Created{}, Status: http.StatusCreated, Handle: o.CreateRequest},
		{Method: "POST", Path: "/open311/v2/requests.xml", Summary: "Open311: file a case (XML)", Tag: "open311", ContentType: "text/xml", Status: http.StatusCreated, Handle: o.CreateRequest},
		{Method: "GET", Path: "/open311/v2/requests.json", Summary: "Open311: public side of the jurisdiction's cases, newest first; service_request_id, service_code, status (comma-separated), start_date, end_date (W3C; 90 days, 1000 at most)", Tag: "open311", Response: []open311.Request{}, Handle: o.Requests},
		{Method: "GET", Path: "/open311/v2/requests.xml", Summary: "Open311: public side of the jurisdiction's cases (XML)", Tag: "open311", ContentType: "text/xml", Handle: o.Requests},
		{Method: "GET", Path: "/open311/v2/requests/{service_request_id}", Summary: "Open311: one case, public side (service_request_id.json|.xml)", Tag: "open311", Response: []open311.Request{}, Handle: o.Request},
		{Method: "GET", Path: "/open311/v2/tokens/{token}", Summary: "Open311: a token's service_request_id (token.json|.xml; requests are immediate: the token is the id)", Tag: "open311", Response: []open311.TokenAnswer{}, Handle: o.Token},
		{Method: "GET", Path: "/open311/", Summary: "Any other Open311 path: 404 in the spec's error format", Tag: "open311", Handle: o.NotFound},
		{Method: "POST", Path: "/open311/", Summary: "Any other Open311 path: 404, or 405 for a GET resource, in the spec's error format", Tag: "open311", Handle: o.NotFound},
		{Method: "PUT", Path: "/open311/", Summary: "Open311 takes no PUT: 404/405 in the spec's error format", Tag: "open311", Handle: o.NotFound},
		{Method: "PATCH", Path: "/open311/", Summary: "Open311 takes no PATCH: 404/405 in the spec's error format", Tag: "open311", Handle: o.NotFound},
		{Method: "DELETE", Path: "/open311/", Summary: "Open311 takes no DELETE: 404/405 in the spec's error format", Tag: "open311", Handle: o.NotFound},

		// Registry (实有人口 · 实有房屋 · 一户一档): lists show ID and phone numbers masked; writes take "channel": console (default) or app.
		{Method: "GET", Path: "/api/v1/registry/buildings", Summary: "Buildings in the caller's scope, newest first", Tag: "registry", Perm: access.RegistryRead,
			Query:    []Param{areaParam, {Name: "q", Type: "string", Description: "words in the address or name"}, {Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer", Description: "keyset pagination"}},
			Response: registry.BuildingPage{}, Handle: rg.ListBuildings},
		{Method: "POST", Path: "/api/v1/registry/buildings", Summary: "Register a building in a microgrid (area_code, or placed by lng/lat)", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewBuilding{}, Response: registry.Building{}, Status: http.StatusCreated, Handle: rg.CreateBuilding},
		{Method: "GET", Path: "/api/v1/registry/buildings/{id}", Summary: "A building", Tag: "registry", Perm: access.RegistryRead, Response: registry.Building{}, Handle: rg.GetBuilding},
		{Method: "PATCH", Path: "/api/v1/registry/buildings/{id}", Summary: "Change a building (field-level history)", Tag: "registry", Perm: access.RegistryWrite, Request: registry.BuildingPatch{}, Response: registry.Building{}, Handle: rg.UpdateBuilding},
		{Method: "GET", Path: "/api/v1/registry/buildings/{id}/history", Summary: "A building's field-level history", Tag: "registry", Perm: access.RegistryRead, Response: registry.ChangeList{}, Handle: rg.BuildingHistory},
		{Method: "GET", Path: "/api/v1/registry/houses", Summary: "Houses in the caller's scope, newest first (usage=rented&occupied=false: rented houses with no registered occupant)", Tag: "registry", Perm: access.RegistryRead,
			Query: []Param{areaParam, {Name: "building_id", Type: "integer"}, {Name: "usage", Type: "string", Description: "owner_occupied, rented, vacant, business or other"},
				{Name: "occupied", Type: "boolean", Description: "someone registered lives there"}, {Name: "address", Type: "string", Description: "fragment of the address"},
				{Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer", Description: "keyset pagination"}},
			Response: registry.HousePage{}, Handle: rg.ListHouses},
		{Method: "POST", Path: "/api/v1/registry/houses", Summary: "Register a house in a building", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewHouse{}, Response: registry.House{}, Status: http.StatusCreated, Handle: rg.CreateHouse},
		{Method: "GET", Path: "/api/v1/registry/houses/{id}", Summary: "A house", Tag: "registry", Perm: access.RegistryRead, Response: registry.House{}, Handle: rg.GetHouse},
		{Method: "PATCH", Path: "/api/v1/registry/houses/{id}", Summary: "Change a house (field-level history)", Tag: "registry", Perm: access.RegistryWrite, Request: registry.HousePatch{}, Response: registry.House{}, Handle: rg.UpdateHouse},
		{Method: "GET", Path: "/api/v1/registry/houses/{id}/history", Summary: "A house's field-level history", Tag: "registry", Perm: access.RegistryRead, Response: registry.ChangeList{}, Handle: rg.HouseHistory},
		{Method: "GET", Path: "/api/v1/registry/households", Summary: "Households in the caller's scope, newest first", Tag: "registry", Perm: access.RegistryRead,
			Query:    []Param{areaParam, {Name: "house_id", Type: "integer"}, {Name: "include_closed", Type: "boolean"}, {Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer", Description: "keyset pagination"}},
			Response: registry.HouseholdPage{}, Handle: rg.ListHouseholds},
		{Method: "POST", Path: "/api/v1/registry/households", Summary: "Open a household in a house", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewHousehold{}, Response: registry.Household{}, Status: http.StatusCreated, Handle: rg.CreateHousehold},
		{Method: "GET", Path: "/api/v1/registry/households/{id}", Summary: "A household", Tag: "registry", Perm: access.RegistryRead, Response: registry.Household{}, Handle: rg.GetHousehold},
		{Method: "PATCH", Path: "/api/v1/registry/households/{id}", Summary: "Change a household's type or note", Tag: "registry", Perm: access.RegistryWrite, Request: registry.HouseholdPatch{}, Response: registry.Household{}, Handle: rg.UpdateHousehold},
		{Method: "POST", Path: "/api/v1/registry/households/{id}/close", Summary: "Close a household (注销); its members leave it today", Tag: "registry", Perm: access.RegistryWrite, Request: registry.CloseRequest{}, Response: registry.Household{}, Handle: rg.CloseHousehold},
		{Method: "POST", Path: "/api/v1/registry/households/{id}/members", Summary: "Put a person into a household (one household at a time: 409 already_in_household)", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewMember{}, Response: registry.Household{}, Handle: rg.AddMember},
		{Method: "POST", Path: "/api/v1/registry/households/{id}/members/{person_id}/leave", Summary: "A person moves out of a household", Tag: "registry", Perm: access.RegistryWrite, Request: registry.Leave{}, Response: registry.Household{}, Handle: rg.RemoveMember},
		{Method: "GET", Path: "/api/v1/registry/households/{id}/history", Summary: "A household's field-level history (members, head, appeals)", Tag: "registry", Perm: access.RegistryRead, Response: registry.ChangeList{}, Handle: rg.HouseholdHistory},
		{Method: "GET", Path: "/api/v1/registry/households/{id}/file", Summary: "The household file (一户一档): household, house, building, members (masked), appeals, visit notes, history", Tag: "registry", Perm: access.RegistryRead, Response: registry.HouseholdFile{}, Handle: rg.File},
		{Method: "POST", Path: "/api/v1/registry/households/{id}/appeals", Summary: "Record a livelihood appeal (民生诉求) in a household file", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewAppeal{}, Response: registry.Appeal{}, Status: http.StatusCreated, Handle: rg.AddAppeal},
		{Method: "POST", Path: "/api/v1/registry/households/{id}/visits", Summary: "Record a visit note in a household file", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewVisit{}, Response: registry.Visit{}, Status: http.StatusCreated, Handle: rg.AddVisit},
		{Method: "PATCH", Path: "/api/v1/registry/appeals/{id}", Summary: "Change an appeal's status", Tag: "registry", Perm: access.RegistryWrite, Request: registry.AppealPatch{}, Response: registry.Appeal{}, Handle: rg.UpdateAppeal},
		{Method: "POST", Path: "/api/v1/registry/appeals/{id}/case", Summary: "Turn an appeal into a case (console channel, the household's microgrid) and link it", Tag: "registry", Perm: access.RegistryWrite, Request: registry.AppealCase{}, Response: registry.AppealCaseResult{}, Status: http.StatusCreated, Handle: rg.AppealToCase},
		{Method: "GET", Path: "/api/v1/registry/persons", Summary: "Persons in the caller's scope, newest first, numbers masked", Tag: "registry", Perm: access.RegistryRead,
			Query: []Param{areaParam, {Name: "name", Type: "string", Description: "characters (prefix), full pinyin or initials"}, {Name: "id_number", Type: "string", Description: "exact"},
				{Name: "phone", Type: "string", Description: "exact"}, {Name: "address", Type: "string", Description: "fragment of the current address"}, {Name: "tag", Type: "string", Description: "tag code"},
				{Name: "residence_type", Type: "string", Description: "registered, resident, new_citizen or foreign"}, {Name: "status", Type: "string", Description: "living, moved_out or deceased"},
				{Name: "household_id", Type: "integer"}, {Name: "moved_in_within_days", Type: "integer", Description: "moved in within the last N days"},
				{Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer", Description: "keyset pagination"}},
			Response: registry.PersonPage{}, Handle: rg.ListPersons},
		{Method: "POST", Path: "/api/v1/registry/persons", Summary: "Register a person (409 person_exists when the ID number is on record; existing_id and existing_area_code only when that record is in the caller's scope)", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewPerson{}, Response: registry.Person{}, Status: http.StatusCreated, Handle: rg.CreatePerson},
		{Method: "GET", Path: "/api/v1/registry/persons/{id}", Summary: "A person, numbers masked", Tag: "registry", Perm: access.RegistryRead, Response: registry.Person{}, Handle: rg.GetPerson},
		{Method: "PATCH", Path: "/api/v1/registry/persons/{id}", Summary: "Change a person (field-level history, numbers recorded masked)", Tag: "registry", Perm: access.RegistryWrite, Request: registry.PersonPatch{}, Response: registry.Person{}, Handle: rg.UpdatePerson},
		{Method: "PUT", Path: "/api/v1/registry/persons/{id}/tags", Summary: "Set a person's tags", Tag: "registry", Perm: access.RegistryWrite, Request: registry.TagsRequest{}, Response: registry.Person{}, Handle: rg.SetTags},
		{Method: "POST", Path: "/api/v1/registry/persons/{id}/reveal", Summary: "Show a person's full ID and phone numbers (registry:read_pii over the person's area; audited)", Tag: "registry", Perm: access.RegistryPII,
			Query: []Param{{Name: "field", Type: "string", Description: "id_number or phone (default both)"}}, Response: registry.RevealedPII{}, Handle: rg.Reveal},
		{Method: "GET", Path: "/api/v1/registry/persons/{id}/history", Summary: "A person's field-level history", Tag: "registry", Perm: access.RegistryRead, Response: registry.ChangeList{}, Handle: rg.PersonHistory},
		{Method: "GET", Path: "/api/v1/registry/search", Summary: "Search box: an ID number, a phone number, a name in characters, pinyin or initials, or an address fragment", Tag: "registry", Perm: access.RegistryRead,
			Query:    []Param{{Name: "q", Type: "string", Required: true}, areaParam, {Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer", Description: "keyset pagination"}},
			Response: registry.SearchResult{}, Handle: rg.Search},
		{Method: "GET", Path: "/api/v1/registry/tags", Summary: "The managed tag list", Tag: "registry", Perm: access.RegistryRead, Response: registry.TagList{}, Handle: rg.Tags},
		{Method: "POST", Path: "/api/v1/registry/tags", Summary: "Add a tag", Tag: "registry", Perm: access.RegistryConfig, Request: registry.Tag{}, Response: registry.Tag{}, Status: http.StatusCreated, Handle: rg.SaveTag},
		{Method: "PUT", Path: "/api/v1/registry/tags/{id}", Summary: "Change a tag (name, sort, active); codes never change", Tag: "registry", Perm: access.RegistryConfig, Request: registry.Tag{}, Response: registry.Tag{}, Handle: rg.SaveTag},
		{Method: "GET", Path: "/api/v1/registry/stats/new-citizens", Summary: "Per community: new citizens living there, persons moved in within the last N days, rented houses with and without a registered occupant", Tag: "registry", Perm: access.RegistryRead,
			Query: []Param{areaParam, {Name: "days", Type: "integer", Description: "recent = moved in within this many days (default 30)"}}, Response: registry.NewCitizenStats{}, Handle: rg.NewCitizenStats},
		// Verification campaigns (摸排).
		{Method: "GET", Path: "/api/v1/registry/campaigns", Summary: "Verification campaigns (摸排) overlapping the caller's scope, newest first", Tag: "registry", Perm: access.RegistryRead,
			Query:    []Param{areaParam, {Name: "state", Type: "string", Description: "draft, active or closed"}, {Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer", Description: "keyset pagination"}},
			Response: registry.CampaignPage{}, Handle: rg.ListCampaigns},
		{Method: "POST", Path: "/api/v1/registry/campaigns", Summary: "Create a verification campaign over an area (registry:write over it) and a period", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewCampaign{}, Response: registry.Campaign{}, Status: http.StatusCreated, Handle: rg.CreateCampaign},
		{Method: "GET", Path: "/api/v1/registry/campaigns/{id}", Summary: "A verification campaign", Tag: "registry", Perm: access.RegistryRead, Response: registry.Campaign{}, Handle: rg.GetCampaign},
		{Method: "PATCH", Path: "/api/v1/registry/campaigns/{id}", Summary: "Change a campaign's name or period, or its state (draft → active → closed only; 409 otherwise)", Tag: "registry", Perm: access.RegistryWrite, Request: registry.CampaignPatch{}, Response: registry.Campaign{}, Handle: rg.UpdateCampaign},
		{Method: "POST", Path: "/api/v1/registry/campaigns/{id}/visits", Summary: "Record a house visit; its corrections and new persons go into the registry through the verification channel in the same transaction (409 when the campaign is not active)", Tag: "registry", Perm: access.RegistryWrite, Request: registry.NewCampaignVisit{}, Response: registry.CampaignVisit{}, Status: http.StatusCreated, Handle: rg.RecordVisit},
		{Method: "GET", Path: "/api/v1/registry/campaigns/{id}/houses/{house_id}/visits", Summary: "The visits of a house during a campaign: the current one first, then the earlier ones", Tag: "registry", Perm: access.RegistryRead, Response: registry.CampaignVisitList{}, Handle: rg.HouseVisits},
		{Method: "GET", Path: "/api/v1/registry/campaigns/{id}/figures", Summary: "Coverage, accuracy, corrections, new persons, vacant and nobody-home counts for an area of the campaign, in total and per child area", Tag: "registry", Perm: access.RegistryRead,
			Query: []Param{{Name: "area", Type: "string", Description: "area code inside the campaign's area (default: the campaign's area)"}}, Response: registry.CampaignReport{}, Handle: rg.CampaignFigures},
		{Method: "GET", Path: "/api/v1/registry/campaigns/{id}/unvisited", Summary: "Houses of the campaign's area not yet visited, newest first", Tag: "registry", Perm: access.RegistryRead,
			Query:    []Param{{Name: "area", Type: "string", Description: "area code inside the campaign's area"}, {Name: "limit", Type: "integer"}, {Name: "before_id", Type: "integer", Description: "keyset pagination"}},
			Response: registry.HousePage{}, Handle: rg.Unvisited},

		// Registry ledger import and export (xlsx/csv)
		{Method: "GET", Path: "/api/v1/registry/import/template.xlsx", Summary: "The persons ledger template (xlsx, Chinese headers, sheet 说明 explains each column)", Tag: "registry", Perm: access.RegistryWrite, ContentType: registry.XLSXType, Handle: s.imports.Template},
		{Method: "POST", Path: "/api/v1/registry/import", Summary: "Import a persons ledger (multipart: file .xlsx/.csv, mode all_or_nothing|valid_rows, area); 422 import_rejected with report_url when all_or_nothing meets invalid rows; 413 over the size limit; with Prefer: respond-async, 202 and the ImportJob (Location: /api/v1/registry/imports/{id})", Tag: "registry", Perm: access.RegistryWrite,
			Query:    []Param{{Name: "mode", Type: "string", Description: "all_or_nothing (default) or valid_rows"}, {Name: "area", Type: "string", Description: "microgrid for buildings not yet on record"}},
			Response: registry.ImportResult{}, Handle: s.imports.Import},
		{Method: "GET", Path: "/api/v1/registry/imports", Summary: "The caller's last 20 imports, newest first, with progress or outcome", Tag: "registry", Perm: access.RegistryWrite, Response: registry.ImportJobList{}, Handle: s.imports.Jobs},
		{Method: "GET", Path: "/api/v1/registry/imports/{id}", Summary: "An import of the caller's: progress while it runs (Retry-After: 1), then its result or the problem that ended it", Tag: "registry", Perm: access.RegistryWrite, Response: registry.ImportJob{}, Handle: s.imports.Job},
		{Method: "GET", Path: "/api/v1/registry/import/{id}/report.xlsx", Summary: "The error report of an import: the original rows with a reason column (the importing user, 24 hours)", Tag: "registry", Perm: access.RegistryWrite, ContentType: registry.XLSXType, Handle: s.imports.Report},
		{Method: "GET", Path: "/api/v1/registry/persons/export.xlsx", Summary: "Export persons as xlsx (the persons list's filters); numbers masked unless reveal=true with registry:read_pii; audited", Tag: "registry", Perm: access.RegistryRead,
			Query: []Param{areaParam, {Name: "name", Type: "string"}, {Name: "id_number", Type: "string"}, {Name: "phone", Type: "string"}, {Name: "address", Type: "string"}, {Name: "tag", Type: "string"},
				{Name: "residence_type", Type: "string"}, {Name: "status", Type: "string"}, {Name: "household_id", Type: "integer"}, {Name: "moved_in_within_days", Type: "integer"},
				{Name: "reveal", Type: "boolean", Description: "full ID and phone numbers (needs registry:read_pii)"}},
			ContentType: registry.XLSXType, Handle: rg.ExportPersons},
		{Method: "GET", Path: "/api/v1/registry/buildings/export.xlsx", Summary: "Export buildings as xlsx (the buildings list's filters); audited", Tag: "registry", Perm: access.RegistryRead,
			Query: []Param{areaParam, {Name: "q", Type: "string", Description: "words in the address or name"}}, ContentType: registry.XLSXType, Handle: rg.ExportBuildings},
		{Method: "GET", Path: "/api/v1/registry/houses/export.xlsx", Summary: "Export houses as xlsx (the houses list's filters); audited", Tag: "registry", Perm: access.RegistryRead,
			Query:       []Param{areaParam, {Name: "building_id", Type: "integer"}, {Name: "usage", Type: "string"}, {Name: "occupied", Type: "boolean"}, {Name: "address", Type: "string"}},
			ContentType: registry.XLSXType, Handle: rg.ExportHouses},
		{Method: "GET", Path: "/api/v1/registry/households/export.xlsx", Summary: "Export households as xlsx (the households list's filters); audited", Tag: "registry", Perm: access.RegistryRead,
			Query: []Param{areaParam, {Name: "house_id", Type: "integer"}, {Name: "include_closed", Type: "boolean"}}, ContentType: registry.XLSXType, Handle: rg.ExportHouseholds},
	}
}
