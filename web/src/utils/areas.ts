import type { Area, AreaLevel } from '@/api/types'

export const LEVELS: AreaLevel[] = ['district', 'subdistrict', 'community', 'grid', 'microgrid']

/** Code width of each level (DESIGN §4.1). */
export const LEVEL_WIDTH: Record<AreaLevel, number> = {
  district: 6,
  subdistrict: 9,
  community: 12,
  grid: 15,
  microgrid: 18,
}

export function levelIndex(level: AreaLevel): number {
  return LEVELS.indexOf(level)
}

/** The level that a code of this width denotes, if any. */
export function levelOfCode(code: string): AreaLevel | undefined {
  return LEVELS.find((l) => LEVEL_WIDTH[l] === code.length)
}

/** Levels strictly below `level`. */
export function levelsBelow(level: AreaLevel): AreaLevel[] {
  return LEVELS.slice(levelIndex(level) + 1)
}

/** True when `code` is `ancestor` or lies inside it (prefix test, §4.1). */
export function isWithin(code: string, ancestor: string): boolean {
  return code.startsWith(ancestor)
}

export interface AreaNode extends Area {
  children: AreaNode[]
  isLeaf: boolean
}

/**
 * Builds a forest from a flat list of areas. A node whose parent is not in
 * the list becomes a root. Duplicates (same code) are dropped; children and
 * roots are ordered by code.
 */
export function buildAreaTree(items: Area[]): AreaNode[] {
  const byCode = new Map<string, AreaNode>()
  for (const a of items) {
    if (!byCode.has(a.code)) byCode.set(a.code, { ...a, children: [], isLeaf: a.level === 'microgrid' })
  }
  const roots: AreaNode[] = []
  for (const node of byCode.values()) {
    const parent = node.parent_code ? byCode.get(node.parent_code) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const sort = (nodes: AreaNode[]): void => {
    nodes.sort((a, b) => a.code.localeCompare(b.code))
    for (const n of nodes) sort(n.children)
  }
  sort(roots)
  return roots
}

/**
 * The tops of a set of areas: those not inside any other area of the set
 * (role bindings may overlap, e.g. a subdistrict and one of its communities).
 */
export function topAreas(items: Area[]): Area[] {
  const unique = new Map<string, Area>()
  for (const a of items) if (!unique.has(a.code)) unique.set(a.code, a)
  const all = [...unique.values()].sort((a, b) => a.code.length - b.code.length || a.code.localeCompare(b.code))
  const tops: Area[] = []
  for (const a of all) {
    if (!tops.some((t) => a.code !== t.code && isWithin(a.code, t.code))) tops.push(a)
  }
  return tops.sort((a, b) => a.code.localeCompare(b.code))
}

/** Number of areas per level in a list, e.g. {community: 29, grid: 150}. */
export function countByLevel(items: Area[]): Partial<Record<AreaLevel, number>> {
  const out: Partial<Record<AreaLevel, number>> = {}
  for (const a of items) out[a.level] = (out[a.level] ?? 0) + 1
  return out
}
