import type { CategoryField, ExtraValue } from '../api/types'

/** The form's state of a category's extra fields: strings, or string lists for "multi". */
export type ExtraForm = Record<string, string | string[]>

export type FieldProblem = 'required' | 'number' | 'date' | 'option'

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function isDate(s: string): boolean {
  const m = DATE.exec(s)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d
}

function isEmpty(v: string | string[] | undefined): boolean {
  return v === undefined || (Array.isArray(v) ? v.length === 0 : v.trim() === '')
}

/** The first problem of each field that has one (an empty map: valid). */
export function validateExtra(fields: CategoryField[], values: ExtraForm): Record<string, FieldProblem> {
  const out: Record<string, FieldProblem> = {}
  for (const f of fields) {
    const v = values[f.key]
    if (isEmpty(v)) {
      if (f.required) out[f.key] = 'required'
      continue
    }
    const list = Array.isArray(v) ? v : [v!.trim()]
    switch (f.type) {
      case 'number':
        if (list.length !== 1 || !Number.isFinite(Number(list[0]))) out[f.key] = 'number'
        break
      case 'date':
        if (list.length !== 1 || !isDate(list[0]!)) out[f.key] = 'date'
        break
      case 'single':
        if (list.length !== 1 || !(f.options ?? []).includes(list[0]!)) out[f.key] = 'option'
        break
      case 'multi':
        if (list.some((x) => !(f.options ?? []).includes(x))) out[f.key] = 'option'
        break
      default:
        break
    }
  }
  return out
}

/** The `extra` object of the request: typed values, empty fields left out, unknown keys dropped. */
export function normalizeExtra(fields: CategoryField[], values: ExtraForm): Record<string, ExtraValue> {
  const out: Record<string, ExtraValue> = {}
  for (const f of fields) {
    const v = values[f.key]
    if (isEmpty(v)) continue
    if (f.type === 'multi') out[f.key] = Array.isArray(v) ? [...v] : [v!]
    else {
      const s = (Array.isArray(v) ? v[0]! : v!).trim()
      out[f.key] = f.type === 'number' ? Number(s) : s
    }
  }
  return out
}

/** An empty form for a category's fields. */
export function emptyExtra(fields: CategoryField[]): ExtraForm {
  return Object.fromEntries(fields.map((f) => [f.key, f.type === 'multi' ? [] : '']))
}
