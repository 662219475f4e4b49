// Types of the Tongxin HTTP API (/api/v1). Keep in step with the Go handlers.

export type RoleCode =
  | 'system_admin'
  | 'subdistrict_admin'
  | 'dispatcher'
  | 'community_secretary'
  | 'community_staff'
  | 'grid_worker'
  | 'head'
  | 'department_handler'
  | 'enterprise_cadre'
  | 'volunteer_manager'
  | 'leader'
  | 'resident'
  | 'enterprise_user'

export interface RoleBinding {
  role: RoleCode | string
  area_code: string
  area_name: string
}

export interface User {
  id: number
  username: string
  display_name: string
  roles: RoleBinding[]
  permissions: string[]
  /** Per permission, the area codes it holds over. */
  permission_areas?: Record<string, string[]>
  /** The password was set by an admin or has expired: it must be changed before anything else. */
  must_change_password?: boolean
  totp_enabled?: boolean
  /** The policy requires a second factor for the user's roles (enrol before anything else when not enabled). */
  totp_required?: boolean
  password_expires_at?: string | null
}

export interface Session {
  user: User
  csrf_token: string
}

/** A login: the password, and the second factor when the account has one. */
export interface LoginInput {
  username: string
  password: string
  totp_code?: string
  recovery_code?: string
}

/** The start of a TOTP enrolment: the secret, as text and as a QR code (a data: URL of a PNG). */
export interface TotpEnrolment {
  secret: string
  otpauth_url: string
  qr_png: string
}

/** What confirming an enrolment answers: the recovery codes, shown once. */
export interface TotpConfirmed {
  recovery_codes: string[]
}

/** One entry of the audit log. */
export interface AuditEntry {
  id: number
  at: string
  actor: string
  action: string
  object: string
  area_code: string | null
  source_ip: string | null
  detail: unknown
}

export interface AuditPage {
  items: AuditEntry[]
  next_before_id: number | null
}

/** The audit page's filters (empty ones are left out of the query). */
export interface AuditFilter {
  actor?: string
  action?: string
  object?: string
  /** YYYY-MM-DD, both ends included. */
  from?: string
  to?: string
  area?: string
}

export type AreaLevel = 'district' | 'subdistrict' | 'community' | 'grid' | 'microgrid'

export interface Area {
  code: string
  name: string
  level: AreaLevel
  parent_code: string | null
  valid_from: string
  valid_to: string | null
}

export interface AreaList {
  items: Area[]
}

export interface Person {
  user_id: number | null
  name: string
  phone_masked: string
}

export type HeadKind = 'building' | 'road' | 'area'

export interface Head {
  kind: HeadKind | string
  name: string
  phone_masked: string
}

export interface Station {
  name: string
  address: string
}

export interface Duty {
  secretary: Person | null
  grid_workers: Person[]
  heads: Head[]
  station: Station | null
}

export interface AreaDetail {
  area: Area
  ancestors: Area[]
  duty: Duty
}

export interface BoundaryProperties {
  code: string
  name: string
  level: AreaLevel
  parent_code: string | null
  community_code: string
  community_name: string
}

export type Position = number[]

export interface PolygonGeometry {
  type: 'Polygon'
  coordinates: Position[][]
}

export interface MultiPolygonGeometry {
  type: 'MultiPolygon'
  coordinates: Position[][][]
}

export interface BoundaryFeature {
  type: 'Feature'
  id?: string | number
  properties: BoundaryProperties
  geometry: PolygonGeometry | MultiPolygonGeometry
}

export interface BoundaryCollection {
  type: 'FeatureCollection'
  features: BoundaryFeature[]
}

export type Crs = 'wgs84' | 'gcj02' | 'bd09'

export interface LocateResult {
  microgrid: Area
  chain: Area[]
}

export interface UiSettings {
  tile_url: string
  tile_attribution: string
}

export interface FieldError {
  field: string
  rule: string
  detail: string
  detail_zh?: string
}

// RFC 9457 problem details, with the Tongxin extensions.
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  detail_zh?: string
  code?: string
  errors?: FieldError[]
}

// ---------------------------------------------------------------- cases (DESIGN §5.2)

export type CaseState =
  | 'reported'
  | 'accepted'
  | 'rejected'
  | 'merged'
  | 'dispatched'
  | 'in_progress'
  | 'resolved'
  | 'closed'
  | 'reopened'
  | 'suspended'

/** Who handles a case. */
export type CaseLevel = 'grid' | 'community' | 'subdistrict' | 'department'

export type CaseChannel = 'console' | 'hotline' | 'app' | 'resident' | 'enterprise' | 'open311'

