// The grid-worker app's outbox: reports that could not reach the server wait
// here (IndexedDB in the browser, memory in tests) with the Idempotency-Key of
// their draft and their photos as Blobs, and are sent again when the network
// is back. The server answers a repeated key with the case it created first,
// so a report whose response was lost is never filed twice.
import type { CaseInput } from '../api/types'

export interface OutboxPhoto {
  /** Idempotency-Key of this upload, fixed when the photo joined the draft. */
  key: string
  name: string
  type: string
  blob: Blob
}

export interface OutboxEntry {
  /** The draft's Idempotency-Key; also the entry's identity. */
  key: string
  input: CaseInput
  /** Photos still to upload (they go up after the case exists). */
  photos: OutboxPhoto[]
  /** What the list shows beside the title (the category). */
  label: string
  created_at: string
  /** Set once the server has the case; only the photos are left then. */
  case_id: number | null
  /** The user who wrote it; only they send it. */
  owner: number | null
  status: 'pending' | 'failed'
  attempts: number
  error: string | null
}

export interface OutboxStore {
  all(): Promise<OutboxEntry[]>
  put(entry: OutboxEntry): Promise<void>
  remove(key: string): Promise<void>
}

export interface OutboxSender {
  create(input: CaseInput, key: string): Promise<{ id: number }>
  upload(caseId: number, photo: OutboxPhoto): Promise<void>
}

/**
 * network: the request never reached the server; transient: worth retrying
 * later (5xx, 429, an expired session); permanent: the server refused this
 * request for good (validation, conflict) and retrying cannot help.
 */
export type FailureKind = 'network' | 'transient' | 'permanent'

export interface OutboxOptions {
  store: OutboxStore
  sender: OutboxSender
  classify: (e: unknown) => { kind: FailureKind; message: string }
  online?: () => boolean
  now?: () => Date
  /** The logged-in user: entries of other users stay untouched. */
  owner?: () => number | null
  /** Serialises syncs across tabs (navigator.locks in the browser). */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>
}

export interface Draft {
  key: string
  input: CaseInput
  photos: OutboxPhoto[]
  label: string
}

export type SubmitResult =
  | { kind: 'sent'; caseId: number; photosQueued: number; photoErrors: string[] }
  | { kind: 'queued' }

export interface SyncResult {
  sent: number
  failed: number
  remaining: number
}

interface PhotoOutcome {
  stopped: boolean
  queued: number
  errors: string[]
}

export class MemoryOutboxStore implements OutboxStore {
  private readonly entries = new Map<string, OutboxEntry>()

  async all(): Promise<OutboxEntry[]> {
    return [...this.entries.values()].map((e) => ({ ...e, photos: [...e.photos] }))
  }

  async put(entry: OutboxEntry): Promise<void> {
    this.entries.set(entry.key, { ...entry, photos: [...entry.photos] })
  }

  async remove(key: string): Promise<void> {
    this.entries.delete(key)
  }
}

export class Outbox {
  private running: Promise<SyncResult> | null = null
  private readonly listeners = new Set<() => void>()
  private readonly online: () => boolean
  private readonly now: () => Date
  private readonly lock: <T>(fn: () => Promise<T>) => Promise<T>
  private readonly owner: () => number | null

  constructor(private readonly opts: OutboxOptions) {
    this.online = opts.online ?? (() => true)
    this.now = opts.now ?? (() => new Date())
    this.lock = opts.lock ?? ((fn) => fn())
    this.owner = opts.owner ?? (() => null)
  }

  /** Called after every change of the stored entries. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private changed(): void {
    for (const fn of this.listeners) fn()
  }

  /** The current user's stored entries, oldest first. */
  async list(): Promise<OutboxEntry[]> {
    const owner = this.owner()
    const all = (await this.opts.store.all()).filter((e) => e.owner === owner)
    return all.sort((a, b) => a.created_at.localeCompare(b.created_at))
  }

