// Package geo holds the geographic primitives of Tongxin: coordinate-system
// conversion between the three systems met in Chinese map data (WGS-84,
// GCJ-02 and BD-09), validated GeoJSON boundary parsing, and the in-memory
// index that places a point in its microgrid.
package geo

import (
	"fmt"
	"math"
	"strings"
)

// CRS names a geographic coordinate reference system.
type CRS string

// The coordinate systems understood by this package.
const (
	// WGS84 is the GPS datum (EPSG:4326); all data is stored in it.
	WGS84 CRS = "wgs84"
	// GCJ02 is the obfuscated "Mars" system mandated for maps published in
	// mainland China (AMap/Gaode, Tencent, Google China).
	GCJ02 CRS = "gcj02"
	// BD09 is Baidu's system, a further obfuscation applied on top of GCJ-02.
	BD09 CRS = "bd09"
)

var crsSeparators = strings.NewReplacer("-", "", "_", "", " ", "")

// ParseCRS parses a coordinate-system name case-insensitively. It accepts
// "wgs84", "wgs-84" and "epsg:4326" for WGS84, "gcj02" and "gcj-02" for
// GCJ02, and "bd09", "bd-09" (and Baidu's own "bd09ll") for BD09;
// underscores and surrounding spaces are tolerated. The empty string means
// WGS84.
func ParseCRS(s string) (CRS, error) {
	norm := crsSeparators.Replace(strings.ToLower(strings.TrimSpace(s)))
	switch norm {
	case "", "wgs84", "epsg:4326":
		return WGS84, nil
	case "gcj02":
		return GCJ02, nil
	case "bd09", "bd09ll":
		return BD09, nil
	}
	return "", fmt.Errorf("geo: unknown coordinate system %q (accepted: wgs84, wgs-84, epsg:4326, gcj02, gcj-02, bd09, bd-09)", s)
}

// ToWGS84 converts a position given in crs to WGS-84. An unknown crs is
// treated as WGS-84 (the position is returned unchanged); use ParseCRS to
// reject unknown names at the boundary of the system.
func ToWGS84(crs CRS, lng, lat float64) (float64, float64) {
	switch crs {
	case GCJ02:
		return GCJ02ToWGS84(lng, lat)
	case BD09:
		return BD09ToWGS84(lng, lat)
	}
	return lng, lat
}

// FromWGS84 converts a WGS-84 position to crs; it is the inverse of ToWGS84.
func FromWGS84(crs CRS, lng, lat float64) (float64, float64) {
	switch crs {
	case GCJ02:
		return WGS84ToGCJ02(lng, lat)
	case BD09:
		return WGS84ToBD09(lng, lat)
	}
	return lng, lat
}

// Parameters of the public GCJ-02 formula: the Krasovsky 1940 ellipsoid.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323 // first eccentricity squared

	// bdXPi is the constant of the BD-09 formula (π·3000/180).
	bdXPi = math.Pi * 3000.0 / 180.0
)

// OutOfChina reports whether a position lies outside the rough bounding box
// of China used by every public GCJ-02 implementation; no offset is applied
// there. Note the box is coarse: it also covers parts of neighbouring
// countries, exactly as the reference implementations do.
func OutOfChina(lng, lat float64) bool {
	// Written with negations so that NaN counts as "out of China".
	return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271)
}

