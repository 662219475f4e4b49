/** FNV-1a 32-bit hash of a string, finished with murmur3's avalanche so that near codes spread apart. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** HSL (degrees, percent, percent) to #rrggbb. */
export function hslToHex(h: number, s: number, l: number): string {
  const sat = s / 100
  const lig = l / 100
  const a = sat * Math.min(lig, 1 - lig)
  const channel = (n: number): string => {
    const k = (n + h / 30) % 12
    const c = lig - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0')
  }
  return `#${channel(0)}${channel(8)}${channel(4)}`
}

/**
 * A stable, readable colour for an area code (used to tell communities apart on
 * the map). The same code always gives the same colour, on every machine.
 */
export function colorFromCode(code: string): string {
  const h = hashString(code)
  const hue = h % 360
  const sat = 55 + ((h >>> 9) % 20) // 55–74 %
  const light = 40 + ((h >>> 17) % 14) // 40–53 %
  return hslToHex(hue, sat, light)
}
