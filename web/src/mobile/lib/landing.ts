import type { MUser } from '../api/types'

/** Which phone app a user works in. */
export type Landing = 'app' | 'portal' | 'none'

const has = (u: MUser, perm: string) => u.permissions.includes(perm)
const roleCodes = (u: MUser) => u.roles.map((r) => r.role)

// Roles that never report cases themselves: with one of them, cases:report
// can only come from another role (resident, enterprise). Permissions reach
// the client as one union, so the role decides where it came from.
const NON_REPORTING = new Set(['resident', 'enterprise_user', 'leader', 'volunteer_manager'])

/**
 * Grid workers, heads, community staff and anyone else who handles cases, or
 * reports them without being a resident, use the grid-worker app. Enterprise
 * accounts have their own portal, not this one.
 */
export function canUseApp(u: MUser): boolean {
  if (has(u, 'cases:handle')) return true
  return has(u, 'cases:report') && roleCodes(u).some((r) => !NON_REPORTING.has(r))
}

/** Residents (whatever else they are) may use the resident portal. */
export function canUsePortal(u: MUser): boolean {
  return roleCodes(u).includes('resident')
}

/** Where a user lands after logging in: the app wins for someone who is both. */
export function landingFor(u: MUser): Landing {
  if (canUseApp(u)) return 'app'
  if (canUsePortal(u)) return 'portal'
  return 'none'
}

export function landingPath(l: Landing): string {
  return l === 'app' ? '/app/report' : l === 'portal' ? '/portal/report' : '/unsupported'
}
