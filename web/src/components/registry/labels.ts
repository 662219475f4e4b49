// Labels of the registry's codes in the current language.
import { useI18n } from 'vue-i18n'
import { historyFieldKey, historyValue } from './history'

export type RegGroup =
  | 'usageLabels'
  | 'residenceLabels'
  | 'relationLabels'
  | 'genderLabels'
  | 'statusLabels'
  | 'appealLabels'
  | 'channelLabels'
  | 'entityLabels'
  | 'typeLabels'
  | 'matchLabels'
  | 'tenancyLabels'
  | 'idTypeLabels'
  | 'fieldLabels'

export function useRegLabels() {
  const { t, te } = useI18n()
  function label(group: RegGroup, code: string | null | undefined): string {
    if (!code) return '—'
    const key = `registry.${group}.${code}`
    return te(key) ? t(key) : code
  }
  function dateTime(s: string | null | undefined): string {
    if (!s) return '—'
    const d = new Date(s)
    if (Number.isNaN(d.getTime())) return s
    const p = (n: number) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
  }
  /** A history row's field in words (the code itself when unknown). */
  function fieldLabel(entity: string, field: string): string {
    const key = historyFieldKey(entity, field, (k) => te(k))
    return key ? t(key) : field
  }
  /** A history row's value in words. */
  function value(field: string, v: string | null | undefined): string {
    return historyValue(field, v, label)
  }
  return { label, dateTime, fieldLabel, value }
}

/** Element Plus tag types per house usage. */
export const USAGE_TAG: Record<string, 'success' | 'warning' | 'info' | 'danger' | 'primary'> = {
  owner_occupied: 'success',
  rented: 'warning',
  vacant: 'info',
  business: 'primary',
  other: 'info',
}
