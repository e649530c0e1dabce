package land

import (
	"strings"
	"testing"
)

// TestGeoJSONErrorsInPlainWords: coordinates in degrees get a plain
// message naming the number and how to convert (not "json: cannot
// unmarshal number 14.4208 into Go value of type int64"); a JSON syntax
// error gives its line and column; a truncated text says it ends early.
func TestGeoJSONErrorsInPlainWords(t *testing.T) {
	for in, wants := range map[string][]string{
		`{"type":"Polygon","coordinates":[[[14.4208,50.088],[14.43,50.088],[14.43,50.09],[14.4208,50.088]]]}`: {"whole numbers", "14.4208", "degrees", "ogr2ogr -t_srs EPSG:32633"},
		"{\"type\":\"Polygon\",\n \"coordinates\": [[[0,0],[1,0]] x]}":                                        {"not valid JSON", "line 2, column 32"},
		`{"type":"Polygon","coordinates":[[[0,0],[10000,0]`:                                                   {"ends too early"},
		`{"type":1}`: {"not valid GeoJSON", `"type"`, "number"},
	} {
		_, err := parseGeoJSON(in, "EPSG:32633")
		if err == nil {
			t.Errorf("%s: accepted", in)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", in, err, w)
			}
		}
	}
	if _, err := parseGeoJSON(`{"type":"Polygon","coordinates":[[[0,0],[10000,0],[10000,10000],[0,10000],[0,0]]]}`, "EPSG:32633"); err != nil {
		t.Errorf("whole-number outline refused: %v", err)
	}
}
