import { describe, expect, it } from 'vitest'
import type { Category } from '../api/types'
import { groupCategories } from './categories'
import { formatTime, todayInChina } from './format'
import { locationInput } from './location'

const cat = (id: number, parent_id: number | null, sort: number, active = true): Category => ({
  id,
  code: `c${id}`,
  parent_id,
  name: `n${id}`,
  name_en: `e${id}`,
  default_level: 'grid',
  active,
  dispute: false,
  sort,
  resolve_minutes: 60,
  fields: [],
})

describe('groupCategories', () => {
  it('groups active subcategories under active parents, by sort, dropping empty groups', () => {
    const g = groupCategories([cat(1, null, 2), cat(2, null, 1), cat(3, null, 3, false), cat(4, 1, 2), cat(5, 1, 1), cat(6, 2, 1, false), cat(7, 3, 1)])
    expect(g.map((x) => [x.parent.id, x.children.map((c) => c.id)])).toEqual([[1, [5, 4]]])
  })
})

describe('formatTime', () => {
  it('shows UTC times in China time', () => {
    expect(formatTime('2026-05-04T16:30:00Z')).toBe('2026-05-05 00:30')
    expect(formatTime(null)).toBe('')
    expect(todayInChina(new Date('2026-12-31T17:00:00Z'))).toBe('2027-01-01')
  })
})

describe('locationInput', () => {
  it('prefers a hand-picked area over GPS, and needs one of them', () => {
    const gps = { lng: 120.1, lat: 36.1, accuracy: 5 }
    expect(locationInput({ gps, gridName: 'x', manual: null })).toEqual({ lng: 120.1, lat: 36.1, crs: 'wgs84' })
    expect(locationInput({ gps, gridName: '', manual: { code: '370211001001001002', name: 'm' } })).toEqual({
      area_code: '370211001001001002',
    })
    expect(locationInput({ gps: null, gridName: '', manual: null })).toBeNull()
  })
})
