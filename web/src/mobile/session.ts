// Who is logged in. The user is also kept in localStorage so that the
// grid-worker app opens (and queues reports) when started without network.
import { reactive } from 'vue'
import { getCsrfToken, setCsrfToken, type PendingStep } from '@/api/client'
import { pendingStepFor } from '@/utils/login'
import { isNetworkError, mAuthApi } from './api'
import type { MLoginInput, MUser } from './api/types'

const CACHE_KEY = 'tongxin.m.user'

export const session = reactive<{ user: MUser | null; checked: boolean; announced: PendingStep | null }>({
  user: null,
  checked: false,
  // A step the server announced with a 403 before /auth/me said so (e.g. the password expired mid-session).
  announced: null,
})

/**
 * What the user must do before anything else (a forced password change, a
 * required second factor); the server refuses every other call meanwhile.
 */
export function pendingStep(): PendingStep | null {
  return pendingStepFor(session.user) ?? (session.user ? session.announced : null)
}

/** Called on a 403 announcing a pending step. */
export function announceStep(step: PendingStep): void {
  if (session.user) session.announced = step
}

/** Asks the server again who we are (after completing a step). */
export async function refreshSession(): Promise<MUser> {
  const s = await mAuthApi.me()
  setCsrfToken(s.csrf_token)
  session.user = s.user
  session.announced = null
  remember(s.user)
  return s.user
}

function remember(user: MUser | null): void {
  try {
    if (user) localStorage.setItem(CACHE_KEY, JSON.stringify(user))
    else localStorage.removeItem(CACHE_KEY)
  } catch {
    // storage unavailable
  }
}

function remembered(): MUser | null {
  try {
    const raw = localStorage.getItem(CACHE_KEY)
    return raw ? (JSON.parse(raw) as MUser) : null
  } catch {
    return null
  }
}

/** Asks the server once who we are; offline, trusts the last known user. */
export async function loadSession(): Promise<MUser | null> {
  if (session.checked) return session.user
  try {
    const s = await mAuthApi.me()
    setCsrfToken(s.csrf_token)
    session.user = s.user
    remember(s.user)
  } catch (e) {
    session.user = isNetworkError(e) ? remembered() : null
    if (!session.user) remember(null)
  }
  session.checked = true
  return session.user
}

export async function login(input: MLoginInput): Promise<MUser> {
  const s = await mAuthApi.login(input)
  setCsrfToken(s.csrf_token)
  session.user = s.user
  session.announced = null
  session.checked = true
  remember(s.user)
  return s.user
}

export async function logout(): Promise<void> {
  try {
    await mAuthApi.logout()
  } catch {
    // the session is dropped locally either way
  }
  forget()
}

/** Drops the local session (after a 401 or a logout). */
export function forget(): void {
  session.user = null
  session.announced = null
  session.checked = true
  setCsrfToken('')
  remember(null)
}

/** A session restored offline has no CSRF token yet: fetch it before writing. */
export async function ensureCsrf(): Promise<void> {
  if (getCsrfToken()) return
  const s = await mAuthApi.me()
  setCsrfToken(s.csrf_token)
  session.user = s.user
  remember(s.user)
}
