import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, authApi, setCsrfToken, type LoginInput, type PendingStep, type User } from '@/api'
import { holdsOver } from '@/utils/scope'
import { pendingStepFor } from '@/utils/login'

export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  /** True once /auth/me has answered (either way). */
  const checked = ref(false)

  const isLoggedIn = computed(() => user.value !== null)

  /**
   * What the user must do before anything else, from the flags of /auth/me:
   * change a forced or expired password first, then enrol a required second
   * factor. The server refuses every other call meanwhile.
   */
  const pendingStep = computed<PendingStep | null>(() => pendingStepFor(user.value) ?? announcedStep.value)
  /** A step the server announced (a 403 mid-session, e.g. the password expired) before /auth/me said so. */
  const announcedStep = ref<PendingStep | null>(null)

  function announceStep(step: PendingStep): void {
    if (user.value) announcedStep.value = step
  }

  /** The distinct areas of the user's role bindings (their scope). */
  const scopeAreas = computed(() => {
    const seen = new Map<string, string>()
    for (const r of user.value?.roles ?? []) if (!seen.has(r.area_code)) seen.set(r.area_code, r.area_name)
    return [...seen.entries()].map(([code, name]) => ({ code, name }))
  })

  /** The distinct role codes of the user. */
  const roleCodes = computed(() => [...new Set((user.value?.roles ?? []).map((r) => r.role))])

  function hasPermission(p: string): boolean {
    const perms = user.value?.permissions ?? []
    return perms.includes(p) || perms.includes('*')
  }

  /** The permission over a record of this area (see holdsOver). */
  function hasPermissionOver(p: string, areaCode: string | null | undefined): boolean {
    return holdsOver(user.value, p, areaCode)
  }

  function setSession(u: User, csrf: string): void {
    user.value = u
    announcedStep.value = null
    setCsrfToken(csrf)
    checked.value = true
  }

  function clear(): void {
    user.value = null
    announcedStep.value = null
    setCsrfToken('')
    checked.value = true
  }

  /** Asks the server who is logged in; a 401 just means nobody. */
  async function fetchMe(): Promise<User | null> {
    try {
      const s = await authApi.me()
      setSession(s.user, s.csrf_token)
    } catch (e) {
      clear()
      if (!(e instanceof ApiError && e.status === 401)) throw e
    }
    return user.value
  }

  async function login(input: LoginInput): Promise<User> {
    const s = await authApi.login(input)
    setSession(s.user, s.csrf_token)
    return s.user
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout()
    } finally {
      clear()
    }
  }

  return { user, checked, isLoggedIn, pendingStep, announceStep, scopeAreas, roleCodes, hasPermission, hasPermissionOver, fetchMe, login, logout, clear }
})

