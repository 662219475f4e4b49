import type { Problem } from './types'

export const API_BASE = '/api/v1'

/** An API call that failed; `problem` holds the RFC 9457 body (or a synthesised one). */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  /** Seconds to wait before trying again (the Retry-After of a 429 or 503), when the server said. */
  readonly retryAfter: number | null

  constructor(status: number, problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.retryAfter = retryAfter
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
let pendingStepHandler: ((step: PendingStep) => void) | null = null

/**
 * A step the user must complete before anything else: a forced password
 * change, or the enrolment of a second factor the policy requires. Until then
 * the server answers every other call with 403 and one of these codes.
 */
export type PendingStep = 'password' | 'totp'

const PENDING_CODES: Record<string, PendingStep> = {
  password_change_required: 'password',
  totp_enrolment_required: 'totp',
}

/** The pending step a problem announces, if any. */
export function pendingStepOf(status: number, problem: Problem): PendingStep | null {
  return (status === 403 && problem.code && PENDING_CODES[problem.code]) || null
}

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

/** Called on a 403 that says a pending step must be completed first (see PendingStep). */
export function onPendingStep(handler: (step: PendingStep) => void): void {
  pendingStepHandler = handler
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v)
  const at = Date.parse(v)
  if (Number.isNaN(at)) return null
  return Math.max(0, Math.ceil((at - now) / 1000))
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
    const step = pendingStepOf(res.status, problem)
    if (step && pendingStepHandler) pendingStepHandler(step)
    throw new ApiError(res.status, problem, parseRetryAfter(res.headers.get('Retry-After')))
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
