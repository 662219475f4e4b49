// Types of the API calls the phone apps make (a subset of /api/v1, kept here
// so that the mobile bundle does not depend on the console's files).

export interface MRoleBinding {
  role: string
  area_code: string
  area_name: string
}

export interface MUser {
  id: number
  username: string
  display_name: string
  roles: MRoleBinding[]
  permissions: string[]
  /** An admin-set or expired password: it must be changed before anything else. */
  must_change_password?: boolean
  totp_enabled?: boolean
  /** The policy requires a second factor for the user's roles (enrol before anything else when off). */
  totp_required?: boolean
}

/** A login: the password, and the second factor when the account has one. */
export interface MLoginInput {
  username: string
  password: string
  totp_code?: string
  recovery_code?: string
}

export interface MSession {
  user: MUser
  csrf_token: string
}

export type MAreaLevel = 'district' | 'subdistrict' | 'community' | 'grid' | 'microgrid'

export interface MArea {
  code: string
  name: string
  level: MAreaLevel | string
  parent_code: string | null
}

export interface MLocateResult {
  microgrid: MArea
  chain: MArea[]
}

export type FieldType = 'text' | 'number' | 'date' | 'single' | 'multi'

export interface CategoryField {
  key: string
  label: string
  label_en: string
  type: FieldType
  required: boolean
  /** The choices of single/multi fields (null or empty for the others). */
  options: string[] | null
}

export interface Category {
  id: number
  code: string
  parent_id: number | null
  name: string
  name_en: string
  default_level: string
  active: boolean
  dispute: boolean
  sort: number
  resolve_minutes: number
  fields: CategoryField[]
}

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

export type Rating = 'satisfied' | 'basic' | 'unsatisfied'

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

export type Channel = 'console' | 'hotline' | 'app' | 'resident' | 'enterprise'

export type ExtraValue = string | number | string[]

export interface CaseInput {
  category_id: number
  title: string
  description: string
  lng?: number
  lat?: number
  crs?: 'wgs84'
  area_code?: string
  address?: string
  channel: Channel
  extra?: Record<string, ExtraValue>
}

export interface CaseSummary {
  id: number
  token: string
  title: string
  state: CaseState
  level: string
  channel: string
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
  rating: Rating | null
}

export interface CaseEvent {
  id: number
  at: string
  actor_name: string
  action: string
  from_state: string | null
  to_state: string
  level: string
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
  url: string
  thumbnail_url: string
  created_at: string
}

export interface CaseDetail extends CaseSummary {
  description: string
  reporter_name: string
  reporter_phone_masked: string
  assignee_unit_name: string
  extra: Record<string, unknown>
  accepted_at: string | null
  resolved_at: string | null
  closed_at: string | null
  rated_at: string | null
  category: Category | null
  allowed_actions: CaseAction[]
  timeline: CaseEvent[]
  attachments: Attachment[]
}

export interface CaseList {
  items: CaseSummary[]
  next_before_id: number | null
}

export interface ActionInput {
  note?: string
  reason?: string
  passed?: boolean
  rating?: Rating
  reopen?: boolean
}
