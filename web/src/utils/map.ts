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

/** The colours of the coverage scale, from 0 % to 100 %. */
export const COVERAGE_STOPS = ['#d73027', '#fc8d59', '#fee08b', '#d9ef8b', '#91cf60', '#1a9850']

/** The fill colour of a coverage ratio (0–1; clamped): red when nothing is visited, green when all is. */
export function coverageColor(ratio: number): string {
  const r = Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 0
  if (r === 0) return COVERAGE_STOPS[0]
  const i = Math.min(COVERAGE_STOPS.length - 1, 1 + Math.floor(r * (COVERAGE_STOPS.length - 1) - 1e-9))
  return COVERAGE_STOPS[i]
}

/** A ratio as a percentage: whole above 10 %, one decimal below, "<0.1%" for a sliver above 0. */
export function percent(ratio: number): string {
  const r = Number.isFinite(ratio) ? ratio : 0
  if (r <= 0) return '0%'
  if (r < 0.001) return '<0.1%'
  if (r < 0.1) return `${(Math.round(r * 1000) / 10).toFixed(1)}%`
  return `${Math.round(r * 100)}%`
}
