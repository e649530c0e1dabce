package land

import (
	"encoding/json"
	"strconv"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// featureQuery answers the paged parcel listing the portal's OGC API –
// Features area reads (the second result is false for any other path):
//
//	parcels/<minx>/<miny>/<maxx>/<maxy>/<limit>          ParcelPage: the first active parcels meeting the box (list)
//	parcels/<minx>/<miny>/<maxx>/<maxy>/<limit>/<after>  the page after parcel <after> (list)
//	parcels-before/<minx>/<miny>/<maxx>/<maxy>/<limit>/<before>  the page before parcel <before>, ascending;
//	                                                     its next is the cursor of the page before it (list)
//
// The box is in the registry's coordinate units; limit is 1..1000. A page
// is a list (not provable as a whole); each parcel in it is provable at
// land/parcel/<id>.
func (m *Module) featureQuery(view store.KV, path []string) (module.QueryResult, bool, error) {
	n := len(path)
	reverse := n == 7 && path[0] == "parcels-before"
	if (n != 6 && n != 7 || path[0] != "parcels") && !reverse {
		return module.QueryResult{}, false, nil
	}
	fail := func(err error) (module.QueryResult, bool, error) { return module.QueryResult{}, true, err }
	var bb [4]int64
	for i := range bb {
		v, err := strconv.ParseInt(path[1+i], 10, 64)
		if err != nil {
			return fail(ErrBadQuery.Wrapf("bbox coordinate %q is not an integer", path[1+i]))
		}
		bb[i] = v
	}
	if bb[0] > bb[2] || bb[1] > bb[3] {
		return fail(ErrBadQuery.Wrapf("bbox min exceeds max"))
	}
	limit, err := strconv.Atoi(path[5])
	if err != nil || limit < 1 || limit > MaxPageLimit {
		return fail(ErrBadQuery.Wrapf("limit %q is not a whole number from 1 to %d", path[5], MaxPageLimit))
	}
	after := ""
	if n == 7 {
		if err := validRecordID("parcel", path[6], 'P'); err != nil {
			return fail(ErrBadQuery.Wrap(err))
		}
		after = path[6]
	}
	p, err := m.Keeper.Params(view)
	if err != nil {
		return fail(err)
	}
	page, err := m.Keeper.ParcelsPage(view, p, bb, after, reverse, limit)
	if err != nil {
		return fail(err)
	}
	b, err := json.Marshal(page)
	return module.QueryResult{Value: b}, true, err
}
