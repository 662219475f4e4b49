// The phone apps' API calls. JSON calls go through the console's client
// (cookie session, CSRF header on writes, RFC 9457 problems as ApiError);
// the two calls it cannot make (a custom Idempotency-Key header, multipart
// upload) are made here with the same conventions.
import { ApiError, buildUrl, getCsrfToken, request, type QueryValue } from '@/api/client'
import type {
  ActionInput,
  CaseAction,
  CaseDetail,
  CaseInput,
  CaseList,
  Category,
  MArea,
  MLocateResult,
  MLoginInput,
  MSession,
  Attachment,
} from './types'

type Problem = ApiError['problem']

export { ApiError }

/** True when the request never reached the server (offline, DNS, connection reset). */
export function isNetworkError(e: unknown): boolean {
  return e instanceof ApiError && e.status === 0
}

function networkError(): ApiError {
  return new ApiError(0, {
    status: 0,
    code: 'network_error',
    title: 'Network error',
    detail: 'The server could not be reached.',
    detail_zh: '无法连接服务器，请检查网络。',
  })
}

async function problemOf(res: Response): Promise<Problem> {
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      const body = (await res.json()) as Problem
      if (body && typeof body === 'object') return { status: res.status, ...body }
    } catch {
      // synthesise below
    }
  }
  return { status: res.status, title: res.statusText || `HTTP ${res.status}`, code: `http_${res.status}` }
}

async function send<T>(
  method: 'POST',
  path: string,
  body: BodyInit,
  headers: Record<string, string>,
  query?: Record<string, QueryValue>,
): Promise<T> {
  const h: Record<string, string> = { Accept: 'application/json, application/problem+json', ...headers }
  const csrf = getCsrfToken()
  if (csrf) h['X-CSRF-Token'] = csrf
  let res: Response
  try {
    res = await fetch(buildUrl(path, query), { method, headers: h, body, credentials: 'same-origin' })
  } catch {
    throw networkError()
  }
  if (!res.ok) throw new ApiError(res.status, await problemOf(res))
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const mAuthApi = {
  /** A 401 with code totp_required / totp_invalid asks for the second factor (re-post with it). */
  login(input: MLoginInput): Promise<MSession> {
    return request<MSession>('/auth/login', { method: 'POST', body: input, redirectOn401: false })
  },
  /** The caller's own password; the caller's other sessions end, this one stays. */
  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return request<void>('/auth/password', { method: 'POST', body: { current_password: currentPassword, new_password: newPassword } })
  },
  me(): Promise<MSession> {
    return request<MSession>('/auth/me', { redirectOn401: false })
  },
  logout(): Promise<void> {
    return request<void>('/auth/logout', { method: 'POST', redirectOn401: false })
  },
}

export const mAreaApi = {
  locate(lng: number, lat: number): Promise<MLocateResult> {
    return request<MLocateResult>('/locate', { query: { lng, lat, crs: 'wgs84' } })
  },
  /** The caller's scope, three levels deep (flat list, parents before children). */
  scope(): Promise<{ items: MArea[] }> {
    return request<{ items: MArea[] }>('/areas', { query: { depth: 3 } })
  },
}

export const mCaseApi = {
  categories(): Promise<{ items: Category[] }> {
    return request<{ items: Category[] }>('/case-categories')
  },
  /** Files a case; a retry with the same key returns the case created first (200 instead of 201). */
  create(input: CaseInput, idempotencyKey: string): Promise<CaseDetail> {
    return send<CaseDetail>('POST', '/cases', JSON.stringify(input), {
      'Content-Type': 'application/json',
      'Idempotency-Key': idempotencyKey,
    })
  },
  list(mine: 'assigned' | 'reported', beforeId?: number | null, limit = 20): Promise<CaseList> {
    return request<CaseList>('/cases', { query: { mine, limit, before_id: beforeId ?? undefined } })
  },
  get(id: number): Promise<CaseDetail> {
    return request<CaseDetail>(`/cases/${id}`)
  },
  act(id: number, action: CaseAction, input: ActionInput = {}): Promise<CaseDetail> {
    return request<CaseDetail>(`/cases/${id}/${action}`, { method: 'POST', body: input })
  },
  /**
   * Uploads one photo. The key is sent as Idempotency-Key so that a server
   * honouring it does not store a retried upload twice.
   */
  upload(caseId: number, file: Blob, filename: string, opts: { eventId?: number; key?: string } = {}): Promise<Attachment> {
    // event_id goes in the query (the server reads it there) and, for servers
    // reading the form, as a field; the file part comes last.
    const form = new FormData()
    if (opts.eventId) form.append('event_id', String(opts.eventId))
    form.append('file', file, filename)
    const headers: Record<string, string> = {}
    if (opts.key) headers['Idempotency-Key'] = opts.key
    return send<Attachment>('POST', `/cases/${caseId}/attachments`, form, headers, { event_id: opts.eventId })
  },
}

/** The message to show for a failed call, in the UI language. */
export function errorText(e: unknown, locale: string, fallback: string): string {
  if (e instanceof ApiError) {
    const p = e.problem
    const first = p.errors?.[0]
    if (locale.startsWith('zh')) return p.detail_zh || first?.detail_zh || p.detail || p.title || fallback
    return p.detail || first?.detail || p.title || fallback
  }
  return fallback
}
