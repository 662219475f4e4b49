// Cases (事件), their categories, notifications, and the look-ups the case pages need.
import { ApiError, buildUrl, getCsrfToken, request } from './client'
import type {
  Attachment,
  CaseAction,
  CaseActionInput,
  CaseCategory,
  CaseCategoryInput,
  CaseCategoryList,
  CaseDetail,
  CaseDuplicate,
  CaseInput,
  CaseList,
  CaseListParams,
  CaseStats,
  NotificationList,
  Problem,
  UnitList,
  UserList,
} from './types'

/**
 * A write that `request` cannot make (extra headers, multipart body). Errors
 * become ApiError like everywhere else; a 401 is replayed through `request` so
 * that the app's global "session expired" handling runs.
 */
async function send<T>(path: string, init: { body: BodyInit; headers?: Record<string, string>; json?: boolean }): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...init.headers }
  if (init.json) headers['Content-Type'] = 'application/json'
  const csrf = getCsrfToken()
  if (csrf) headers['X-CSRF-Token'] = csrf
  let res: Response
  try {
    res = await fetch(buildUrl(path), { method: 'POST', headers, body: init.body, credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, {
      status: 0,
      code: 'network_error',
      title: 'Network error',
      detail: 'The server could not be reached.',
      detail_zh: '无法连接服务器，请检查网络。',
    })
  }
  if (!res.ok) {
    let problem: Problem = { status: res.status, title: res.statusText || `HTTP ${res.status}`, code: `http_${res.status}` }
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        problem = { status: res.status, ...((await res.json()) as Problem) }
      } catch {
        // keep the synthesised problem
      }
    }
    if (res.status === 401) await request('/auth/me').catch(() => undefined)
    throw new ApiError(res.status, problem)
  }
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** A random UUID (v4) for Idempotency-Key; falls back when crypto.randomUUID is missing (plain http). */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const b = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b)
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export const casesApi = {
  list(params: CaseListParams = {}, signal?: AbortSignal): Promise<CaseList> {
    return request<CaseList>('/cases', { query: { ...params }, signal })
  },
  get(id: number): Promise<CaseDetail> {
    return request<CaseDetail>(`/cases/${id}`)
  },
  /** Files a case; the same key on a retry returns the same case. */
  create(input: CaseInput, idempotencyKey: string): Promise<CaseDetail> {
    return send<CaseDetail>('/cases', {
      body: JSON.stringify(input),
      json: true,
      headers: { 'Idempotency-Key': idempotencyKey },
    })
  },
  act(id: number, action: CaseAction, input: CaseActionInput = {}): Promise<CaseDetail> {
    return request<CaseDetail>(`/cases/${id}/${action}`, { method: 'POST', body: input })
  },
  duplicates(id: number): Promise<{ items: CaseDuplicate[] }> {
    return request<{ items: CaseDuplicate[] }>(`/cases/${id}/duplicates`)
  },
  upload(id: number, file: File, eventId?: number): Promise<Attachment> {
    const form = new FormData()
    form.append('file', file, file.name)
    if (eventId) form.append('event_id', String(eventId))
    return send<Attachment>(`/cases/${id}/attachments`, { body: form })
  },
  stats(params: { area?: string; from?: string; to?: string } = {}): Promise<CaseStats> {
    return request<CaseStats>('/cases/stats', { query: params })
  },
}

export const categoriesApi = {
  list(): Promise<CaseCategoryList> {
    return request<CaseCategoryList>('/case-categories')
  },
  create(input: CaseCategoryInput): Promise<CaseCategory> {
    return request<CaseCategory>('/case-categories', { method: 'POST', body: input })
  },
  update(id: number, input: CaseCategoryInput): Promise<CaseCategory> {
    return request<CaseCategory>(`/case-categories/${id}`, { method: 'PUT', body: input })
  },
}

export const notificationsApi = {
  list(unreadOnly = false): Promise<NotificationList> {
    return request<NotificationList>('/notifications', { query: { unread: unreadOnly ? 'true' : undefined } })
  },
  markRead(id: number): Promise<void> {
    return request<void>(`/notifications/${id}/read`, { method: 'POST' })
  },
}

export const unitsApi = {
  list(): Promise<UnitList> {
    return request<UnitList>('/units')
  },
}

export const usersApi = {
  /** Accounts holding a role in (or above) an area of the caller's scope. */
  list(params: { area?: string; role?: string; limit?: number } = {}): Promise<UserList> {
    return request<UserList>('/users', { query: params })
  },
}
