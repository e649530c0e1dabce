package landimport

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land"
)

// Titles: the first registration of the titles of parcels already in the
// register, from a CSV (one row per owner, the co-owners of a title on
// consecutive rows) or from the owner, share and tenure properties of a
// GeoJSON file's features, sent as land/register-titles batches (see
// RunTitles).

// Title is one title of the file: where it comes from, its owners as
// written, its message once its owners and parcel are known, or why it
// cannot be registered.
type Title struct {
	// Index is the title's feature index in a GeoJSON file, or its
	// position among the titles of a CSV (from 0).
	Index int
	// Line is the CSV line of its first row (the header is line 1); 0
	// for a GeoJSON feature.
	Line   int
	Ref    string // cadastral reference of its parcel
	Owners []OwnerRow
	// Tenure and Document as the file gives them ("" if it does not).
	Tenure, Document string
	// Msg is the registration once ResolveOwners has resolved the owners
	// (its Parcels are filled by RunTitles from the register).
	Msg land.MsgRegisterTitle
	// Err is why the title is refused before anything is sent; ErrLine
	// the CSV line at fault.
	Err     error
	ErrLine int
	size    int
}

// OwnerRow is one owner of a title as the file writes it.
type OwnerRow struct {
	Line  int    // CSV line (0 for a GeoJSON feature)
	Owner string // account id, party id or key name, as written
	Share string // "n/d" or "1", in lowest terms
}

func (t *Title) named() string { return strings.Join(t.Msg.Parcels, ",") }
func (t *Title) msgSize() int  { return t.size }

func (t *Title) refuse(line int, err error) {
	if t.Err == nil {
		t.Err, t.ErrLine = err, line
	}
}

// refRe is the chain's rule for a cadastral reference (land.MsgRegisterParcel).
var refRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// Row is one decoded data row of a titles CSV.
type Row struct {
	Line                                int
	Ref, Owner, Share, Tenure, Document string
}

// Columns are the positions of a titles CSV's columns (-1: absent).
type Columns struct {
	Ref, Owner, Share, Tenure, Document int
}

