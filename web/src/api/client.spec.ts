import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildUrl, onPendingStep, onUnauthorized, parseRetryAfter, pendingStepOf, request, setCsrfToken } from './client'

function problemResponse(status: number, body: object): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json' } })
}

afterEach(() => {
  vi.unstubAllGlobals()
  setCsrfToken('')
  onUnauthorized(() => {})
  onPendingStep(() => {})
})

describe('buildUrl', () => {
  it('prefixes /api/v1 and drops empty query values', () => {
    expect(buildUrl('/areas')).toBe('/api/v1/areas')
    expect(buildUrl('/areas', { root: '370211001', depth: 1, x: undefined, y: null, z: '' })).toBe(
      '/api/v1/areas?root=370211001&depth=1',
    )
  })
})

describe('request', () => {
  it('sends the CSRF token on writes only', async () => {
    const fetchMock = vi.fn(async () => new Response(null, { status: 204 }))
    vi.stubGlobal('fetch', fetchMock)
    setCsrfToken('tok')
    await request('/auth/logout', { method: 'POST' })
    await request('/areas')
    const calls = fetchMock.mock.calls as unknown as [string, RequestInit][]
    expect((calls[0]![1].headers as Record<string, string>)['X-CSRF-Token']).toBe('tok')
    expect((calls[1]![1].headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined()
    expect(calls[0]![1].credentials).toBe('same-origin')
  })

  it('throws ApiError with the problem body and calls the 401 handler', async () => {
    vi.stubGlobal('fetch', async () =>
      problemResponse(401, { status: 401, code: 'unauthenticated', detail: 'Sign in.', detail_zh: '请登录。' }),
    )
    const handler = vi.fn()
    onUnauthorized(handler)
    const err = await request('/areas').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(401)
    expect((err as ApiError).problem.detail_zh).toBe('请登录。')
    expect(handler).toHaveBeenCalledOnce()

    handler.mockClear()
    await request('/auth/login', { method: 'POST', body: {}, redirectOn401: false }).catch(() => {})
    expect(handler).not.toHaveBeenCalled()
  })

  it('synthesises a problem for non-JSON errors and network failures', async () => {
    vi.stubGlobal('fetch', async () => new Response('oops', { status: 502, statusText: 'Bad Gateway' }))
    const e1 = (await request('/areas').catch((e: unknown) => e)) as ApiError
    expect(e1.status).toBe(502)
    expect(e1.problem.code).toBe('http_502')

    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    const e2 = (await request('/areas').catch((e: unknown) => e)) as ApiError
    expect(e2.status).toBe(0)
    expect(e2.code).toBe('network_error')
  })

  it('parses JSON bodies', async () => {
    vi.stubGlobal('fetch', async () => new Response('{"items":[]}', { status: 200, headers: { 'content-type': 'application/json' } }))
    await expect(request<{ items: unknown[] }>('/areas')).resolves.toEqual({ items: [] })
  })
})

describe('pending steps', () => {
  it('reads the step from the 403 codes only', () => {
    expect(pendingStepOf(403, { code: 'password_change_required' })).toBe('password')
    expect(pendingStepOf(403, { code: 'totp_enrolment_required' })).toBe('totp')
    expect(pendingStepOf(403, { code: 'forbidden' })).toBeNull()
    expect(pendingStepOf(422, { code: 'password_change_required' })).toBeNull()
  })

  it('calls the handler on a pending-step 403 and still throws', async () => {
    vi.stubGlobal('fetch', async () => problemResponse(403, { code: 'totp_enrolment_required', detail: 'Enrol first.' }))
    const handler = vi.fn()
    onPendingStep(handler)
    const err = (await request('/areas').catch((e: unknown) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe('totp_enrolment_required')
    expect(handler).toHaveBeenCalledWith('totp')

    handler.mockClear()
    vi.stubGlobal('fetch', async () => problemResponse(403, { code: 'forbidden' }))
    await request('/areas').catch(() => {})
    expect(handler).not.toHaveBeenCalled()
  })
})

describe('Retry-After', () => {
  it('parses seconds and HTTP dates', () => {
    const now = Date.parse('2026-03-01T08:00:00Z')
    expect(parseRetryAfter('30', now)).toBe(30)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Sun, 01 Mar 2026 08:01:30 GMT', now)).toBe(90)
    expect(parseRetryAfter('Sun, 01 Mar 2026 07:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter(null, now)).toBeNull()
    expect(parseRetryAfter('soon', now)).toBeNull()
  })

  it('is kept on the error of a 429', async () => {
    vi.stubGlobal('fetch', async () =>
      new Response(JSON.stringify({ code: 'too_many_attempts' }), {
        status: 429,
        headers: { 'content-type': 'application/problem+json', 'Retry-After': '42' },
      }),
    )
    const err = (await request('/auth/login', { method: 'POST', body: {}, redirectOn401: false }).catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(429)
    expect(err.retryAfter).toBe(42)
  })
})
