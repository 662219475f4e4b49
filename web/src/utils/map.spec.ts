import { describe, expect, it } from 'vitest'
import { colourByFor, featureStyle, mapLevelsFor, parseLngLat } from './map'
import { colorFromCode } from './color'

describe('map helpers', () => {
  it('offers the drawable levels below an area, grid first', () => {
    expect(mapLevelsFor('subdistrict')).toEqual({ options: ['community', 'grid', 'microgrid'], initial: 'grid' })
    expect(mapLevelsFor('grid')).toEqual({ options: ['microgrid'], initial: 'microgrid' })
    expect(mapLevelsFor('microgrid')).toEqual({ options: [], initial: null })
  })

  it('colours a feature by its community and marks it for the tests', () => {
    const s = featureStyle({ code: '370211001003002', community_code: '370211001003' }, 'grid')
    expect(s.fillColor).toBe(colorFromCode('370211001003'))
    expect(s.className?.split(' ')).toContain('tx-grid')
  })

  it('colours per feature inside a single community', () => {
    const one = [{ properties: { community_code: 'a' } }, { properties: { community_code: 'a' } }]
    const two = [...one, { properties: { community_code: 'b' } }]
    expect(colourByFor(one)).toBe('self')
    expect(colourByFor(two)).toBe('community')
    const s = featureStyle({ code: '370211001003002', community_code: '370211001003' }, 'grid', 'self')
    expect(s.fillColor).toBe(colorFromCode('370211001003002'))
  })

  it('parses typed coordinates', () => {
    expect(parseLngLat(' 120.18 ', '35.95')).toEqual({ lng: 120.18, lat: 35.95 })
    expect(parseLngLat('', '35')).toBeNull()
    expect(parseLngLat('abc', '35')).toBeNull()
    expect(parseLngLat('200', '35')).toBeNull()
  })
})
