// Pure helpers of the case pages (no Vue, no DOM): state presentation, SLA
// durations, the category tree, extra-field validation, Asia/Shanghai times.
import type {
  CaseAction,
  CaseCategory,
  CaseChannel,
  CaseExtraValue,
  CaseField,
  CaseFieldType,
  CaseLevel,
  CaseRating,
  CaseState,
  UserSummary,
} from '@/api/types'

export const CASE_STATES: CaseState[] = [
  'reported',
  'accepted',
  'dispatched',
  'in_progress',
  'resolved',
  'closed',
  'reopened',
  'suspended',
  'rejected',
  'merged',
]
export const CASE_LEVELS: CaseLevel[] = ['grid', 'community', 'subdistrict', 'department']
export const CASE_CHANNELS: CaseChannel[] = ['console', 'hotline', 'app', 'resident', 'enterprise', 'open311']
export const CASE_RATINGS: CaseRating[] = ['satisfied', 'basic', 'unsatisfied']
export const FIELD_TYPES: CaseFieldType[] = ['text', 'number', 'date', 'single', 'multi']

/** Element Plus tag types. */
export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

interface StateStyle {
  tag: TagType
  /** Marker colour on maps (readable on the light grid fill). */
  color: string
  /** Open: still somebody's work. */
  open: boolean
}

const STATE_STYLE: Record<CaseState, StateStyle> = {
  reported: { tag: 'danger', color: '#d93026', open: true },
  accepted: { tag: 'warning', color: '#e6862e', open: true },
  dispatched: { tag: 'primary', color: '#1f5fbf', open: true },
  in_progress: { tag: 'primary', color: '#7b3fc4', open: true },
  resolved: { tag: 'success', color: '#11a683', open: true },
  closed: { tag: 'success', color: '#3a8f3a', open: false },
  reopened: { tag: 'danger', color: '#b8154a', open: true },
  suspended: { tag: 'info', color: '#8c939d', open: true },
  rejected: { tag: 'info', color: '#5f6670', open: false },
  merged: { tag: 'info', color: '#a3a9b2', open: false },
}

const UNKNOWN_STATE: StateStyle = { tag: 'info', color: '#909399', open: false }

/** Tag type, map colour and openness of a state (unknown states are grey and closed). */
export function stateStyle(state: string): StateStyle {
  return (STATE_STYLE as Record<string, StateStyle | undefined>)[state] ?? UNKNOWN_STATE
}

/** The i18n key of a state's label, or null for a state this console does not know. */
export function stateLabelKey(state: string | null | undefined): string | null {
  return state && state in STATE_STYLE ? `caseState.${state}` : null
}

export function isOpenState(state: string): boolean {
  return stateStyle(state).open
}

/** Actions that need a reason (the API rejects them without one). */
export const REASON_ACTIONS: CaseAction[] = ['reject', 'escalate', 'hand_down', 'suspend', 'reopen']

export function needsReason(action: CaseAction): boolean {
  return REASON_ACTIONS.includes(action)
}

/** Button styles of the actions on the case page, in display order. */
export const ACTION_ORDER: CaseAction[] = [
  'accept',
  'dispatch',
  'start',
  'resolve',
  'verify',
  'rate',
  'resume',
  'merge',
  'escalate',
  'hand_down',
  'suspend',
  'reopen',
  'reject',
]

export function actionButtonType(action: CaseAction): 'primary' | 'danger' | 'warning' | 'default' {
  switch (action) {
    case 'accept':
    case 'dispatch':
    case 'start':
    case 'resolve':
    case 'verify':
    case 'rate':
    case 'resume':
      return 'primary'
    case 'reject':
      return 'danger'
    case 'escalate':
    case 'suspend':
      return 'warning'
    default:
      return 'default'
  }
}

/** The allowed actions, in display order (unknown ones last, as given). */
export function sortActions(actions: readonly CaseAction[]): CaseAction[] {
  const rank = (a: CaseAction): number => {
    const i = ACTION_ORDER.indexOf(a)
    return i < 0 ? ACTION_ORDER.length : i
  }
  return [...actions].sort((a, b) => rank(a) - rank(b))
}

// ---------------------------------------------------------------- durations

/** Splits minutes into whole hours and the remaining minutes. */
export function splitMinutes(total: number): { hours: number; minutes: number } {
  const m = Math.max(0, Math.round(Number.isFinite(total) ? total : 0))
  return { hours: Math.floor(m / 60), minutes: m % 60 }
}

export function joinMinutes(hours: number | null | undefined, minutes: number | null | undefined): number {
  const h = Number.isFinite(hours) ? Math.max(0, Math.floor(hours as number)) : 0
  const m = Number.isFinite(minutes) ? Math.max(0, Math.floor(minutes as number)) : 0
  return h * 60 + m
}

