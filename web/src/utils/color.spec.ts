import { describe, expect, it } from 'vitest'
import { colorFromCode, hashString, hslToHex } from './color'

describe('colorFromCode', () => {
  it('is stable and a #rrggbb colour', () => {
    const c = colorFromCode('370211001003')
    expect(c).toMatch(/^#[0-9a-f]{6}$/)
    expect(colorFromCode('370211001003')).toBe(c)
    // Pinned so that a change of the formula (and of every map) is noticed.
    expect(hashString('370211001003')).toBe(2323285017)
    expect(c).toBe('#29a8a2')
  })

  it('gives neighbouring community codes clearly different hues', () => {
    const codes = Array.from({ length: 29 }, (_, i) => `370211001${String(i + 1).padStart(3, '0')}`)
    const colours = new Set(codes.map(colorFromCode))
    expect(colours.size).toBe(codes.length)
    const hues = codes.map((c) => hashString(c) % 360)
    let close = 0
    for (let i = 1; i < hues.length; i++) {
      const d = Math.abs(hues[i]! - hues[i - 1]!)
      if (Math.min(d, 360 - d) < 10) close++
    }
    expect(close).toBeLessThan(4)
  })

  it('converts HSL to hex', () => {
    expect(hslToHex(0, 100, 50)).toBe('#ff0000')
    expect(hslToHex(120, 100, 25)).toBe('#008000')
    expect(hslToHex(240, 100, 50)).toBe('#0000ff')
    expect(hslToHex(0, 0, 100)).toBe('#ffffff')
  })
})
