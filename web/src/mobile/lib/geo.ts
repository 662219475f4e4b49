// The phone's position in WGS-84 (what navigator.geolocation reports).
export interface GpsFix {
  lng: number
  lat: number
  accuracy: number
}

export function currentPosition(timeoutMs = 15_000): Promise<GpsFix> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('geolocation unavailable'))
      return
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lng: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy }),
      (e) => reject(new Error(e.message || `geolocation error ${e.code}`)),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60_000 },
    )
  })
}

/** Rounds a coordinate for display (≈1 m). */
export function fixed(n: number): string {
  return n.toFixed(5)
}