/** "2小时30分钟" / "2 h 30 min"; whole hours drop the minutes and vice versa. */
export function formatMinutes(total: number, locale: string): string {
  const { hours, minutes } = splitMinutes(total)
  const zh = locale.toLowerCase().startsWith('zh')
  const parts: string[] = []
  if (hours > 0) parts.push(zh ? `${hours}小时` : `${hours} h`)
  if (minutes > 0 || hours === 0) parts.push(zh ? `${minutes}分钟` : `${minutes} min`)
  return parts.join(zh ? '' : ' ')
}

// ---------------------------------------------------------------- time (Asia/Shanghai)

export const CASE_TZ = 'Asia/Shanghai'

const dtFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: CASE_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** "2026-01-05 14:03" in Asia/Shanghai, or '' for nothing / garbage. */
export function formatDateTime(iso: string | null | undefined, withSeconds = false): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const p: Record<string, string> = {}
  for (const part of dtFormat.formatToParts(d)) p[part.type] = part.value
  const s = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
  if (!withSeconds) return s
  return `${s}:${String(Math.floor((d.getTime() / 1000) % 60)).padStart(2, '0')}`
}

/** The start of a calendar day ("YYYY-MM-DD") in Asia/Shanghai (UTC+8, no DST) as RFC 3339 UTC. */
export function shanghaiDayStart(day: string, addDays = 0): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return ''
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays, 0, 0, 0) - 8 * 3600_000
  return new Date(utc).toISOString().replace('.000Z', 'Z')
}

/** A day range picked in the UI → {from, to} for the API: from the first day's start to the end of the last day (exclusive). */
export function dayRangeToQuery(range: [string, string] | null | undefined): { from?: string; to?: string } {
  if (!range || !range[0] || !range[1]) return {}
  return { from: shanghaiDayStart(range[0]), to: shanghaiDayStart(range[1], 1) }
}

