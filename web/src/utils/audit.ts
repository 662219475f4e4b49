// The audit page's pieces that are not layout: the actions offered in the
// filter, their labels, the query the filters make and the detail as text.
import type { AuditFilter } from '@/api/types'

/** The actions offered in the filter's select (any other code can be typed in). */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.totp_failed',
  'auth.logout',
  'auth.password_change',
  'auth.totp_enrol',
  'auth.totp_disable',
  'user.create',
  'user.grant',
  'user.set_password',
  'user.totp_reset',
  'apikey.create',
  'apikey.revoke',
  'pii.reveal',
  'registry.export',
  'area.create',
  'area.rename',
  'area.close',
  'area.set_boundary',
  'area.import_boundaries',
  'duty.add',
  'duty.remove',
  'unit.create',
  'station.create',
  'category.create',
  'category.update',
  'campaign.create',
  'campaign.update',
  'audit.purge',
] as const

/**
 * The i18n key of an action's label. vue-i18n reads dots in a key as a path,
 * so the code's dots become underscores ("auth.login" → audit.actions.auth_login).
 */
export function actionLabelKey(action: string): string {
  return 'audit.actions.' + action.replace(/\./g, '_')
}

/** An action's label, or the raw code when there is none (te: whether the key exists). */
export function actionLabel(action: string, t: (key: string) => string, te: (key: string) => boolean): string {
  const key = actionLabelKey(action)
  return /^[a-z0-9_.]+$/i.test(action) && te(key) ? t(key) : action
}

/** The filters as the query of /audit: trimmed, empty ones left out. */
export interface AuditFilterForm {
  actor: string
  action: string
  object: string
  days: [string, string] | null
  area: string
}

export function auditQuery(f: AuditFilterForm): AuditFilter {
  const q: AuditFilter = {}
  const actor = f.actor.trim()
  const action = f.action.trim()
  const object = f.object.trim()
  if (actor) q.actor = actor
  if (action) q.action = action
  if (object) q.object = object
  if (f.days?.[0]) q.from = f.days[0]
  if (f.days?.[1]) q.to = f.days[1]
  if (f.area) q.area = f.area
  return q
}

/**
 * An entry's detail as lines of "key: value" text, shown as text (never as
 * HTML): nested values as compact JSON, nothing for an empty detail.
 */
export function detailLines(detail: unknown): string[] {
  if (detail === null || detail === undefined) return []
  if (typeof detail !== 'object' || Array.isArray(detail)) return [valueText(detail)]
  return Object.entries(detail as Record<string, unknown>)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${valueText(v)}`)
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}
