import type { Problem } from './types'

export const API_BASE = '/api/v1'

/** An API call that failed; `problem` holds the RFC 9457 body (or a synthesised one). */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }

  get code(): string | undefined {
    return this.problem.code
  }
}

export type QueryValue = string | number | boolean | null | undefined

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Record<string, QueryValue>
  body?: unknown
  /** When false, a 401 is returned to the caller without triggering the global handler (login, me). */
  redirectOn401?: boolean
  signal?: AbortSignal
}

let csrfToken = ''
let unauthorizedHandler: (() => void) | null = null

/** Stores the CSRF token from login/me; it is sent on every write. */
export function setCsrfToken(token: string): void {
  csrfToken = token
}

export function getCsrfToken(): string {
  return csrfToken
}

/** Called on any 401 (session expired, logged out elsewhere). */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  let url = API_BASE + path
  if (query) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.append(k, String(v))
    }
    const qs = params.toString()
    if (qs) url += (url.includes('?') ? '&' : '?') + qs
  }
  return url
}

async function readProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      const body = (await res.json()) as Problem
      if (body && typeof body === 'object') return { status: res.status, ...body }
    } catch {
      // fall through to the synthesised problem
    }
  }
  return { status: res.status, title: res.statusText || `HTTP ${res.status}`, code: `http_${res.status}` }
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return (await requestWithHeaders<T>(path, opts)).data
}

/** Like request, with the answer's headers (Retry-After, Location…). */
export async function requestWithHeaders<T>(path: string, opts: RequestOptions = {}): Promise<{ data: T; headers: Headers }> {
  const method = opts.method ?? 'GET'
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  let body: BodyInit | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken

  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw networkError()
  }

  if (!res.ok) {
    const problem = await readProblem(res)
    if (res.status === 401 && opts.redirectOn401 !== false && unauthorizedHandler) unauthorizedHandler()
    throw new ApiError(res.status, problem)
  }
  if (res.status === 204) return { data: undefined as T, headers: res.headers }
  const text = await res.text()
  return { data: (text ? JSON.parse(text) : undefined) as T, headers: res.headers }
}

/** The problem synthesised for a request that never reached the server. */
export function networkError(): ApiError {
  return new ApiError(0, {
    status: 0,
    code: 'network_error',
    title: 'Network error',
    detail: 'The server could not be reached.',
    detail_zh: '无法连接服务器，请检查网络。',
  })
}

/** Reports a 401 to the handler set with onUnauthorized (for calls made without request). */
export function notifyUnauthorized(): void {
  unauthorizedHandler?.()
}
