// Display helpers: times are stored in UTC and shown in China time.
import type { CaseState } from '../api/types'

const parts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** "2026-05-04 14:05" in Asia/Shanghai; '' for no time. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const p = Object.fromEntries(parts.formatToParts(d).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** Today's date in China, "YYYY-MM-DD". */
export function todayInChina(now = new Date()): string {
  return formatTime(now.toISOString()).slice(0, 10)
}

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

export function stateTagType(state: CaseState | string): TagType {
  switch (state) {
    case 'closed':
      return 'success'
    case 'resolved':
      return 'success'
    case 'in_progress':
    case 'dispatched':
      return 'primary'
    case 'reported':
    case 'accepted':
    case 'reopened':
      return 'warning'
    case 'rejected':
      return 'danger'
    default:
      return 'default'
  }
}

/** States in which the case still waits for someone. */
export function isOpen(state: CaseState | string): boolean {
  return !['closed', 'rejected', 'merged'].includes(state)
}