// HeaderColumns finds the columns m names (cadastral_ref, owner, share,
// tenure, document by default; letter case and surrounding spaces do not
// matter) in a CSV's header row. The first three are required; other
// columns are ignored.
func HeaderColumns(header []string, m Mapping) (Columns, error) {
	m = m.withDefaults()
	find := func(name string) int {
		for i, h := range header {
			h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
			if strings.EqualFold(h, name) {
				return i
			}
		}
		return -1
	}
	c := Columns{Ref: find(m.Ref), Owner: find(m.Owner), Share: find(m.Share), Tenure: find(m.Tenure), Document: find(m.Document)}
	var missing []string
	for _, x := range []struct {
		name string
		at   int
	}{{m.Ref, c.Ref}, {m.Owner, c.Owner}, {m.Share, c.Share}} {
		if x.at < 0 {
			missing = append(missing, x.name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("the header row (line 1) has no column %s: it must name the columns, such as cadastral_ref,owner,share,tenure (or give their names with --ref-property, --owner-property, --share-property)",
			strings.Join(missing, ", "))
	}
	return c, nil
}

// DecodeRow decodes one data row: fields are trimmed of surrounding
// spaces; the reference must be a cadastral reference as the chain
// accepts it, the owner non-empty, the share a fraction n/d (or 1) in
// lowest terms, positive, at most 1, with a denominator of at most 10^12;
// tenure and document are optional (checked with the whole title).
func DecodeRow(line int, rec []string, c Columns) (Row, error) {
	r := Row{Line: line}
	field := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	r.Ref, r.Owner, r.Share = field(c.Ref), field(c.Owner), field(c.Share)
	r.Tenure, r.Document = field(c.Tenure), field(c.Document)
	for _, f := range []string{r.Ref, r.Owner, r.Share, r.Tenure, r.Document} {
		if !utf8.ValidString(f) {
			return r, errors.New("not valid UTF-8")
		}
	}
	switch {
	case r.Ref == "":
		return r, errors.New("no cadastral reference")
	case !refRe.MatchString(r.Ref):
		return r, fmt.Errorf("%q is not a cadastral reference (1..64 of A-Z a-z 0-9 . _ : - starting with a letter or digit)", r.Ref)
	case r.Owner == "":
		return r, errors.New("no owner")
	case len(r.Owner) > 64:
		return r, fmt.Errorf("owner %.20q… is too long for an account id, party id or key name", r.Owner)
	case r.Share == "":
		return r, errors.New("no share")
	}
	if _, err := land.ParseShare(r.Share); err != nil {
		return r, fmt.Errorf("malformed share: %v", err)
	}
	return r, nil
}

// ReadTitlesCSV reads a titles CSV: a header row naming the columns (see
// HeaderColumns), then one row per owner. The consecutive rows of one
// cadastral reference are one title, its co-owners; a reference that
// comes back after other references' rows is a second title for the same
// parcel and refused. A problem with the file as a whole is an error; a
// problem with a row refuses its title (Title.Err, ErrLine). It returns
// the titles in file order and the number of data rows.
func ReadTitlesCSV(r io.Reader, m Mapping) ([]*Title, int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, 0, errors.New("the file is empty: a header row (cadastral_ref,owner,share,...) is expected")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("line 1: %w", err)
	}
	cols, err := HeaderColumns(header, m)
	if err != nil {
		return nil, 0, err
	}
	var (
		titles []*Title
		cur    *Title
		first  = map[string]int{} // reference → line of its title's first row
		rows   int
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// A row the CSV reader cannot split (a stray quote) is a
			// refused title of its own: its reference is unknown.
			rows++
			cur = &Title{Index: len(titles), Line: pe.StartLine}
			titles = append(titles, cur)
			cur.refuse(pe.StartLine, fmt.Errorf("not a CSV row: %v", pe.Err))
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		rows++
		row, rerr := DecodeRow(line, rec, cols)
		if cur == nil || row.Ref != cur.Ref || (row.Ref == "" && rerr != nil) {
			cur = &Title{Index: len(titles), Line: line, Ref: row.Ref}
			titles = append(titles, cur)
			if row.Ref != "" {
				if l, seen := first[row.Ref]; seen {
					cur.refuse(line, fmt.Errorf("%s: %q already has a title at line %d of the file (a title's rows must be consecutive)", land.ErrParcelTitled.Desc, row.Ref, l))
				} else {
					first[row.Ref] = line
				}
			}
		}
		if rerr != nil {
			cur.refuse(line, rerr)
			continue
		}
		cur.Owners = append(cur.Owners, OwnerRow{Line: line, Owner: row.Owner, Share: row.Share})
		for _, f := range []struct {
			name string
			dst  *string
			val  string
		}{{"tenure", &cur.Tenure, row.Tenure}, {"document", &cur.Document, row.Document}} {
			switch {
			case f.val == "" || f.val == *f.dst:
			case *f.dst == "":
				*f.dst = f.val
			default:
				cur.refuse(line, fmt.Errorf("%s %q differs from %q on an earlier row of the same title", f.name, f.val, *f.dst))
			}
		}
	}
	return titles, rows, nil
}

// ReadTitlesGeoJSON reads the titles of a FeatureCollection's features
// from their properties (m.Owner, m.Share, m.Tenure, m.Document; the
// reference from m.Ref): an owner property is one owner (text) or
// several (a JSON array, or text separated by ";"), with as many shares
// in the share property; a single owner without a share holds 1. A
// feature without an owner property has no title to load.
func ReadTitlesGeoJSON(b []byte, m Mapping) ([]*Title, error) {
	m = m.withDefaults()
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not GeoJSON: %w", err)
	}
	if f.Type != "FeatureCollection" {
		return nil, fmt.Errorf("a GeoJSON FeatureCollection is expected, not %q", f.Type)
	}
	var out []*Title
	first := map[string]int{}
	for i, ft := range f.Features {
		owners, err := listProperty(ft.Properties, m.Owner)
		if err == nil && len(owners) == 0 {
			continue
		}
		t := &Title{Index: i}
		out = append(out, t)
		if err != nil {
			t.refuse(0, err)
			continue
		}
		if t.Ref, err = textProperty(ft.Properties, m.Ref); err != nil {
			t.refuse(0, err)
			continue
		}
		if !refRe.MatchString(t.Ref) {
			t.refuse(0, fmt.Errorf("no valid cadastral reference (property %q: %q)", m.Ref, t.Ref))
			continue
		}
		if j, seen := first[t.Ref]; seen {
			t.refuse(0, fmt.Errorf("%s: %q already has a title in feature %d of the file", land.ErrParcelTitled.Desc, t.Ref, j))
			continue
		}
		first[t.Ref] = i
		shares, err := listProperty(ft.Properties, m.Share)
		if err != nil {
			t.refuse(0, err)
			continue
		}
		if len(shares) == 0 && len(owners) == 1 {
			shares = []string{"1"}
		}
		if len(shares) != len(owners) {
			t.refuse(0, fmt.Errorf("%d owners (property %q) but %d shares (property %q)", len(owners), m.Owner, len(shares), m.Share))
			continue
		}
		for k := range owners {
			if _, err := land.ParseShare(shares[k]); err != nil {
				t.refuse(0, fmt.Errorf("malformed share: %v", err))
			}
			t.Owners = append(t.Owners, OwnerRow{Owner: owners[k], Share: shares[k]})
		}
		if t.Tenure, err = textProperty(ft.Properties, m.Tenure); err != nil {
			t.refuse(0, err)
		}
		if t.Document, err = textProperty(ft.Properties, m.Document); err != nil {
			t.refuse(0, err)
		}
	}
	return out, nil
}

