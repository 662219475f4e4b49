import { describe, expect, it } from 'vitest'
import { COVERAGE_STOPS, colourByFor, coverageColor, featureStyle, mapLevelsFor, parseLngLat, percent } from './map'
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

describe('coverageColor', () => {
  it('is red at 0 and green at 100 %', () => {
    expect(coverageColor(0)).toBe(COVERAGE_STOPS[0])
    expect(coverageColor(1)).toBe(COVERAGE_STOPS[COVERAGE_STOPS.length - 1])
    expect(coverageColor(0.01)).toBe(COVERAGE_STOPS[1])
    expect(coverageColor(2)).toBe(COVERAGE_STOPS[COVERAGE_STOPS.length - 1])
    expect(coverageColor(Number.NaN)).toBe(COVERAGE_STOPS[0])
  })
  it('prints percentages', () => {
    expect(percent(0.256)).toBe('26%')
    expect(percent(0)).toBe('0%')
    expect(percent(0.0042)).toBe('0.4%')
    expect(percent(0.0004)).toBe('<0.1%')
    expect(percent(1)).toBe('100%')
  })
})
