package land

import (
	"fmt"
	"strconv"
	"strings"
)

// The registry's coordinate reference system is declared once, in
// Params.CRS, as "EPSG:<code>". It must be a projected system in metres
// that the portal can reproject to WGS 84 longitude/latitude for RFC 7946
// exports (x/land/geojson); these are the ones it knows:
//
//	EPSG:32601 … EPSG:32660   WGS 84 / UTM zones 1N … 60N
//	EPSG:32701 … EPSG:32760   WGS 84 / UTM zones 1S … 60S
//	EPSG:25828 … EPSG:25838   ETRS89 / UTM zones 28N … 38N
//
// Geometries are integers in 1/Params.UnitsPerMetre metres of that
// system (the development chain: EPSG:32633 in centimetres).

// ProjectedCRS describes a supported projected coordinate system.
type ProjectedCRS struct {
	Code int    // EPSG code
	Name string // EPSG name, e.g. "WGS 84 / UTM zone 33N"
	// Proj holds PROJ-style parameters of the projection, for the
	// reprojection library (a transverse Mercator, in metres).
	Proj string
}

// EPSG is "EPSG:<code>".
func (c ProjectedCRS) EPSG() string { return "EPSG:" + strconv.Itoa(c.Code) }

// LookupCRS reads "EPSG:<code>" and returns the system if it is one the
// registry supports.
func LookupCRS(s string) (ProjectedCRS, error) {
	digits, ok := strings.CutPrefix(s, "EPSG:")
	code, err := strconv.Atoi(digits)
	if !ok || err != nil || code <= 0 || digits[0] == '0' || len(digits) > 9 {
		return ProjectedCRS{}, fmt.Errorf("crs %q is not of the form EPSG:<code>, e.g. EPSG:32633", s)
	}
	if c, ok := CRSByCode(code); ok {
		return c, nil
	}
	return ProjectedCRS{}, fmt.Errorf("crs %s is not a supported projected system (WGS 84 / UTM: EPSG:32601–32660 and 32701–32760; ETRS89 / UTM: EPSG:25828–25838)", s)
}

// CRSByCode returns the supported system with that EPSG code.
func CRSByCode(code int) (ProjectedCRS, bool) {
	switch {
	case code >= 32601 && code <= 32660:
		z := code - 32600
		return ProjectedCRS{code, fmt.Sprintf("WGS 84 / UTM zone %dN", z), fmt.Sprintf("+proj=utm +zone=%d +datum=WGS84", z)}, true
	case code >= 32701 && code <= 32760:
		z := code - 32700
		return ProjectedCRS{code, fmt.Sprintf("WGS 84 / UTM zone %dS", z), fmt.Sprintf("+proj=utm +zone=%d +south +datum=WGS84", z)}, true
	case code >= 25828 && code <= 25838:
		z := code - 25800
		return ProjectedCRS{code, fmt.Sprintf("ETRS89 / UTM zone %dN", z), fmt.Sprintf("+proj=utm +zone=%d +ellps=GRS80", z)}, true
	}
	return ProjectedCRS{}, false
}

func crsError(s string) error {
	_, err := LookupCRS(s)
	return err
}