// listProperty is a property holding one value or several: a JSON array
// of texts, or a text whose values are separated by ";".
func listProperty(props map[string]json.RawMessage, name string) ([]string, error) {
	raw, ok := props[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		for i := range list {
			list[i] = strings.TrimSpace(list[i])
		}
		return list, nil
	}
	s, err := textProperty(props, name)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ";")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts, nil
}

// ResolveOwners turns each title's owners into parties and builds its
// message: an account id (40 hex digits) or a party id (N and a number)
// is taken as written, anything else is a key name that resolve turns
// into an account id (an error refuses the title: an unknown owner).
// Titles without a tenure get tenure, without a document get document.
// The message is then checked as land/register-title checks it (shares
// summing to exactly 1, an owner twice, the tenure, the document).
func ResolveOwners(titles []*Title, resolve func(string) (string, error), tenure, document string) {
	for _, t := range titles {
		if t.Err != nil {
			continue
		}
		if len(t.Owners) == 0 {
			t.refuse(t.Line, errors.New("no owner"))
			continue
		}
		t.Msg = land.MsgRegisterTitle{Parcels: []string{"P1"}, Owners: make([]land.Share, 0, len(t.Owners)),
			Tenure: cmpOr(t.Tenure, tenure), Document: cmpOr(t.Document, document)}
		for _, o := range t.Owners {
			party := o.Owner
			if !tx.ValidAccountID(party) && !land.IsPartyID(party) {
				acct, err := resolve(party)
				if err != nil {
					t.refuse(o.Line, fmt.Errorf("unknown owner: %v", err))
					break
				}
				party = acct
			}
			t.Msg.Owners = append(t.Msg.Owners, land.Share{Party: party, Share: o.Share})
		}
		if t.Err != nil {
			continue
		}
		err := t.Msg.ValidateBasic()
		t.Msg.Parcels = nil // the parcel's id comes from the register
		if err != nil {
			t.refuse(t.Line, err)
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// sameOwners reports whether a registered title's owners and tenure are
// the ones the file gives (the chain keeps owners sorted by party).
func sameOwners(t *Title, owners []land.Share, tenure string) bool {
	if tenure != t.Msg.Tenure || len(owners) != len(t.Msg.Owners) {
		return false
	}
	mine := slices.Clone(t.Msg.Owners)
	slices.SortFunc(mine, func(a, b land.Share) int { return strings.Compare(a.Party, b.Party) })
	return slices.Equal(mine, owners)
}
