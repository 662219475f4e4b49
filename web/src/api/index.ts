import { request } from './client'
import type {
  AreaDetail,
  AreaLevel,
  AreaList,
  BoundaryCollection,
  Crs,
  LocateResult,
  Session,
  UiSettings,
} from './types'

export * from './types'
export { ApiError, onUnauthorized, setCsrfToken, getCsrfToken } from './client'

export const authApi = {
  login(username: string, password: string): Promise<Session> {
    return request<Session>('/auth/login', {
      method: 'POST',
      body: { username, password },
      redirectOn401: false,
    })
  },
  logout(): Promise<void> {
    return request<void>('/auth/logout', { method: 'POST', redirectOn401: false })
  },
  me(): Promise<Session> {
    return request<Session>('/auth/me', { redirectOn401: false })
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
