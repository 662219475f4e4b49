import { describe, expect, it } from 'vitest'
import type { Area, AreaLevel } from '@/api/types'
import { buildAreaTree, countByLevel, isWithin, levelOfCode, levelsBelow, topAreas } from './areas'

function area(code: string, level: AreaLevel, parent: string | null): Area {
  return { code, name: `A${code}`, level, parent_code: parent, valid_from: '2024-01-01T00:00:00Z', valid_to: null }
}

const flat: Area[] = [
  area('370211001', 'subdistrict', '370211'),
  area('370211001002', 'community', '370211001'),
  area('370211001001', 'community', '370211001'),
  area('370211001001002', 'grid', '370211001001'),
  area('370211001001001', 'grid', '370211001001'),
  area('370211001001001001', 'microgrid', '370211001001001'),
  area('370211001002001', 'grid', '370211001002'),
]

describe('buildAreaTree', () => {
  it('nests by parent code, roots are nodes whose parent is absent, ordered by code', () => {
    const roots = buildAreaTree(flat)
    expect(roots.map((r) => r.code)).toEqual(['370211001'])
    const communities = roots[0]!.children
    expect(communities.map((c) => c.code)).toEqual(['370211001001', '370211001002'])
    expect(communities[0]!.children.map((c) => c.code)).toEqual(['370211001001001', '370211001001002'])
    expect(communities[0]!.children[0]!.children[0]!.isLeaf).toBe(true)
    expect(communities[0]!.isLeaf).toBe(false)
  })

  it('drops duplicates and keeps several roots', () => {
    const roots = buildAreaTree([...flat, flat[3]!, area('370211002', 'subdistrict', '370211')])
    expect(roots.map((r) => r.code)).toEqual(['370211001', '370211002'])
    expect(roots[0]!.children[0]!.children).toHaveLength(2)
  })

  it('does not alter its input', () => {
    const copy = JSON.parse(JSON.stringify(flat))
    buildAreaTree(flat)
    expect(flat).toEqual(copy)
  })
})

describe('area helpers', () => {
  it('finds the tops of overlapping scopes', () => {
    const tops = topAreas([flat[3]!, flat[0]!, flat[1]!, area('370211002', 'subdistrict', '370211'), flat[0]!])
    expect(tops.map((a) => a.code)).toEqual(['370211001', '370211002'])
  })

  it('tests containment by prefix and knows levels', () => {
    expect(isWithin('370211001001002', '370211001')).toBe(true)
    expect(isWithin('370211002001', '370211001')).toBe(false)
    expect(levelOfCode('370211001003002')).toBe('grid')
    expect(levelOfCode('12345')).toBeUndefined()
    expect(levelsBelow('community')).toEqual(['grid', 'microgrid'])
    expect(countByLevel(flat)).toEqual({ subdistrict: 1, community: 2, grid: 3, microgrid: 1 })
  })
})
