// The login's second step and its throttling, shared by the console and the
// phone apps.
import { ref } from 'vue'
import { ApiError, type PendingStep } from '@/api/client'

/** Six digits, as an authenticator app shows them (spaces removed first). */
export const TOTP_CODE_RE = /^\d{6}$/

/** The login answered that the password was right and a second factor is needed (none or a wrong one given). */
export function isSecondFactorAsked(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401 && (e.code === 'totp_required' || e.code === 'totp_invalid')
}

/** A typed code without the spaces an app or a printout puts in it ("123 456"). */
export function normaliseCode(s: string): string {
  return s.replace(/\s+/g, '')
}

/** Seconds left to wait after a 429, counting down once a second. */
export function useRetryCountdown() {
  const seconds = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null
  function stop(): void {
    if (timer) clearInterval(timer)
    timer = null
  }
  function start(secs: number): void {
    stop()
    seconds.value = Math.max(1, Math.ceil(secs))
    timer = setInterval(() => {
      seconds.value = Math.max(0, seconds.value - 1)
      if (seconds.value === 0) stop()
    }, 1000)
  }
  return { seconds, start, stop }
}

/** The flags of /auth/me that say what a user must do first. */
export interface StepFlags {
  must_change_password?: boolean
  totp_enabled?: boolean
  totp_required?: boolean
}

/**
 * The step a user must complete before anything else, from the flags of
 * /auth/me: a forced or expired password first, then a required second factor.
 */
export function pendingStepFor(u: StepFlags | null | undefined): PendingStep | null {
  if (!u) return null
  if (u.must_change_password) return 'password'
  if (u.totp_required && !u.totp_enabled) return 'totp'
  return null
}
