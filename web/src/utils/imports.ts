// Pure helpers of the ledger import page (no Vue, no DOM): what an import job
// shows (outcome, progress), the rejection message, the problems table, and
// how long to wait before asking for the job again.
import type { RegImportJob, RegImportResult } from '@/api/types'
import type { TagType } from './cases'

/**
 * What an import came to: still running; stored (every row went in); partial
 * (valid rows went in, invalid ones were reported); rejected (all-or-nothing
 * with invalid rows: nothing stored); empty (nothing to store: no rows, or
 * every row invalid in valid-rows mode); failed (the file could not be
 * imported — unreadable, missing columns, a restart…).
 */
export type ImportOutcome = 'running' | 'stored' | 'partial' | 'rejected' | 'empty' | 'failed'

/** An all-or-nothing import refused because of invalid rows. */
export function isRejected(r: RegImportResult): boolean {
  return r.mode === 'all_or_nothing' && !r.stored && r.invalid > 0
}

export function resultOutcome(r: RegImportResult): Exclude<ImportOutcome, 'running' | 'failed'> {
  if (isRejected(r)) return 'rejected'
  if (r.stored) return r.invalid > 0 ? 'partial' : 'stored'
  // Rows that matched persons on record unchanged still count as updated.
  return r.imported + r.updated > 0 ? 'stored' : 'empty'
}

export function jobOutcome(job: RegImportJob): ImportOutcome {
  if (job.state === 'running') return 'running'
  if (job.state === 'failed' || !job.result) return 'failed'
  return resultOutcome(job.result)
}

const OUTCOME_TAG: Record<ImportOutcome, TagType> = {
  running: 'primary',
  stored: 'success',
  partial: 'warning',
  rejected: 'danger',
  empty: 'info',
  failed: 'danger',
}

/** The Element Plus tag type of an outcome. */
export function outcomeTag(o: ImportOutcome): TagType {
  return OUTCOME_TAG[o]
}

function clampPercent(n: number): number {
  return Math.min(100, Math.max(0, Math.floor(n)))
}

/**
 * The progress bar's percentage of a job: what the server says while it runs
 * (null when it cannot tell, e.g. a workbook: the bar is then indeterminate),
 * 100 once done, null when it failed.
 */
export function jobPercent(job: RegImportJob): number | null {
  if (job.state === 'done') return 100
  if (job.state === 'failed') return null
  return typeof job.percent === 'number' && Number.isFinite(job.percent) ? clampPercent(job.percent) : null
}

/** The percentage of an upload (0 when the total is unknown). */
export function uploadPercent(loaded: number, total: number): number {
  if (!(total > 0) || !Number.isFinite(loaded)) return 0
  return clampPercent((loaded * 100) / total)
}

export const POLL_MS = 500
const MAX_POLL_MS = 5000

/**
 * How long to wait before asking for a running job again: about POLL_MS.
 * Retry-After is honoured loosely — the server's "1" (second) is the pace it
 * sends for every running job, so only a longer one slows the polling down,
 * to half of it, at most 5 s. An HTTP-date or garbage is ignored.
 */
export function pollDelay(retryAfter: string | null | undefined): number {
  const s = retryAfter?.trim() ? Number(retryAfter.trim()) : NaN
  if (!Number.isFinite(s) || s <= 0) return POLL_MS
  return Math.min(MAX_POLL_MS, Math.max(POLL_MS, (s * 1000) / 2))
}

/** Puts a job into the list of recent imports (newest first): replaces the one with its id, or adds it on top. */
export function mergeJob(list: readonly RegImportJob[], job: RegImportJob, max = 20): RegImportJob[] {
  const i = list.findIndex((j) => j.id === job.id)
  if (i >= 0) return list.map((j, k) => (k === i ? job : j))
  return [job, ...list].slice(0, max)
}

export interface ProblemRow {
  line: number
  column: string
  rule: string
  detail: string
}

/** One table row per broken rule, in Chinese (detail_zh) or English. */
export function problemRows(r: RegImportResult | null | undefined, zh: boolean): ProblemRow[] {
  return (r?.problems ?? []).flatMap((row) =>
    row.problems.map((p) => ({ line: row.line, column: p.column, rule: p.rule, detail: (zh && p.detail_zh) || p.detail })),
  )
}

type Translate = (key: string, params: Record<string, unknown>) => string

/**
 * The message of a rejected import, composed from its counts (the
 * asynchronous API no longer answers the 422 problem that held it).
 */
export function rejectionMessage(r: RegImportResult, t: Translate): string {
  return t('work.rejectedDetail', { rows: r.rows, invalid: r.invalid })
}
