import { describe, expect, it } from 'vitest'
import type { MUser } from '../api/types'
import { canUseApp, canUsePortal, landingFor, landingPath } from './landing'

// Permissions as the server's role catalogue grants them.
const PERMS: Record<string, string[]> = {
  grid_worker: ['areas:read', 'cases:handle', 'cases:read', 'cases:report', 'registry:read', 'registry:write', 'stats:read'],
  head: ['areas:read', 'cases:report'],
  community_staff: ['areas:read', 'cases:handle', 'cases:read', 'cases:report'],
  community_secretary: ['areas:read', 'cases:dispatch', 'cases:handle', 'cases:read', 'cases:report', 'users:read'],
  department_handler: ['areas:read', 'cases:handle', 'cases:read', 'stats:read'],
  resident: ['cases:report'],
  enterprise_user: ['cases:report'],
  leader: ['areas:read', 'cases:read', 'enterprises:read', 'stats:read'],
  volunteer_manager: ['areas:read', 'cases:read', 'stats:read', 'volunteers:manage'],
}

function user(...roles: string[]): MUser {
  return {
    id: 1,
    username: 'u',
    display_name: 'U',
    roles: roles.map((role) => ({ role, area_code: '370211001001001', area_name: 'g' })),
    permissions: [...new Set(roles.flatMap((r) => PERMS[r] ?? []))].sort(),
  }
}

describe('landingFor', () => {
  it.each([
    [['grid_worker'], 'app'],
    [['head'], 'app'],
    [['community_staff'], 'app'],
    [['community_secretary'], 'app'],
    [['department_handler'], 'app'],
    [['resident'], 'portal'],
    [['grid_worker', 'resident'], 'app'],
    [['head', 'resident'], 'app'],
    [['leader', 'resident'], 'portal'],
    [['leader'], 'none'],
    [['volunteer_manager'], 'none'],
    [['enterprise_user'], 'none'],
    [[], 'none'],
  ])('%j lands in %s', (roles, want) => {
    expect(landingFor(user(...roles))).toBe(want)
  })

  it('lets a grid worker who is also a resident use both', () => {
    const u = user('grid_worker', 'resident')
    expect(canUseApp(u)).toBe(true)
    expect(canUsePortal(u)).toBe(true)
    expect(canUseApp(user('resident'))).toBe(false)
    expect(canUsePortal(user('grid_worker'))).toBe(false)
  })

  it('maps landings to paths under the router base', () => {
    expect(landingPath('app')).toBe('/app/report')
    expect(landingPath('portal')).toBe('/portal/report')
    expect(landingPath('none')).toBe('/unsupported')
  })
})
