import { buildUrl, request } from './client'
import type {
  AuditFilter,
  AuditPage,
  AreaDetail,
  AreaLevel,
  AreaList,
  BoundaryCollection,
  Crs,
  LocateResult,
  LoginInput,
  Session,
  TotpConfirmed,
  TotpEnrolment,
  UiSettings,
} from './types'

export * from './types'
export { ApiError, onPendingStep, onUnauthorized, setCsrfToken, getCsrfToken, type PendingStep } from './client'

export const authApi = {
  /** A 401 with code totp_required / totp_invalid asks for the second factor (re-post with it). */
  login(input: LoginInput): Promise<Session> {
    return request<Session>('/auth/login', { method: 'POST', body: input, redirectOn401: false })
  },
  logout(): Promise<void> {
    return request<void>('/auth/logout', { method: 'POST', redirectOn401: false })
  },
  me(): Promise<Session> {
    return request<Session>('/auth/me', { redirectOn401: false })
  },
  /** The caller's own password; the caller's other sessions end, this one stays. */
  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return request<void>('/auth/password', { method: 'POST', body: { current_password: currentPassword, new_password: newPassword } })
  },
  totpEnrol(): Promise<TotpEnrolment> {
    return request<TotpEnrolment>('/auth/totp/enrol', { method: 'POST', body: {} })
  },
  totpConfirm(code: string): Promise<TotpConfirmed> {
    return request<TotpConfirmed>('/auth/totp/confirm', { method: 'POST', body: { code } })
  },
  /** Refused (403 totp_required_by_policy) when the user's roles require a second factor. */
  totpDisable(currentPassword: string): Promise<void> {
    return request<void>('/auth/totp', { method: 'DELETE', body: { current_password: currentPassword } })
  },
}

export const usersApi = {
  /** An admin removes a user's second factor (a lost phone); the user enrols again. */
  resetTotp(userId: number): Promise<void> {
    return request<void>(`/users/${userId}/totp/reset`, { method: 'POST' })
  },
  /** An admin sets a temporary password, which the user must change at the next login. */
  setPassword(userId: number, password: string): Promise<void> {
    return request<void>(`/users/${userId}/password`, { method: 'PUT', body: { password } })
  },
}

export const auditApi = {
  list(filter: AuditFilter, page: { limit?: number; before_id?: number | null } = {}, signal?: AbortSignal): Promise<AuditPage> {
    return request<AuditPage>('/audit', { query: { ...filter, limit: page.limit, before_id: page.before_id }, signal })
  },
  /** The xlsx of the entries the filters select (a plain link: the browser downloads it). */
  exportUrl(filter: AuditFilter): string {
    return buildUrl('/audit/export.xlsx', { ...filter })
  },
}

export const areasApi = {
  /** Without root: the tops of the caller's scope and their subtrees to `depth`. */
  list(params: { root?: string; depth?: number } = {}): Promise<AreaList> {
    return request<AreaList>('/areas', { query: { root: params.root, depth: params.depth } })
  },
  get(code: string): Promise<AreaDetail> {
    return request<AreaDetail>(`/areas/${encodeURIComponent(code)}`)
  },
  boundaries(code: string, level: AreaLevel): Promise<BoundaryCollection> {
    return request<BoundaryCollection>(`/areas/${encodeURIComponent(code)}/boundaries`, {
      query: { level },
    })
  },
}

export const locateApi = {
  locate(lng: number, lat: number, crs: Crs): Promise<LocateResult> {
    return request<LocateResult>('/locate', { query: { lng, lat, crs } })
  },
}

export const settingsApi = {
  ui(): Promise<UiSettings> {
    return request<UiSettings>('/settings/ui')
  },
}
