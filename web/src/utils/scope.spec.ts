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

  it('honours the wildcard permission', () => {
    expect(holdsOver({ ...secretary, permissions: ['*'] }, 'registry:configure', '370211001001')).toBe(true)
  })
})
