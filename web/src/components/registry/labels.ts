// Labels of the registry's codes in the current language.
import { useI18n } from 'vue-i18n'

type Group =
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

export function useRegLabels() {
  const { t, te } = useI18n()
  function label(group: Group, code: string | null | undefined): string {
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
  return { label, dateTime }
}

/** Element Plus tag types per house usage. */
export const USAGE_TAG: Record<string, 'success' | 'warning' | 'info' | 'danger' | 'primary'> = {
  owner_occupied: 'success',
  rented: 'warning',
  vacant: 'info',
  business: 'primary',
  other: 'info',
}
