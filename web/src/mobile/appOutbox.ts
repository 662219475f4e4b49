// The browser's outbox instance: IndexedDB storage, the real API as sender,
// syncing on start, on the 'online' event and every 30 s while items wait.
import { reactive } from 'vue'
import { ApiError, errorText, isNetworkError, mCaseApi } from './api'
import { IdbOutboxStore } from './lib/idb'
import { Outbox, type FailureKind, type OutboxEntry, type SyncResult } from './lib/outbox'
import { ensureCsrf, session } from './session'
import { mobileLocale } from './i18n'

export function classify(e: unknown): { kind: FailureKind; message: string } {
  const message = errorText(e, mobileLocale(), String(e))
  if (isNetworkError(e) || !(e instanceof ApiError)) return { kind: 'network', message }
  const s = e.status
  if (s >= 500 || s === 408 || s === 429 || s === 401 || s === 403) return { kind: 'transient', message }
  return { kind: 'permanent', message }
}

export const outbox = new Outbox({
  store: new IdbOutboxStore(),
  sender: {
    async create(input, key) {
      await ensureCsrf()
      return mCaseApi.create(input, key)
    },
    async upload(caseId, photo) {
      await ensureCsrf()
      await mCaseApi.upload(caseId, photo.blob, photo.name, { key: photo.key })
    },
  },
  classify,
  online: () => navigator.onLine,
  owner: () => session.user?.id ?? null,
  lock: <T>(fn: () => Promise<T>): Promise<T> =>
    'locks' in navigator ? (navigator.locks.request('tongxin-outbox', fn) as Promise<T>) : fn(),
})

export const outboxState = reactive<{ entries: OutboxEntry[]; syncing: boolean; lastSync: SyncResult | null }>({
  entries: [],
  syncing: false,
  lastSync: null,
})

export async function refreshOutbox(): Promise<void> {
  try {
    outboxState.entries = await outbox.list()
  } catch {
    outboxState.entries = []
  }
}

outbox.onChange(() => void refreshOutbox())

/** Sends what waits; listeners may show the result. */
export async function syncOutbox(): Promise<SyncResult | null> {
  if (!session.user) return null
  outboxState.syncing = true
  try {
    const r = await outbox.sync()
    outboxState.lastSync = r
    return r
  } catch {
    return null
  } finally {
    outboxState.syncing = false
    await refreshOutbox()
  }
}

let started = false

/** Called once the grid-worker app is open. */
export function startAutoSync(): void {
  if (started) return
  started = true
  void refreshOutbox().then(() => syncOutbox())
  window.addEventListener('online', () => void syncOutbox())
  window.setInterval(() => {
    if (navigator.onLine && outboxState.entries.some((e) => e.status === 'pending')) void syncOutbox()
  }, 30_000)
}
