package land_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/land"
)

// Land's own test helpers; the chain, keys and checks are internal/apptest.

// newChain is a development chain whose blocks are a minute apart.
func newChain(t testing.TB) *apptest.Chain {
	return apptest.NewWith(t, apptest.Options{Step: time.Minute})
}

// landState is every land key and value after the last block.
func landState(c *apptest.Chain) map[string]string {
	c.T.Helper()
	out := map[string]string{}
	c.View().Iterate([]byte("land/"), store.PrefixEnd([]byte("land/")), false, func(k, val []byte) bool {
		out[string(k)] = string(val)
		return true
	})
	return out
}

func doc(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func geom(coords string) land.Geometry {
	return land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(coords)}
}

// rect is a counter-clockwise rectangle in centimetres.
func rect(x0, y0, x1, y1 int64) land.Geometry {
	return geom(fmt.Sprintf("[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))
}

func sharesString(s []land.Share) string {
	var b []string
	for _, x := range s {
		b = append(b, x.Party[:6]+"="+x.Share)
	}
	return strings.Join(b, " ")
}