export type CaseAction =
  | 'accept'
  | 'reject'
  | 'merge'
  | 'dispatch'
  | 'start'
  | 'resolve'
  | 'verify'
  | 'reopen'
  | 'suspend'
  | 'resume'
  | 'escalate'
  | 'hand_down'
  | 'rate'

export type CaseRating = 'satisfied' | 'basic' | 'unsatisfied'

export type SlaClock = 'working' | 'calendar'

export type CaseFieldType = 'text' | 'number' | 'date' | 'single' | 'multi'

/** An extra field that a category asks for; values go to case.extra[key]. */
export interface CaseField {
  key: string
  label: string
  label_en: string
  type: CaseFieldType
  required: boolean
  options: string[]
}

/** A case category: 大类 (parent_id null) or 小类; cases are filed under a 小类. */
export interface CaseCategory {
  id: number
  code: string
  parent_id: number | null
  name: string
  name_en: string
  default_level: CaseLevel
  department_unit_id: number | null
  department_unit_name: string
  accept_minutes: number
  resolve_minutes: number
  sla_clock: SlaClock
  auto_escalate: boolean
  dispute: boolean
  active: boolean
  sort: number
  fields: CaseField[]
}

export type CaseCategoryInput = Omit<CaseCategory, 'id' | 'department_unit_name'>

export interface CaseCategoryList {
  items: CaseCategory[]
}

export type UnitKind = 'area_office' | 'department'

export interface Unit {
  id: number
  code: string
  name: string
  kind: UnitKind
  area_code: string
}

export interface UnitList {
  items: Unit[]
}

/** An account as listed by GET /users. */
export interface UserSummary {
  id: number
  username: string
  display_name: string
  phone_masked: string
  unit_id: number | null
  disabled: boolean
  roles: { role: RoleCode | string; area_code: string; area_name?: string }[]
}

export interface UserList {
  items: UserSummary[]
}

export interface CaseSummary {
  id: number
  token: string
  title: string
  state: CaseState
  level: CaseLevel
  channel: CaseChannel
  category_id: number
  category_name: string
  area_code: string
  area_name: string
  community_name: string
  lng: number | null
  lat: number | null
  address: string
  overdue: boolean
  reported_at: string
  resolve_due_at: string | null
  assignee_name: string
  rating: CaseRating | null
}

export interface CaseDuplicate extends CaseSummary {
  distance_m: number
}

export interface CaseEvent {
  id: number
  at: string
  actor_name: string
  action: CaseAction | 'report' | 'overdue' | 'auto_escalate' | string
  from_state: CaseState | null
  to_state: CaseState
  level: CaseLevel
  note: string
  data: Record<string, unknown>
}

export interface Attachment {
  id: number
  case_id: number
  event_id: number | null
  filename: string
  content_type: string
  size: number
  width: number | null
  height: number | null
  url: string
  thumbnail_url: string
  created_at: string
}

export type CaseExtraValue = string | number | string[]

export interface CaseDetail extends CaseSummary {
  description: string
  max_level: CaseLevel
  closed_level: CaseLevel | null
  escalations: number
  reporter_name: string
  reporter_phone_masked: string
  assignee_user_id: number | null
  assignee_unit_id: number | null
  assignee_unit_name: string
  extra: Record<string, CaseExtraValue | null>
  merged_into_id: number | null
  accept_due_at: string | null
  accepted_at: string | null
  resolved_at: string | null
  closed_at: string | null
  rated_at: string | null
  category: CaseCategory
  allowed_actions: CaseAction[]
  timeline: CaseEvent[]
  attachments: Attachment[]
}

export interface CaseListParams {
  state?: string
  category_id?: number
  level?: string
  area?: string
  overdue?: boolean
  channel?: string
  /** RFC 3339 */
  from?: string
  /** RFC 3339 */
  to?: string
  q?: string
  mine?: 'assigned' | 'reported'
  limit?: number
  before_id?: number
}

export interface CaseList {
  items: CaseSummary[]
  next_before_id: number | null
}

export interface CaseInput {
  category_id: number
  title: string
  description: string
  lng?: number
  lat?: number
  crs?: Crs
  area_code?: string
  address?: string
  channel: CaseChannel
  reporter_name?: string
  reporter_phone?: string
  extra?: Record<string, CaseExtraValue>
}

export interface CaseActionInput {
  note?: string
  reason?: string
  assignee_user_id?: number
  assignee_unit_id?: number
  target_id?: number
  passed?: boolean
  rating?: CaseRating
  reopen?: boolean
}

