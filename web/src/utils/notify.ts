import { ElMessage } from 'element-plus'
import { ApiError } from '@/api/client'
import { i18n } from '@/i18n'
import { problemMessage } from './problem'

/** The localised message for any error thrown by the API client (or elsewhere). */
export function errorMessage(e: unknown): string {
  const t = i18n.global.t
  const locale = i18n.global.locale.value
  if (e instanceof ApiError) {
    if (e.problem.code === 'network_error') return t('common.networkError')
    return problemMessage(e.problem, locale, t('common.unknownError'))
  }
  return t('common.unknownError')
}

/** Shows an API error as a message box; 401s are skipped (the app is already on its way to the login page). */
export function showError(e: unknown): void {
  if (e instanceof DOMException && e.name === 'AbortError') return
  if (e instanceof ApiError && e.status === 401) return
  if (!(e instanceof ApiError)) console.error(e)
  ElMessage({ type: 'error', message: errorMessage(e), grouping: true, showClose: true })
}