/** "2.3 km" / "350 m". */
export function formatDistance(m: number): string {
  if (!Number.isFinite(m)) return ''
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`
}

/** "1.2 MB" / "350 KB". */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return ''
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  return `${Math.max(1, Math.round(bytes / 1024))} KB`
}

// ---------------------------------------------------------------- categories

export interface CategoryNode extends CaseCategory {
  children: CategoryNode[]
}

function bySort(a: CaseCategory, b: CaseCategory): number {
  return a.sort - b.sort || a.id - b.id
}

/**
 * Two-level tree of categories: 大类 with their 小类, both ordered by sort
 * then id. A 小类 whose 大类 is missing becomes a root of its own, so nothing
 * configured is hidden.
 */
export function buildCategoryTree(items: readonly CaseCategory[]): CategoryNode[] {
  const parents = new Map<number, CategoryNode>()
  for (const c of items) if (c.parent_id === null) parents.set(c.id, { ...c, children: [] })
  const roots: CategoryNode[] = [...parents.values()]
  for (const c of items) {
    if (c.parent_id === null) continue
    const p = parents.get(c.parent_id)
    if (p) p.children.push({ ...c, children: [] })
    else roots.push({ ...c, children: [] })
  }
  roots.sort(bySort)
  for (const r of roots) r.children.sort(bySort)
  return roots
}

// A type alias (not an interface) so that it fits Element Plus's indexed option type.
export type CascaderOption = {
  value: number
  label: string
  disabled?: boolean
  children?: CascaderOption[]
}

/**
 * Cascader options 大类 → 小类. With `activeOnly`, inactive categories are left
 * out and 大类 without an active 小类 are dropped (a case can only be filed
 * under an active 小类).
 */
export function categoryOptions(tree: readonly CategoryNode[], en: boolean, activeOnly: boolean): CascaderOption[] {
  const label = (c: CaseCategory): string => (en && c.name_en ? c.name_en : c.name)
  const out: CascaderOption[] = []
  for (const p of tree) {
    if (activeOnly && !p.active) continue
    if (p.parent_id !== null) {
      // an orphan 小类
      out.push({ value: p.id, label: label(p) })
      continue
    }
    const children = p.children.filter((c) => !activeOnly || c.active).map((c) => ({ value: c.id, label: label(c) }))
    if (activeOnly && children.length === 0) continue
    out.push({ value: p.id, label: label(p), children })
  }
  return out
}

/** "矛盾纠纷 / 邻里纠纷" for a category id. */
export function categoryPath(items: readonly CaseCategory[], id: number | null | undefined, en = false): string {
  const c = items.find((x) => x.id === id)
  if (!c) return ''
  const name = (x: CaseCategory): string => (en && x.name_en ? x.name_en : x.name)
  const p = c.parent_id !== null ? items.find((x) => x.id === c.parent_id) : undefined
  return p ? `${name(p)} / ${name(c)}` : name(c)
}

// ---------------------------------------------------------------- extra fields

export type ExtraErrorRule = 'required' | 'number' | 'date' | 'option'

/** An empty value: nothing typed or chosen. */
export function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0)
}

/** Checks one value against its field; null when fine. */
export function checkExtraValue(field: CaseField, v: unknown): ExtraErrorRule | null {
  if (isEmptyValue(v)) return field.required ? 'required' : null
  switch (field.type) {
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN
      return Number.isFinite(n) ? null : 'number'
    }
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? null : 'date'
    case 'single':
      return typeof v === 'string' && field.options.includes(v) ? null : 'option'
    case 'multi':
      return Array.isArray(v) && v.every((x) => typeof x === 'string' && field.options.includes(x)) ? null : 'option'
    default:
      return typeof v === 'string' ? null : 'required'
  }
}

/** All problems of a set of extra values, keyed by field key. */
export function validateExtra(fields: readonly CaseField[], values: Record<string, unknown>): Record<string, ExtraErrorRule> {
  const out: Record<string, ExtraErrorRule> = {}
  for (const f of fields) {
    const rule = checkExtraValue(f, values[f.key])
    if (rule) out[f.key] = rule
  }
  return out
}

/** The extra object to send: known fields only, empties left out, numbers as numbers, text trimmed. */
export function normalizeExtra(fields: readonly CaseField[], values: Record<string, unknown>): Record<string, CaseExtraValue> {
  const out: Record<string, CaseExtraValue> = {}
  for (const f of fields) {
    const v = values[f.key]
    if (isEmptyValue(v)) continue
    if (f.type === 'number') out[f.key] = typeof v === 'number' ? v : Number(String(v).trim())
    else if (f.type === 'multi') out[f.key] = [...(v as string[])]
    else out[f.key] = String(v).trim()
  }
  return out
}

/** A stored extra value as text: arrays joined, booleans/numbers as is. */
export function formatExtraValue(v: unknown): string {
  if (isEmptyValue(v)) return ''
  if (Array.isArray(v)) return v.join('、')
  return String(v)
}

export type FieldDefRule = 'key_required' | 'key_pattern' | 'key_duplicate' | 'label_required' | 'options_required' | 'options_duplicate'

/** Problems of a category's field definitions, by index, for the field editor. */
export function validateFieldDefs(fields: readonly CaseField[]): Record<number, FieldDefRule[]> {
  const out: Record<number, FieldDefRule[]> = {}
  const seen = new Map<string, number>()
  fields.forEach((f, i) => {
    const errs: FieldDefRule[] = []
    const key = f.key.trim()
    if (!key) errs.push('key_required')
    else if (!/^[a-z][a-z0-9_]{0,39}$/.test(key)) errs.push('key_pattern')
    else if (seen.has(key)) errs.push('key_duplicate')
    else seen.set(key, i)
    if (!f.label.trim()) errs.push('label_required')
    if (f.type === 'single' || f.type === 'multi') {
      const opts = f.options.map((o) => o.trim()).filter(Boolean)
      if (opts.length === 0) errs.push('options_required')
      else if (new Set(opts).size !== opts.length) errs.push('options_duplicate')
    }
    if (errs.length) out[i] = errs
  })
  return out
}

/** Field definitions as stored: trimmed, options only for choice types. */
export function cleanFieldDefs(fields: readonly CaseField[]): CaseField[] {
  return fields.map((f) => ({
    key: f.key.trim(),
    label: f.label.trim(),
    label_en: f.label_en.trim(),
    type: f.type,
    required: f.required,
    options: f.type === 'single' || f.type === 'multi' ? f.options.map((o) => o.trim()).filter(Boolean) : [],
  }))
}

// ---------------------------------------------------------------- people

/** Roles whose holders handle cases (hold cases:handle); the dispatch picker offers only them. */
export const HANDLER_ROLES = new Set([
  'grid_worker',
  'community_staff',
  'community_secretary',
  'dispatcher',
  'subdistrict_admin',
  'department_handler',
])

/** Enabled accounts that can handle cases, grid workers first, then by name. */
export function handlerUsers(users: readonly UserSummary[]): UserSummary[] {
  const rank = (u: UserSummary): number => {
    const roles = u.roles.map((r) => r.role)
    if (roles.includes('grid_worker')) return 0
    if (roles.includes('community_staff') || roles.includes('community_secretary')) return 1
    return 2
  }
  return users
    .filter((u) => !u.disabled && u.roles.some((r) => HANDLER_ROLES.has(r.role)))
    .sort((a, b) => rank(a) - rank(b) || a.display_name.localeCompare(b.display_name, 'zh-CN'))
}

// ---------------------------------------------------------------- geometry

/** Bounding box [minLng, minLat, maxLng, maxLat] of GeoJSON polygon coordinates, any nesting. */
export function bboxOf(coords: unknown): [number, number, number, number] | null {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  const walk = (c: unknown): void => {
    if (!Array.isArray(c)) return
    if (c.length >= 2 && typeof c[0] === 'number' && typeof c[1] === 'number') {
      minX = Math.min(minX, c[0])
      maxX = Math.max(maxX, c[0])
      minY = Math.min(minY, c[1])
      maxY = Math.max(maxY, c[1])
      return
    }
    for (const x of c) walk(x)
  }
  walk(coords)
  return Number.isFinite(minX) ? [minX, minY, maxX, maxY] : null
}
