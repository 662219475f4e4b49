import type { Problem } from '@/api/types'

function isChinese(locale: string): boolean {
  return locale.toLowerCase().startsWith('zh')
}

/**
 * The message to show a person for an API problem: `detail_zh` in Chinese,
 * `detail` in English, falling back to the other language, then to the title,
 * then to `fallback`.
 */
export function problemMessage(problem: Problem | null | undefined, locale: string, fallback = ''): string {
  if (!problem) return fallback
  const zh = problem.detail_zh?.trim()
  const en = problem.detail?.trim()
  const primary = isChinese(locale) ? zh || en : en || zh
  return primary || problem.title?.trim() || fallback
}

/** Field errors of a problem, localised, keyed by field name (first error of each field wins). */
export function fieldErrors(problem: Problem | null | undefined, locale: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of problem?.errors ?? []) {
    if (!e.field || out[e.field]) continue
    const zh = e.detail_zh?.trim()
    const en = e.detail?.trim()
    out[e.field] = (isChinese(locale) ? zh || en : en || zh) || e.rule
  }
  return out
}
