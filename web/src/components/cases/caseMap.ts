// Leaflet plumbing shared by the case maps: a plain map (tiles only when the
// deployment configures them), light grid boundaries, case markers.
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import { areasApi, settingsApi, type AreaLevel, type BoundaryCollection, type BoundaryFeature, type UiSettings } from '@/api'
import { colorFromCode } from '@/utils/color'
import { mapLevelsFor } from '@/utils/map'
import { stateStyle } from '@/utils/cases'

declare global {
  interface Window {
    /** The new-case form's map, for the browser tests (latLngToContainerPoint …). */
    __txCaseMap?: L.Map
    /** The case list's map view, for the browser tests. */
    __txCasesMap?: { markers: number; ids: number[]; map: L.Map }
  }
}

/** A point picked on a map, WGS-84. */
export interface PickedPoint {
  lng: number
  lat: number
}

let uiSettings: Promise<UiSettings | null> | null = null

/** A map without a base layer (grids are drawn as polygons); tiles are added when configured. */
export function createMap(el: HTMLElement, opts: L.MapOptions = {}): L.Map {
  const map = L.map(el, {
    zoomControl: true,
    attributionControl: false,
    zoomSnap: 0.25,
    zoomDelta: 0.5,
    wheelPxPerZoomLevel: 120,
    center: [35.96, 120.19],
    zoom: 13,
    ...opts,
  })
  L.control.scale({ imperial: false }).addTo(map)
  let alive = true
  map.on('unload', () => {
    alive = false
  })
  uiSettings ??= settingsApi.ui().catch(() => null)
  void uiSettings.then((ui) => {
    if (alive && ui?.tile_url) {
      L.tileLayer(ui.tile_url, { attribution: ui.tile_attribution || '', maxZoom: 20 }).addTo(map)
      if (ui.tile_attribution) L.control.attribution({ prefix: false }).addTo(map)
    }
  })
  return map
}

/** The boundary level drawn under cases: grids below a community/subdistrict, microgrids below a grid. */
export function boundaryLevel(level: AreaLevel): AreaLevel | null {
  return mapLevelsFor(level).initial
}

const cache = new Map<string, Promise<BoundaryCollection>>()

/** Boundaries of one level below an area (cached for the session; they rarely change). */
export function boundaries(code: string, level: AreaLevel): Promise<BoundaryCollection> {
  const key = `${code}/${level}`
  let p = cache.get(key)
  if (!p) {
    p = areasApi.boundaries(code, level)
    p.catch(() => cache.delete(key))
    cache.set(key, p)
  }
  return p
}

/** Grid polygons drawn lightly (not clickable: clicks go to the map and the markers). */
export function lightBoundaries(fc: BoundaryCollection, highlight?: string): L.GeoJSON {
  return L.geoJSON(fc as unknown as GeoJSON.FeatureCollection, {
    interactive: false,
    style: (f) => {
      const p = (f as unknown as BoundaryFeature).properties
      const hit = !!highlight && highlight.startsWith(p.code)
      const c = colorFromCode(p.community_code || p.code)
      return {
        color: hit ? '#c8102e' : c,
        weight: hit ? 2.5 : 1,
        opacity: hit ? 1 : 0.55,
        fillColor: hit ? '#ffd86b' : c,
        fillOpacity: hit ? 0.4 : 0.1,
        className: 'tx-case-boundary',
      }
    },
  })
}

/** A case as a circle marker in its state's colour; overdue cases get a red ring. */
export function caseMarker(lat: number, lng: number, state: string, overdue: boolean, radius = 7): L.CircleMarker {
  return L.circleMarker([lat, lng], {
    radius,
    color: overdue ? '#c8102e' : '#ffffff',
    weight: overdue ? 3 : 2,
    opacity: 1,
    fillColor: stateStyle(state).color,
    fillOpacity: 0.95,
    className: `tx-case-marker tx-case-${state}`,
  })
}