// gcjTransformLat and gcjTransformLng are the polynomial/trigonometric
// distortion terms of GCJ-02, evaluated at x = lng-105, y = lat-35. The
// result is a distance in metres on the ellipsoid.
func gcjTransformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320.0*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func gcjTransformLng(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// gcjDelta returns the GCJ-02 offset (in degrees) to add to a WGS-84
// position, without the out-of-China check.
func gcjDelta(lng, lat float64) (dLng, dLat float64) {
	x, y := lng-105.0, lat-35.0
	radLat := lat / 180.0 * math.Pi
	sinLat := math.Sin(radLat)
	magic := 1 - krasovskyEE*sinLat*sinLat
	sqrtMagic := math.Sqrt(magic)
	dLat = gcjTransformLat(x, y) * 180.0 / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLng = gcjTransformLng(x, y) * 180.0 / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLng, dLat
}

// WGS84ToGCJ02 applies the GCJ-02 obfuscation. Positions outside China are
// returned unchanged.
func WGS84ToGCJ02(lng, lat float64) (float64, float64) {
	if OutOfChina(lng, lat) {
		return lng, lat
	}
	dLng, dLat := gcjDelta(lng, lat)
	return lng + dLng, lat + dLat
}

// gcjInverseTolerance is the convergence threshold of the GCJ-02 inverse in
// degrees (about 0.01 mm); the iteration usually reaches it in 3–4 steps.
const (
	gcjInverseTolerance = 1e-10
	gcjInverseMaxIter   = 30
)

// GCJ02ToWGS84 inverts WGS84ToGCJ02. There is no closed form, so it solves
// w + delta(w) = g by fixed-point iteration w ← g − delta(w), starting from
// w = g. The offset field varies by well under 1% per degree, so the
// iteration contracts quickly and the result round-trips to far better than
// 1e-6° (unlike the common one-step inverse, which is off by up to ~1e-5°).
// Positions outside China are returned unchanged.
func GCJ02ToWGS84(lng, lat float64) (float64, float64) {
	if OutOfChina(lng, lat) {
		return lng, lat
	}
	wLng, wLat := lng, lat
	for range gcjInverseMaxIter {
		dLng, dLat := gcjDelta(wLng, wLat)
		nLng, nLat := lng-dLng, lat-dLat
		done := math.Abs(nLng-wLng) < gcjInverseTolerance && math.Abs(nLat-wLat) < gcjInverseTolerance
		wLng, wLat = nLng, nLat
		if done {
			break
		}
	}
	return wLng, wLat
}

// GCJ02ToBD09 applies Baidu's BD-09 transform to a GCJ-02 position.
func GCJ02ToBD09(lng, lat float64) (float64, float64) {
	z := math.Sqrt(lng*lng+lat*lat) + 0.00002*math.Sin(lat*bdXPi)
	theta := math.Atan2(lat, lng) + 0.000003*math.Cos(lng*bdXPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// BD09ToGCJ02 inverts GCJ02ToBD09. The widely published one-step inverse
// (subtracting the perturbation evaluated at the BD-09 position) is off by
// up to ~2e-6° (≈0.2 m); it is used here as the starting point of a short
// fixed-point refinement g ← g + (b − GCJ02ToBD09(g)), so that BD-09 round
// trips are exact to ~1e-12°.
func BD09ToGCJ02(lng, lat float64) (float64, float64) {
	x, y := lng-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	gLng, gLat := z*math.Cos(theta), z*math.Sin(theta)
	for range bdInverseMaxIter {
		bLng, bLat := GCJ02ToBD09(gLng, gLat)
		eLng, eLat := lng-bLng, lat-bLat
		gLng += eLng
		gLat += eLat
		if math.Abs(eLng) < bdInverseTolerance && math.Abs(eLat) < bdInverseTolerance {
			break
		}
	}
	return gLng, gLat
}

const (
	bdInverseTolerance = 1e-11
	bdInverseMaxIter   = 10
)

// BD09ToWGS84 converts BD-09 to WGS-84 via GCJ-02.
func BD09ToWGS84(lng, lat float64) (float64, float64) {
	return GCJ02ToWGS84(BD09ToGCJ02(lng, lat))
}

// WGS84ToBD09 converts WGS-84 to BD-09 via GCJ-02.
func WGS84ToBD09(lng, lat float64) (float64, float64) {
	return GCJ02ToBD09(WGS84ToGCJ02(lng, lat))
}
