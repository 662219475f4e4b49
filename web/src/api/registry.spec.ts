import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, onUnauthorized, setCsrfToken } from './client'
import { importAnswer, registryApi } from './registry'

/** A stand-in for XMLHttpRequest: records the request, answers with `answer`. */
class FakeXHR {
  static last: FakeXHR | null = null
  static answer: { status: number; statusText?: string; body: string } | 'network' | 'hang' = { status: 202, body: '{}' }
  method = ''
  url = ''
  headers: Record<string, string> = {}
  body: unknown = null
  status = 0
  statusText = ''
  responseText = ''
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  aborted = false

  open(method: string, url: string): void {
    this.method = method
    this.url = url
    FakeXHR.last = this
  }
  setRequestHeader(k: string, v: string): void {
    this.headers[k] = v
  }
  abort(): void {
    this.aborted = true
    this.onabort?.()
  }
  send(body: unknown): void {
    this.body = body
    const a = FakeXHR.answer
    queueMicrotask(() => {
      if (a === 'hang') return
      this.upload.onprogress?.({ loaded: 50, total: 100, lengthComputable: true })
      this.upload.onprogress?.({ loaded: 100, total: 100, lengthComputable: true })
      if (a === 'network') {
        this.onerror?.()
        return
      }
      this.status = a.status
      this.statusText = a.statusText ?? ''
      this.responseText = a.body
      this.onload?.()
    })
  }
}

const JOB = { id: 'ab12', file_name: 'l.csv', mode: 'valid_rows', state: 'running', rows: 0, bytes_read: 0, bytes_total: 9, percent: 0, created_at: '2026-11-30T06:00:00Z', finished_at: null }

afterEach(() => {
  vi.unstubAllGlobals()
  setCsrfToken('')
  onUnauthorized(() => {})
  FakeXHR.last = null
})

describe('startImport', () => {
  it('uploads asking for a job, with the CSRF token, reporting the upload', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR)
    FakeXHR.answer = { status: 202, body: JSON.stringify(JOB) }
    setCsrfToken('tok')
    const seen: number[] = []
    const file = new File(['a,b\n1,2\n'], 'l.csv', { type: 'text/csv' })
    const job = await registryApi.startImport(file, 'valid_rows', '370211001001001', { onUpload: (l, t) => seen.push(Math.round((l * 100) / t)) })
    expect(job.id).toBe('ab12')
    const x = FakeXHR.last!
    expect(x.method).toBe('POST')
    expect(x.url).toBe('/api/v1/registry/import')
    expect(x.headers.Prefer).toBe('respond-async')
    expect(x.headers['X-CSRF-Token']).toBe('tok')
    const form = x.body as FormData
    expect(form.get('mode')).toBe('valid_rows')
    expect(form.get('area')).toBe('370211001001001')
    expect((form.get('file') as File).name).toBe('l.csv')
    expect(seen).toEqual([50, 100])
  })

  it('throws the problem of a refused upload, and reports a 401', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR)
    FakeXHR.answer = { status: 413, body: JSON.stringify({ code: 'too_large', detail: 'too large', detail_zh: '文件超过 512 MiB' }) }
    const file = new File(['x'], 'l.csv')
    const err = await registryApi.startImport(file, 'all_or_nothing').catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(413)
    expect(err.problem.detail_zh).toBe('文件超过 512 MiB')

    const on401 = vi.fn()
    onUnauthorized(on401)
    FakeXHR.answer = { status: 401, body: JSON.stringify({ code: 'unauthenticated' }) }
    await expect(registryApi.startImport(file, 'all_or_nothing')).rejects.toBeInstanceOf(ApiError)
    expect(on401).toHaveBeenCalledOnce()
  })

  it('turns a network failure into network_error and can be aborted', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR)
    FakeXHR.answer = 'network'
    const file = new File(['x'], 'l.csv')
    const err = await registryApi.startImport(file, 'all_or_nothing').catch((e) => e)
    expect(err.code).toBe('network_error')

    FakeXHR.answer = 'hang'
    const ctl = new AbortController()
    const p = registryApi.startImport(file, 'all_or_nothing', undefined, { signal: ctl.signal })
    ctl.abort()
    await expect(p).rejects.toMatchObject({ name: 'AbortError' })
    expect(FakeXHR.last!.aborted).toBe(true)
  })
})

describe('importAnswer', () => {
  it('takes a job from a 2xx answer, a problem from the rest', () => {
    expect(importAnswer(202, 'Accepted', JSON.stringify(JOB)).id).toBe('ab12')
    expect(() => importAnswer(200, 'OK', JSON.stringify({ mode: 'all_or_nothing', rows: 1 }))).toThrow(ApiError)
    const e = (() => {
      try {
        importAnswer(502, 'Bad Gateway', '<html>')
      } catch (x) {
        return x as ApiError
      }
    })()
    expect(e?.status).toBe(502)
    expect(e?.code).toBe('http_502')
  })
})

describe('importJob', () => {
  it('returns the job and its Retry-After', async () => {
    const fetchMock = vi.fn(
      async () => new Response(JSON.stringify(JOB), { status: 200, headers: { 'content-type': 'application/json', 'retry-after': '1' } }),
    )
    vi.stubGlobal('fetch', fetchMock)
    const { job, retryAfter } = await registryApi.importJob('ab12')
    expect(job.state).toBe('running')
    expect(retryAfter).toBe('1')
    expect((fetchMock.mock.calls as unknown as [string][])[0][0]).toBe('/api/v1/registry/imports/ab12')
  })
})

describe('registryApi.exportUrl', () => {
  it('carries the filters that are set, and no others', () => {
    expect(registryApi.exportUrl('houses', { building_id: 12, usage: '', occupied: undefined })).toBe('/api/v1/registry/houses/export.xlsx?building_id=12')
    expect(registryApi.exportUrl('persons', { area: '370211001001', name: '张三', reveal: false })).toBe(
      '/api/v1/registry/persons/export.xlsx?area=370211001001&name=%E5%BC%A0%E4%B8%89',
    )
    expect(registryApi.exportUrl('persons', { reveal: true })).toBe('/api/v1/registry/persons/export.xlsx?reveal=true')
    expect(registryApi.exportUrl('buildings', {})).toBe('/api/v1/registry/buildings/export.xlsx')
  })
})
