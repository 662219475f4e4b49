// The unread-notification count shown on the header bell, polled every minute.
import { ref } from 'vue'
import { notificationsApi } from '@/api/cases'
import { ApiError } from '@/api/client'

export const POLL_MS = 60_000

export const unreadCount = ref(0)
let timer: ReturnType<typeof setInterval> | null = null
let users = 0

export async function refreshUnread(): Promise<void> {
  try {
    const r = await notificationsApi.list(true)
    unreadCount.value = typeof r.unread === 'number' ? r.unread : r.items.length
  } catch (e) {
    // A failed poll is not worth a message; a 401 is handled by the client.
    if (!(e instanceof ApiError)) console.error(e)
  }
}

/** Starts polling (reference-counted: several components may ask). */
export function startPolling(): void {
  users++
  if (timer) return
  void refreshUnread()
  timer = setInterval(() => void refreshUnread(), POLL_MS)
}

export function stopPolling(): void {
  users = Math.max(0, users - 1)
  if (users === 0 && timer) {
    clearInterval(timer)
    timer = null
  }
}
