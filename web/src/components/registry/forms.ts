// What the registry's edit dialogs share: minimal patches, the split of a
// server problem into field errors and a message, and the client-side rules
// that catch typing mistakes before a round trip (the server checks again).
import { ApiError } from '@/api/client'
import type { Problem } from '@/api/types'
import { fieldErrors, problemMessage } from '@/utils/problem'

/** Mainland mobile or landline number, as the server accepts it (spaces and +86 aside). */
export const PHONE_RE = /^(\+?86-?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/
/** The shape of a resident ID number (18 digits or 17 + X, or the legacy 15); the server checks the check digit, date and region. */
export const RESIDENT_ID_RE = /^(\d{17}[\dXx]|\d{15})$/
/** Square metres with at most two decimals. */
export const FLOOR_AREA_RE = /^\d{1,6}(\.\d{1,2})?$/

/** Removes every space (as the server's compact does). */
export function compact(s: string): string {
  return s.replace(/\s+/g, '')
}

/** Today as YYYY-MM-DD in the browser's time zone. */
export function today(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`
}

type Plain = string | number | boolean | null | undefined

/**
 * The fields of `edited` that differ from `original` (a PATCH that changes
 * only what was changed). Strings are trimmed; null/undefined on the original
 * side count as "" for strings, so clearing an empty field is no change.
 */
export function changedFields<T extends Record<string, Plain>>(original: object, edited: T): Partial<T> {
  const out: Partial<T> = {}
  for (const key of Object.keys(edited) as (keyof T & string)[]) {
    let next = edited[key]
    if (typeof next === 'string') next = next.trim() as T[typeof key]
    const prev = (original as Record<string, unknown>)[key]
    const before = typeof next === 'string' ? (prev ?? '') : prev
    if (next === undefined || next === before) continue
    if (next === null && (before === null || before === undefined)) continue
    out[key] = next
  }
  return out
}

export interface SplitProblem {
  /** Messages for the fields the form shows, keyed by form field. */
  fields: Record<string, string>
  /** What to show above the form: the problem's message when no field error could be placed, else the errors of other fields. */
  message: string
}

/**
 * Splits a problem into errors shown next to the form's fields and one
 * message for the rest. `alias` maps server field names to form fields
 * (e.g. lat → lng).
 */
export function splitProblem(problem: Problem, locale: string, shown: string[], alias: Record<string, string> = {}): SplitProblem {
  const fields: Record<string, string> = {}
  const rest: string[] = []
  for (const [field, msg] of Object.entries(fieldErrors(problem, locale))) {
    const target = alias[field] ?? field
    if (shown.includes(target)) fields[target] ||= msg
    else rest.push(msg)
  }
  let message = rest.join('；')
  if (!message && Object.keys(fields).length === 0) message = problemMessage(problem, locale)
  return { fields, message }
}

/** splitProblem for anything a save may throw; null when it is not an API problem worth showing in the form. */
export function formProblem(e: unknown, locale: string, shown: string[], alias: Record<string, string> = {}): SplitProblem | null {
  if (!(e instanceof ApiError) || e.status === 0 || e.status === 401 || e.status >= 500) return null
  return splitProblem(e.problem, locale, shown, alias)
}
