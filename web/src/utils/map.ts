import type { AreaLevel, BoundaryProperties } from '@/api/types'
import { colorFromCode } from './color'

/** Levels that the map can draw, finest last. */
export const MAP_LEVELS: AreaLevel[] = ['community', 'grid', 'microgrid']

/** The levels the map offers below an area, and the one to show first ("grid" when possible). */
export function mapLevelsFor(level: AreaLevel): { options: AreaLevel[]; initial: AreaLevel | null } {
  const order: AreaLevel[] = ['district', 'subdistrict', 'community', 'grid', 'microgrid']
  const below = order.slice(order.indexOf(level) + 1)
  const options = MAP_LEVELS.filter((l) => below.includes(l))
  const initial = options.includes('grid') ? 'grid' : (options[0] ?? null)
  return { options, initial }
}

export interface PathStyle {
  color: string
  weight: number
  opacity: number
  fillColor: string
  fillOpacity: number
  className?: string
}

export type ColourBy = 'community' | 'self'

/**
 * How to colour a layer: per community when it spans several communities,
 * else per feature (inside one community every grid gets its own colour).
 */
export function colourByFor(features: { properties: Pick<BoundaryProperties, 'community_code'> }[]): ColourBy {
  const communities = new Set(features.map((f) => f.properties.community_code))
  return communities.size > 1 ? 'community' : 'self'
}

/** Style of a boundary feature: filled with its community's (or its own) colour, thin white border. */
export function featureStyle(
  p: Pick<BoundaryProperties, 'code' | 'community_code'>,
  level: AreaLevel,
  colourBy: ColourBy = 'community',
): PathStyle {
  return {
    color: '#ffffff',
    weight: level === 'microgrid' ? 0.8 : 1.2,
    opacity: 1,
    fillColor: colorFromCode(colourBy === 'community' ? p.community_code || p.code : p.code),
    fillOpacity: 0.5,
    className: `tx-grid tx-level-${level}`,
  }
}

/** Outline of a feature that contains a located point (the point's microgrid is drawn on top). */
export const CONTAINER_STYLE: Partial<PathStyle> = {
  color: '#c8102e',
  weight: 2.5,
}

export const SELECTED_STYLE: PathStyle = {
  color: '#c8102e',
  weight: 3,
  opacity: 1,
  fillColor: '#ffd86b',
  fillOpacity: 0.65,
}

/** Parses a longitude/latitude pair typed by a person; null when out of range. */
export function parseLngLat(lngText: string, latText: string): { lng: number; lat: number } | null {
  const lng = Number(lngText.trim())
  const lat = Number(latText.trim())
  if (!lngText.trim() || !latText.trim() || !Number.isFinite(lng) || !Number.isFinite(lat)) return null
  if (lng < -180 || lng > 180 || lat < -90 || lat > 90) return null
  return { lng, lat }
}