  async discard(key: string): Promise<void> {
    await this.opts.store.remove(key)
    this.changed()
  }

  /** Puts a failed entry back in line and syncs. */
  async retry(key: string): Promise<SyncResult> {
    const e = (await this.list()).find((x) => x.key === key)
    if (e && e.status === 'failed') {
      await this.opts.store.put({ ...e, status: 'pending', error: null })
      this.changed()
    }
    return this.sync()
  }

  /**
   * Sends a new report now, or stores it when the network is down. Any other
   * failure is thrown to the form, which keeps the draft and its key so that
   * the user's retry is safe.
   */
  async submit(draft: Draft): Promise<SubmitResult> {
    const entry: OutboxEntry = {
      key: draft.key,
      input: JSON.parse(JSON.stringify(draft.input)) as CaseInput,
      photos: draft.photos.map((p) => ({ key: p.key, name: p.name, type: p.type, blob: p.blob })),
      label: draft.label,
      created_at: this.now().toISOString(),
      case_id: null,
      owner: this.owner(),
      status: 'pending',
      attempts: 0,
      error: null,
    }
    if (!this.online()) return this.enqueue(entry)
    let id: number
    try {
      entry.attempts++
      id = (await this.opts.sender.create(entry.input, entry.key)).id
    } catch (e) {
      if (this.opts.classify(e).kind === 'network') return this.enqueue(entry)
      throw e
    }
    entry.case_id = id
    const photos = await this.uploadPhotos(entry, false)
    return { kind: 'sent', caseId: id, photosQueued: photos.queued, photoErrors: photos.errors }
  }

  private async enqueue(entry: OutboxEntry): Promise<SubmitResult> {
    await this.opts.store.put(entry)
    this.changed()
    return { kind: 'queued' }
  }

  /**
   * Uploads the entry's photos in order. On a network or transient failure
   * the entry (with the photos left) is stored and the caller stops; a photo
   * the server refuses is dropped and reported.
   */
  private async uploadPhotos(entry: OutboxEntry, stored: boolean): Promise<PhotoOutcome> {
    const errors: string[] = []
    while (entry.photos.length > 0) {
      const photo = entry.photos[0]!
      try {
        await this.opts.sender.upload(entry.case_id!, photo)
      } catch (e) {
        const c = this.opts.classify(e)
        if (c.kind !== 'permanent') {
          await this.opts.store.put(entry)
          this.changed()
          return { stopped: true, queued: entry.photos.length, errors }
        }
        errors.push(`${photo.name}: ${c.message}`)
      }
      entry.photos = entry.photos.slice(1)
      if (stored && entry.photos.length > 0) await this.opts.store.put(entry)
    }
    if (stored) {
      await this.opts.store.remove(entry.key)
      this.changed()
    }
    return { stopped: false, queued: 0, errors }
  }

  /** Sends the pending entries, oldest first; concurrent calls share one run. */
  sync(): Promise<SyncResult> {
    if (!this.running) {
      this.running = this.lock(() => this.runSync()).finally(() => {
        this.running = null
      })
    }
    return this.running
  }

  private async runSync(): Promise<SyncResult> {
    const result: SyncResult = { sent: 0, failed: 0, remaining: 0 }
    if (this.online()) {
      for (const entry of await this.list()) {
        if (entry.status !== 'pending') continue
        if (entry.case_id === null) {
          entry.attempts++
          try {
            entry.case_id = (await this.opts.sender.create(entry.input, entry.key)).id
          } catch (e) {
            const c = this.opts.classify(e)
            if (c.kind === 'permanent') {
              await this.opts.store.put({ ...entry, status: 'failed', error: c.message })
              this.changed()
              result.failed++
              continue
            }
            await this.opts.store.put(entry)
            break
          }
          await this.opts.store.put(entry)
          this.changed()
        }
        if ((await this.uploadPhotos(entry, true)).stopped) break
        result.sent++
      }
    }
    result.remaining = (await this.list()).filter((e) => e.status === 'pending').length
    return result
  }
}
