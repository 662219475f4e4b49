import { describe, expect, it } from 'vitest'
import type { CaseInput } from '../api/types'
import { MemoryOutboxStore, Outbox, type Draft, type FailureKind, type OutboxPhoto, type OutboxSender } from './outbox'

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`)
  }
}
class NetError extends Error {}

/** A fake server with Idempotency-Key semantics, and switches to fail the next calls. */
class FakeServer implements OutboxSender {
  cases: { id: number; key: string; input: CaseInput }[] = []
  uploads: { caseId: number; key: string; name: string }[] = []
  createCalls: string[] = []
  down = false
  /** The server stores the case but the response never arrives. */
  loseNextResponse = false
  failCreate: number | null = null
  failUploads = 0

  async create(input: CaseInput, key: string) {
    this.createCalls.push(key)
    if (this.down) throw new NetError('offline')
    if (this.failCreate) throw new HttpError(this.failCreate)
    let c = this.cases.find((x) => x.key === key)
    if (!c) {
      c = { id: 100 + this.cases.length, key, input }
      this.cases.push(c)
    }
    if (this.loseNextResponse) {
      this.loseNextResponse = false
      throw new NetError('connection reset')
    }
    return { id: c.id }
  }

  async upload(caseId: number, photo: OutboxPhoto) {
    if (this.down) throw new NetError('offline')
    if (this.failUploads > 0) {
      this.failUploads--
      throw new NetError('reset')
    }
    this.uploads.push({ caseId, key: photo.key, name: photo.name })
  }
}

function classify(e: unknown): { kind: FailureKind; message: string } {
  if (e instanceof HttpError) {
    return { kind: e.status >= 500 || e.status === 401 ? 'transient' : 'permanent', message: e.message }
  }
  return { kind: 'network', message: String(e) }
}

function setup(opts: { online?: boolean; owner?: number } = {}) {
  const server = new FakeServer()
  const store = new MemoryOutboxStore()
  const state = { online: opts.online ?? true, owner: opts.owner ?? 7 }
  let tick = 0
  const outbox = new Outbox({
    store,
    sender: server,
    classify,
    online: () => state.online,
    owner: () => state.owner,
    now: () => new Date(Date.UTC(2026, 4, 1, 8, 0, tick++)),
  })
  return { server, store, state, outbox }
}

function draft(key: string, photos = 1): Draft {
  return {
    key,
    label: '占道经营',
    input: { category_id: 3, title: `case ${key}`, description: 'd', lng: 120.1, lat: 36, crs: 'wgs84', channel: 'app' },
    photos: Array.from({ length: photos }, (_, i) => ({
      key: `${key}-p${i}`,
      name: `p${i}.png`,
      type: 'image/png',
      blob: new Blob([new Uint8Array([137, 80, 78, 71, i])], { type: 'image/png' }),
    })),
  }
}

describe('Outbox.submit', () => {
  it('sends at once when online: case first, then its photos; nothing is stored', async () => {
    const { server, outbox } = setup()
    const r = await outbox.submit(draft('k1', 2))
    expect(r).toEqual({ kind: 'sent', caseId: 100, photosQueued: 0, photoErrors: [] })
    expect(server.uploads.map((u) => [u.caseId, u.name])).toEqual([
      [100, 'p0.png'],
      [100, 'p1.png'],
    ])
    expect(await outbox.list()).toEqual([])
  })

  it('stores the draft with its key and photo blobs when the browser is offline', async () => {
    const { server, outbox } = setup({ online: false })
    expect(await outbox.submit(draft('k1'))).toEqual({ kind: 'queued' })
    expect(server.createCalls).toEqual([])
    const [e] = await outbox.list()
    expect(e).toMatchObject({ key: 'k1', status: 'pending', case_id: null, owner: 7, label: '占道经营' })
    expect(e!.photos[0]!.blob).toBeInstanceOf(Blob)
    expect(e!.photos[0]!.blob.size).toBe(5)
  })

  it('stores the draft when the request fails with a network error', async () => {
    const { server, outbox } = setup()
    server.down = true
    expect(await outbox.submit(draft('k1'))).toEqual({ kind: 'queued' })
    expect((await outbox.list()).map((e) => e.key)).toEqual(['k1'])
  })

  it('throws other failures to the form and stores nothing', async () => {
    const { server, outbox } = setup()
    server.failCreate = 422
    await expect(outbox.submit(draft('k1'))).rejects.toThrow('HTTP 422')
    expect(await outbox.list()).toEqual([])
  })

  it('keeps the photos that did not go up, with the case id, for the next sync', async () => {
    const { server, outbox } = setup()
    server.failUploads = 1
    const r = await outbox.submit(draft('k1', 2))
    expect(r).toMatchObject({ kind: 'sent', caseId: 100, photosQueued: 2 })
    const [e] = await outbox.list()
    expect(e).toMatchObject({ case_id: 100, status: 'pending' })
    await outbox.sync()
    expect(server.cases).toHaveLength(1)
    expect(server.uploads.map((u) => u.name)).toEqual(['p0.png', 'p1.png'])
    expect(await outbox.list()).toEqual([])
  })
})

describe('Outbox.sync', () => {
  it('sends queued drafts oldest first and empties the outbox', async () => {
    const { server, state, outbox } = setup({ online: false })
    await outbox.submit(draft('a'))
    await outbox.submit(draft('b'))
    state.online = true
    expect(await outbox.sync()).toEqual({ sent: 2, failed: 0, remaining: 0 })
    expect(server.cases.map((c) => c.key)).toEqual(['a', 'b'])
    expect(server.uploads.map((u) => u.caseId)).toEqual([100, 101])
    expect(await outbox.list()).toEqual([])
  })

  it('reuses the draft key: a lost response and its retry make exactly one case', async () => {
    const { server, outbox } = setup()
    server.loseNextResponse = true
    expect(await outbox.submit(draft('k1'))).toEqual({ kind: 'queued' })
    expect(server.cases).toHaveLength(1) // the server did create it
    await outbox.sync()
    await outbox.sync()
    expect(server.createCalls).toEqual(['k1', 'k1'])
    expect(server.cases).toHaveLength(1)
    expect(server.uploads).toEqual([{ caseId: 100, key: 'k1-p0', name: 'p0.png' }])
  })

  it('does nothing while offline and stops at the first network failure', async () => {
    const { server, state, outbox } = setup({ online: false })
    await outbox.submit(draft('a'))
    await outbox.submit(draft('b'))
    expect(await outbox.sync()).toEqual({ sent: 0, failed: 0, remaining: 2 })
    expect(server.createCalls).toEqual([])
    state.online = true
    server.down = true
    expect(await outbox.sync()).toEqual({ sent: 0, failed: 0, remaining: 2 })
    expect(server.createCalls).toEqual(['a'])
    const [a] = await outbox.list()
    expect(a!.attempts).toBe(1)
  })

  it('keeps transient failures pending and marks refused drafts failed', async () => {
    const { server, state, outbox } = setup({ online: false })
    await outbox.submit(draft('a'))
    state.online = true
    server.failCreate = 503
    expect(await outbox.sync()).toMatchObject({ sent: 0, failed: 0, remaining: 1 })
    server.failCreate = 422
    expect(await outbox.sync()).toMatchObject({ sent: 0, failed: 1, remaining: 0 })
    const [a] = await outbox.list()
    expect(a).toMatchObject({ status: 'failed', error: 'HTTP 422' })
    // A failed draft waits for the user: a later sync leaves it alone…
    server.failCreate = null
    await outbox.sync()
    expect(server.cases).toHaveLength(0)
    // …until they retry it.
    expect(await outbox.retry('a')).toMatchObject({ sent: 1, remaining: 0 })
    expect(server.cases.map((c) => c.key)).toEqual(['a'])
  })

  it('shares one run between concurrent calls', async () => {
    const { server, state, outbox } = setup({ online: false })
    await outbox.submit(draft('a'))
    state.online = true
    const [r1, r2] = await Promise.all([outbox.sync(), outbox.sync()])
    expect(r1).toBe(r2)
    expect(server.createCalls).toEqual(['a'])
  })

  it("leaves another user's drafts alone", async () => {
    const { server, state, outbox } = setup({ online: false, owner: 7 })
    await outbox.submit(draft('mine'))
    state.owner = 8
    state.online = true
    expect(await outbox.list()).toEqual([])
    expect(await outbox.sync()).toEqual({ sent: 0, failed: 0, remaining: 0 })
    expect(server.createCalls).toEqual([])
    state.owner = 7
    expect(await outbox.sync()).toMatchObject({ sent: 1 })
  })

  it('notifies listeners when entries change', async () => {
    const { state, outbox } = setup({ online: false })
    let calls = 0
    outbox.onChange(() => calls++)
    await outbox.submit(draft('a'))
    expect(calls).toBe(1)
    state.online = true
    await outbox.sync()
    expect(calls).toBeGreaterThanOrEqual(2)
  })

  it('discards a draft on request', async () => {
    const { outbox } = setup({ online: false })
    await outbox.submit(draft('a'))
    await outbox.discard('a')
    expect(await outbox.list()).toEqual([])
  })
})
