import { ref, watch } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessage } from 'element-plus'
import { showError } from '@/utils/notify'
import { formProblem } from './forms'

/**
 * The state every registry edit dialog keeps: field errors (client rules and
 * the server's), one message above the form, and the saving flag. `save`
 * runs a write and puts a refused one's problem at the fields. Given the
 * form, a field's error goes once the field is changed.
 */
export function useRegForm(shown: string[], alias: Record<string, string> = {}, form?: Record<string, unknown>) {
  const { t, locale } = useI18n()
  const errors = ref<Record<string, string>>({})
  const formError = ref('')
  const saving = ref(false)

  if (form) {
    watch(
      () => ({ ...form }),
      (now, before) => {
        const next = { ...errors.value }
        let changed = false
        for (const key of Object.keys(now)) {
          if (now[key] === before[key]) continue
          for (const k of [key, alias[key]]) if (k && next[k]) (delete next[k], (changed = true))
        }
        if (changed) errors.value = next
      },
    )
  }

  function reset(): void {
    errors.value = {}
    formError.value = ''
  }

  /** Sets the client-side errors; true when there are none. */
  function check(found: Record<string, string>): boolean {
    errors.value = found
    formError.value = ''
    if (Object.keys(found).length === 0) return true
    ElMessage({ type: 'warning', message: t('registry.fixErrors'), grouping: true })
    return false
  }

  async function save<T>(write: () => Promise<T>): Promise<T | undefined> {
    saving.value = true
    formError.value = ''
    try {
      const r = await write()
      errors.value = {}
      ElMessage({ type: 'success', message: t('registry.saved'), grouping: true })
      return r
    } catch (e) {
      const p = formProblem(e, locale.value, shown, alias)
      if (!p) {
        showError(e)
        return undefined
      }
      errors.value = p.fields
      formError.value = p.message
      return undefined
    } finally {
      saving.value = false
    }
  }

  /** "请填写{field}" for a label key. */
  function required(labelKey: string, choose = false): string {
    return t(choose ? 'registry.requiredChoose' : 'registry.required', { field: t(labelKey) })
  }

  /** The form's label width: English labels are longer. */
  function labelWidth(zh: number): string {
    return `${locale.value === 'en' ? zh + 50 : zh}px`
  }

  return { errors, formError, saving, reset, check, save, required, labelWidth }
}