export interface CaseStats {
  total: number
  by_state: Partial<Record<CaseState, number>>
  by_category: { category_id: number; name: string; count: number }[]
  overdue: number
  avg_handle_hours: number
  satisfaction: { satisfied: number; basic: number; unsatisfied: number; rate: number }
  rates: { community: number; subdistrict: number; disputes: number }
}

export interface AppNotification {
  id: number
  case_id: number | null
  kind: string
  title: string
  body: string
  created_at: string
  read_at: string | null
}

export interface NotificationList {
  items: AppNotification[]
  unread: number
}

// ---------------------------------------------------------------- registry (DESIGN §5.3)

export type RegChannel = 'console' | 'app' | 'import' | 'verification'

export interface RegBuilding {
  id: number
  area_code: string
  area_name: string
  name: string
  address: string
  lng: number | null
  lat: number | null
  floors: number
  units: number
  head_user_id: number | null
  head_name: string
  houses: number
  created_at: string
  updated_at: string
}

export interface RegHouse {
  id: number
  building_id: number
  building_name: string
  area_code: string
  unit: string
  floor: number | null
  room: string
  address: string
  usage: string
  floor_area: string
  owner_name: string
  households: number
  occupants: number
  created_at: string
  updated_at: string
}

export interface RegHousehold {
  id: number
  house_id: number
  house_address: string
  area_code: string
  household_type: string
  head_person_id: number | null
  head_name: string
  members: number
  note: string
  created_at: string
  closed_at: string | null
  updated_at: string
}

export interface RegTagRef {
  code: string
  name: string
}

export interface RegTag {
  id: number
  code: string
  name: string
  name_en: string
  active: boolean
  sort: number
}

export interface RegPerson {
  id: number
  area_code: string
  household_id: number | null
  relationship: string
  address: string
  name: string
  name_pinyin: string
  name_initials: string
  id_type: string
  id_number_masked: string
  gender: string
  birth_date: string | null
  phone_masked: string
  ethnicity: string
  residence_type: string
  hukou_address: string
  moved_in_on: string | null
  status: string
  origin: string
  employer: string
  tenancy: string
  lease_ends_on: string | null
  note: string
  tags: RegTagRef[]
  created_at: string
  updated_at: string
}

export interface RegNewPerson {
  name: string
  id_type?: string
  id_number?: string
  gender?: string
  birth_date?: string
  phone?: string
  ethnicity?: string
  residence_type: string
  hukou_address?: string
  origin?: string
  employer?: string
  moved_in_on?: string
  tenancy?: string
  lease_ends_on?: string
  note?: string
  tags?: string[]
  area_code?: string
  household_id?: number
  relationship?: string
  joined_on?: string
  channel?: RegChannel
}

/** A person's change: absent fields stay, "" clears an optional one. */
export interface RegPersonPatch {
  name?: string
  id_type?: string
  id_number?: string
  gender?: string
  birth_date?: string
  phone?: string
  ethnicity?: string
  residence_type?: string
  hukou_address?: string
  moved_in_on?: string
  status?: string
  origin?: string
  employer?: string
  tenancy?: string
  lease_ends_on?: string
  note?: string
  channel?: RegChannel
}

export interface RegNewBuilding {
  area_code?: string
  name?: string
  address: string
  lng?: number
  lat?: number
  crs?: 'wgs84' | 'gcj02' | 'bd09'
  floors?: number
  units?: number
  channel?: RegChannel
}

export interface RegBuildingPatch {
  name?: string
  address?: string
  lng?: number
  lat?: number
  crs?: 'wgs84' | 'gcj02' | 'bd09'
  floors?: number
  units?: number
  channel?: RegChannel
}

export interface RegNewHouse {
  building_id: number
  unit?: string
  floor?: number
  room?: string
  address?: string
  usage: string
  floor_area?: string
  owner_name?: string
  channel?: RegChannel
}

export type RegHousePatch = Partial<Omit<RegNewHouse, 'building_id'>>

export interface RegNewHousehold {
  house_id: number
  household_type: string
  note?: string
  channel?: RegChannel
}

export interface RegHouseholdPatch {
  household_type?: string
  note?: string
  channel?: RegChannel
}

export interface RegNewMember {
  person_id: number
  relationship: string
  joined_on?: string
  channel?: RegChannel
}

export interface RegMember {
  person_id: number
  name: string
  relationship: string
  joined_on: string
  left_on: string | null
  gender: string
  birth_date: string | null
  id_number_masked: string
  phone_masked: string
  residence_type: string
  status: string
}

