import { describe, expect, it } from 'vitest'
import type { User } from '@/api/types'
import { holdsOver } from './scope'

const secretary: User = {
  id: 3,
  username: 'secretary',
  display_name: '书记',
  roles: [{ role: 'community_secretary', area_code: '370211001001', area_name: '海军路社区' }],
  permissions: ['registry:read', 'registry:write'],
}

describe('holdsOver', () => {
  it('needs the permission and a binding over the area', () => {
    expect(holdsOver(secretary, 'registry:write', '370211001001002003')).toBe(true)
    expect(holdsOver(secretary, 'registry:write', '370211001002001001')).toBe(false)
    expect(holdsOver(secretary, 'registry:configure', '370211001001002003')).toBe(false)
  })

  it('is false without a user or an area', () => {
    expect(holdsOver(null, 'registry:write', '370211001001')).toBe(false)
    expect(holdsOver(secretary, 'registry:write', '')).toBe(false)
  })

  it('uses where each permission holds when the server says', () => {
    // A grid worker who also reads the whole district as a leader.
    const gw: User = {
      id: 5,
      username: 'gw',
      display_name: '网格员',
      roles: [
        { role: 'grid_worker', area_code: '370211001001001', area_name: '第1网格' },
        { role: 'leader', area_code: '370211', area_name: '黄岛区' },
      ],
      permissions: ['cases:handle', 'cases:read'],
      permission_areas: { 'cases:handle': ['370211001001001'], 'cases:read': ['370211'] },
    }
    expect(holdsOver(gw, 'cases:handle', '370211001001001002')).toBe(true)
    expect(holdsOver(gw, 'cases:handle', '370211001002001001')).toBe(false)
    expect(holdsOver(gw, 'cases:read', '370211001002001001')).toBe(true)
  })

  it('honours the wildcard permission', () => {
    expect(holdsOver({ ...secretary, permissions: ['*'] }, 'registry:configure', '370211001001')).toBe(true)
  })
})
