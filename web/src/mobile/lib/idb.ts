// The outbox's IndexedDB store: one object store keyed by the draft's
// Idempotency-Key; photos are kept as Blobs (structured clone).
import type { OutboxEntry, OutboxStore } from './outbox'

const DB_NAME = 'tongxin-mobile'
const STORE = 'outbox'

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

export class IdbOutboxStore implements OutboxStore {
  private db: Promise<IDBDatabase> | null = null

  private open(): Promise<IDBDatabase> {
    if (!this.db) {
      this.db = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB_NAME, 1)
        req.onupgradeneeded = () => {
          if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'key' })
        }
        req.onsuccess = () => resolve(req.result)
        req.onerror = () => reject(req.error)
      })
      this.db.catch(() => {
        this.db = null
      })
    }
    return this.db
  }

  private async tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open()
    const t = db.transaction(STORE, mode)
    const complete = new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve()
      t.onabort = t.onerror = () => reject(t.error)
    })
    const result = await done(fn(t.objectStore(STORE)))
    await complete
    return result
  }

  all(): Promise<OutboxEntry[]> {
    return this.tx('readonly', (s) => s.getAll() as IDBRequest<OutboxEntry[]>)
  }

  async put(entry: OutboxEntry): Promise<void> {
    await this.tx('readwrite', (s) => s.put(entry))
  }

  async remove(key: string): Promise<void> {
    await this.tx('readwrite', (s) => s.delete(key))
  }
}