export interface RegChange {
  id: number
  entity: string
  entity_id: number
  field: string
  from: string | null
  to: string | null
  actor_name: string
  channel: RegChannel
  at: string
}

export interface RegAppeal {
  id: number
  household_id: number
  area_code: string
  content: string
  raised_on: string
  status: string
  case_id: number | null
  case_state: string
  created_at: string
  updated_at: string
}

export interface RegVisit {
  id: number
  household_id: number
  visited_on: string
  visitor_name: string
  note: string
  channel: RegChannel
  created_at: string
}

export interface RegHouseholdFile {
  household: RegHousehold
  house: RegHouse
  building: RegBuilding
  members: RegMember[]
  appeals: RegAppeal[]
  visits: RegVisit[]
  history: RegChange[]
}

export interface RegPage<T> {
  items: T[]
  next_before_id: number | null
}

export interface RegRevealed {
  id_number?: string
  phone?: string
}

export interface RegCommunityFigures {
  code: string
  name: string
  new_citizens: number
  moved_in_recently: number
  rented_houses: number
  rented_unoccupied: number
}

export interface RegNewCitizenStats {
  area: string
  days: number
  since: string
  communities: RegCommunityFigures[]
  total: RegCommunityFigures
}

export interface RegSearchResult extends RegPage<RegPerson> {
  matched_by: string
}

// ---------------------------------------------------------------- registry: import and campaigns (摸排)

export interface RegRowProblem {
  column: string
  rule: string
  detail: string
  detail_zh: string
}

export interface RegRowReport {
  line: number
  problems: RegRowProblem[]
}

export type RegImportMode = 'all_or_nothing' | 'valid_rows'

export interface RegImportResult {
  mode: RegImportMode
  rows: number
  imported: number
  updated: number
  invalid: number
  stored: boolean
  report_url?: string
  problems?: RegRowReport[]
}

export type RegImportJobState = 'running' | 'done' | 'failed'

/**
 * A ledger import run by the server (POST /registry/import with
 * Prefer: respond-async, then GET /registry/imports/{id}). While it runs, rows
 * and bytes_read grow; percent is null when the length is not known (xlsx).
 * When done, result holds the outcome — in all_or_nothing mode with invalid
 * rows, result.stored is false and nothing went in; when failed, problem says
 * why.
 */
export interface RegImportJob {
  id: string
  file_name: string
  mode: RegImportMode
  area?: string
  state: RegImportJobState
  rows: number
  bytes_read: number
  bytes_total: number
  percent: number | null
  result?: RegImportResult
  problem?: Problem
  /** The error report, while it can be downloaded (24 hours). */
  report_url?: string
  created_at: string
  finished_at: string | null
}

export type RegCampaignState = 'draft' | 'active' | 'closed'

export interface RegCampaign {
  id: number
  area_code: string
  area_name: string
  name: string
  starts_on: string
  ends_on: string
  state: RegCampaignState
  creator_name: string
  created_at: string
  activated_at: string | null
  closed_at: string | null
  updated_at: string
}

export interface RegNewCampaign {
  area_code: string
  name: string
  starts_on: string
  ends_on: string
  state?: RegCampaignState
}

export interface RegCampaignFigures {
  code: string
  name: string
  houses: number
  visited: number
  coverage: number
  records_checked: number
  records_confirmed: number
  accuracy: number
  corrections: number
  new_persons: number
  vacant: number
  nobody_home: number
}

export interface RegCampaignReport {
  campaign_id: number
  area: string
  total: RegCampaignFigures
  children: RegCampaignFigures[]
}

export type RegVisitOutcome = 'confirmed' | 'corrected' | 'new_person' | 'vacant' | 'nobody_home'

export interface RegPersonCorrection {
  person_id: number
  phone?: string
  residence_type?: string
  name?: string
  status?: string
  note?: string
}

export interface RegNewCampaignVisit {
  house_id: number
  door_knocked: boolean
  entered: boolean
  persons_asked: number
  outcome: RegVisitOutcome
  note?: string
  corrections?: RegPersonCorrection[]
  new_persons?: RegNewPerson[]
}

export interface RegCampaignVisit {
  id: number
  campaign_id: number
  house_id: number
  area_code: string
  address: string
  door_knocked: boolean
  entered: boolean
  persons_asked: number
  outcome: RegVisitOutcome
  note: string
  records_checked: number
  records_confirmed: number
  corrections: number
  new_persons: number
  current: boolean
  visited_at: string
  visitor_name: string
  corrected_person_ids: number[] | null
  new_person_ids: number[] | null
}
