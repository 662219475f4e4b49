import type { CaseInput } from '../api/types'
import type { GpsFix } from './geo'

/** Where a report is: a GPS fix (with the microgrid it fell in, when known) or an area picked by hand. */
export interface LocationValue {
  gps: GpsFix | null
  gridName: string
  manual: { code: string; name: string } | null
}

export const noLocation = (): LocationValue => ({ gps: null, gridName: '', manual: null })

/** The location part of a case request: a hand-picked area wins over GPS. */
export function locationInput(v: LocationValue): Pick<CaseInput, 'lng' | 'lat' | 'crs' | 'area_code'> | null {
  if (v.manual) return { area_code: v.manual.code }
  if (v.gps) return { lng: v.gps.lng, lat: v.gps.lat, crs: 'wgs84' }
  return null
}
