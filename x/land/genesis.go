package land

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/publica/publica/store"
)

// Genesis is the module's genesis state: the params and, for an exported
// chain, every land record. The indexes (cadastral references, the
// spatial grid, parties' holdings, easement benefits, offers by parcel)
// are not carried: InitGenesis rebuilds them from the records, as the
// handlers keep them, so an exported registry comes back key for key.
type Genesis struct {
	Params Params `json:"params"`
	// Sequences is the last number issued for each kind of id (P parcels,
	// T titles, O offers, M mortgages, L leases, E easements, C caveats, N parties).
	Sequences map[string]uint64 `json:"sequences,omitempty"`
	Parcels   []Parcel          `json:"parcels,omitempty"`
	// Titles carry their rights and restrictions (mortgages, leases,
	// easements, caveats).
	Titles []Title `json:"titles,omitempty"`
	Offers []Offer `json:"offers,omitempty"`
	// History is every parcel's events, seq 1..Parcel.Events each.
	History      []Event       `json:"history,omitempty"`
	OwnerPeriods []OwnerPeriod `json:"owner_periods,omitempty"`
	// Parties are the party records (the signer index is rebuilt from
	// their accounts).
	Parties []Party `json:"parties,omitempty"`
}

// Validate checks a genesis state without touching any store: the params,
// every record on its own (ids, shares summing to one, geometry, areas,
// states) and the references between them (a title's parcels, an
// easement's benefiting parcels, an offer's title, a parcel's current
// title and history, owner periods).
func (g *Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return ErrInvalidGenesis.Wrap(err)
	}
	if err := g.validate(); err != nil {
		return ErrInvalidGenesis.Wrap(err)
	}
	return nil
}

func (g *Genesis) validate() error {
	for kind, n := range g.Sequences {
		if len(kind) != 1 || !strings.Contains(idKinds, kind) {
			return fmt.Errorf("sequences: %q is not an id kind (one of %s)", kind, idKinds)
		}
		if n == 0 {
			return fmt.Errorf("sequences: %s is 0 (leave it out)", kind)
		}
	}
	// issued checks an id of kind was issued by its counter.
	issued := func(what, id string, kind byte) error {
		if err := validRecordID(what, id, kind); err != nil {
			return err
		}
		if n, _ := strconv.ParseUint(id[1:], 10, 64); n > g.Sequences[string(kind)] {
			return fmt.Errorf("%s %s is beyond sequence %c (%d)", what, id, kind, g.Sequences[string(kind)])
		}
		return nil
	}
	parties := make(map[string]*Party, len(g.Parties))
	for i := range g.Parties {
		p := &g.Parties[i]
		if err := issued("party", p.ID, 'N'); err != nil {
			return err
		}
		if parties[p.ID] != nil {
			return fmt.Errorf("party %s appears twice", p.ID)
		}
		parties[p.ID] = p
		if err := validPartyRecord(p); err != nil {
			return fmt.Errorf("party %s: %w", p.ID, err)
		}
	}
	for i := range g.Parties {
		for _, m := range g.Parties[i].Members {
			if parties[m] == nil || m == g.Parties[i].ID {
				return fmt.Errorf("party %s: member %s is not another registered party", g.Parties[i].ID, m)
			}
		}
	}
	// named checks that a party id a record names is registered.
	named := func(what string, list ...string) error {
		for _, id := range list {
			if IsPartyID(id) && parties[id] == nil {
				return fmt.Errorf("%s names party %s, which is not registered", what, id)
			}
		}
		return nil
	}
	parcels := make(map[string]*Parcel, len(g.Parcels))
	for i := range g.Parcels {
		p := &g.Parcels[i]
		if err := issued("parcel", p.ID, 'P'); err != nil {
			return err
		}
		if parcels[p.ID] != nil {
			return fmt.Errorf("parcel %s appears twice", p.ID)
		}
		parcels[p.ID] = p
	}
	titles := make(map[string]*Title, len(g.Titles))
	for i := range g.Titles {
		t := &g.Titles[i]
		if err := issued("title", t.ID, 'T'); err != nil {
			return err
		}
		if titles[t.ID] != nil {
			return fmt.Errorf("title %s appears twice", t.ID)
		}
		titles[t.ID] = t
	}
	refs := make(map[string]string, len(g.Parcels))
	for i := range g.Parcels {
		p := &g.Parcels[i]
		if other, ok := refs[p.CadastralRef]; ok {
			return fmt.Errorf("parcels %s and %s share cadastral reference %q", other, p.ID, p.CadastralRef)
		}
		refs[p.CadastralRef] = p.ID
		if err := g.validParcel(p, parcels, titles); err != nil {
			return fmt.Errorf("parcel %s: %w", p.ID, err)
		}
	}
	for i := range g.Titles {
		t := &g.Titles[i]
		if err := validTitle(t, parcels, titles, issued); err != nil {
			return fmt.Errorf("title %s: %w", t.ID, err)
		}
		if err := named("title "+t.ID, titlePartyIDs(t)...); err != nil {
			return err
		}
	}
	offers := map[string]bool{}
	for i := range g.Offers {
		o := &g.Offers[i]
		if err := issued("offer", o.ID, 'O'); err != nil {
			return err
		}
		if offers[o.ID] {
			return fmt.Errorf("offer %s appears twice", o.ID)
		}
		offers[o.ID] = true
		if err := validOffer(o, titles); err != nil {
			return fmt.Errorf("offer %s: %w", o.ID, err)
		}
		for _, s := range slices.Concat(o.Sellers, o.Buyers) {
			if err := named("offer "+o.ID, s.Party); err != nil {
				return err
			}
		}
	}
	events := map[string]uint64{} // per parcel: events seen
	seen := make(map[string]bool, len(g.History))
	for i := range g.History {
		e := &g.History[i]
		p := parcels[e.Parcel]
		k := string(HistoryKey(e.Parcel, e.Seq))
		switch {
		case seen[k]:
			return fmt.Errorf("history event %s/%d appears twice", e.Parcel, e.Seq)
		case p == nil:
			return fmt.Errorf("history event %d names missing parcel %q", i, e.Parcel)
		case e.Seq < 1 || e.Seq > p.Events:
			return fmt.Errorf("history event %s/%d: parcel %s has %d events", e.Parcel, e.Seq, p.ID, p.Events)
		case e.Offer != "":
			return fmt.Errorf("history event %s/%d: offer steps live in their offers", e.Parcel, e.Seq)
		case e.Title != "" && titles[e.Title] == nil:
			return fmt.Errorf("history event %s/%d names missing title %s", e.Parcel, e.Seq, e.Title)
		}
		seen[k] = true
		events[e.Parcel]++
	}
	for i := range g.Parcels {
		if p := &g.Parcels[i]; events[p.ID] != p.Events {
			return fmt.Errorf("parcel %s counts %d events; the history holds %d", p.ID, p.Events, events[p.ID])
		}
	}
	periods := map[string]*OwnerPeriod{}
	for i := range g.OwnerPeriods {
		o := &g.OwnerPeriods[i]
		k := string(OwnersKey(o.Parcel, o.From))
		switch {
		case parcels[o.Parcel] == nil:
			return fmt.Errorf("owner period %d names missing parcel %q", i, o.Parcel)
		case titles[o.Title] == nil:
			return fmt.Errorf("owner period %s from %d names missing title %q", o.Parcel, o.From, o.Title)
		case o.From < 1 || (o.To != 0 && o.To <= o.From):
			return fmt.Errorf("owner period %s from %d to %d is empty", o.Parcel, o.From, o.To)
		case periods[k] != nil:
			return fmt.Errorf("owner period %s from %d appears twice", o.Parcel, o.From)
		}
		if err := validHolders(o.Owners); err != nil {
			return fmt.Errorf("owner period %s from %d: %w", o.Parcel, o.From, err)
		}
		periods[k] = o
	}
	for i := range g.Parcels {
		p := &g.Parcels[i]
		if p.OwnerSince == 0 {
			continue
		}
		if o := periods[string(OwnersKey(p.ID, p.OwnerSince))]; o == nil || o.To != 0 {
			return fmt.Errorf("parcel %s: no open owner period from %d", p.ID, p.OwnerSince)
		}
	}
	return nil
}

// validParcel checks a parcel's geometry, derived fields and links.
func (g *Genesis) validParcel(p *Parcel, parcels map[string]*Parcel, titles map[string]*Title) error {
	if !refRe.MatchString(p.CadastralRef) {
		return fmt.Errorf("cadastral_ref %q is malformed", p.CadastralRef)
	}
	r, err := ParseGeometry(&p.Geometry, g.Params.limits())
	if err != nil {
		return err
	}
	a2 := r.Area2()
	switch {
	case p.BBox != r.BBox:
		return fmt.Errorf("bbox %v is not the geometry's %v", p.BBox, r.BBox)
	case p.Area2 != a2.String():
		return fmt.Errorf("area2 %s is not the geometry's %s", p.Area2, a2)
	case p.AreaM2 != areaM2(a2, g.Params.UnitsPerMetre):
		return fmt.Errorf("area_m2 %s is not the geometry's %s", p.AreaM2, areaM2(a2, g.Params.UnitsPerMetre))
	case p.Status != StatusActive && p.Status != StatusRetired:
		return fmt.Errorf("status %q", p.Status)
	case p.Document != "" && validDoc(p.Document) != nil:
		return validDoc(p.Document)
	}
	if p.Status == StatusActive {
		if _, err := cells(&g.Params, p.BBox); err != nil {
			return err
		}
	}
	for _, id := range slices.Concat(p.Parents, p.Children) {
		if parcels[id] == nil {
			return fmt.Errorf("parent or child %q is not a parcel", id)
		}
	}
	if p.Title != "" {
		t := titles[p.Title]
		if t == nil {
			return fmt.Errorf("names missing title %s", p.Title)
		}
		if p.Status == StatusActive && (t.Status != StatusActive || !slices.Contains(t.Parcels, p.ID)) {
			return fmt.Errorf("is active but its title %s is not active or does not hold it", p.Title)
		}
	}
	return nil
}

// validTitle checks a title's owners, tenure, rights and links.
func validTitle(t *Title, parcels map[string]*Parcel, titles map[string]*Title, issued func(what, id string, kind byte) error) error {
	if len(t.Parcels) == 0 {
		return fmt.Errorf("holds no parcel")
	}
	for i, id := range t.Parcels {
		p := parcels[id]
		if p == nil {
			return fmt.Errorf("names missing parcel %s", id)
		}
		if slices.Contains(t.Parcels[:i], id) {
			return fmt.Errorf("lists parcel %s twice", id)
		}
		if t.Status == StatusActive && (p.Status != StatusActive || p.Title != t.ID) {
			return fmt.Errorf("is active but parcel %s is not active on it", id)
		}
	}
	if err := validHolders(t.Owners); err != nil {
		return err
	}
	if !slices.IsSortedFunc(t.Owners, func(a, b Share) int { return strings.Compare(a.Party, b.Party) }) {
		return fmt.Errorf("owners are not sorted by party")
	}
	if !slices.Contains(Tenures, t.Tenure) {
		return fmt.Errorf("tenure %q", t.Tenure)
	}
	if t.Status != StatusActive && t.Status != StatusCancelled {
		return fmt.Errorf("status %q", t.Status)
	}
	for _, id := range slices.Concat(t.Parents, t.Children) {
		if titles[id] == nil {
			return fmt.Errorf("parent or child %q is not a title", id)
		}
	}
	// A right may stand on several titles (a subdivision carries it to
	// every child's title), but once on each.
	rights := map[string]bool{}
	right := func(what, id string, kind byte) error {
		if err := issued(what, id, kind); err != nil {
			return err
		}
		if rights[id] {
			return fmt.Errorf("%s %s appears twice", what, id)
		}
		rights[id] = true
		return nil
	}
	for i, m := range t.Mortgages {
		if err := right("mortgage", m.ID, 'M'); err != nil {
			return err
		}
		if err := validParty("lender", m.Lender); err != nil {
			return err
		}
		if !amountRe.MatchString(m.Amount) || !currencyRe.MatchString(m.Currency) {
			return fmt.Errorf("mortgage %s: amount %q %q", m.ID, m.Amount, m.Currency)
		}
		if i > 0 && t.Mortgages[i-1].Rank >= m.Rank {
			return fmt.Errorf("mortgage ranks are not distinct and in order")
		}
	}
	for _, l := range t.Leases {
		if err := right("lease", l.ID, 'L'); err != nil {
			return err
		}
		if err := validParty("lessee", l.Lessee); err != nil {
			return err
		}
	}
	for _, e := range t.Easements {
		if err := right("easement", e.ID, 'E'); err != nil {
			return err
		}
		for _, p := range e.benefits() {
			if parcels[p] == nil {
				return fmt.Errorf("easement %s benefits missing parcel %q", e.ID, p)
			}
		}
	}
	for _, c := range slices.Concat(t.Caveats, t.Applications) {
		if err := right("caveat", c.ID, 'C'); err != nil {
			return err
		}
		if err := validParty("caveat lodger", c.LodgedBy); err != nil {
			return err
		}
	}
	return nil
}

// titlePartyIDs lists the parties a title names: owners, lenders,
// lessees and caveators.
func titlePartyIDs(t *Title) []string {
	var out []string
	for _, o := range t.Owners {
		out = append(out, o.Party)
	}
	for _, m := range t.Mortgages {
		out = append(out, m.Lender)
	}
	for _, l := range t.Leases {
		out = append(out, l.Lessee)
	}
	for _, c := range slices.Concat(t.Caveats, t.Applications) {
		if c.Party != "" {
			out = append(out, c.Party)
		}
	}
	return out
}

// validHolders checks a recorded ownership: known parties, each once,
// canonical shares summing to exactly one. (Unlike a message's owners it
// has no 64-party bound: sales may add owners over time.)
func validHolders(list []Share) error {
	if len(list) == 0 {
		return fmt.Errorf("no owners")
	}
	sum := new(big.Rat)
	for i, s := range list {
		if err := validParty("owner", s.Party); err != nil {
			return err
		}
		if slices.ContainsFunc(list[:i], func(x Share) bool { return x.Party == s.Party }) {
			return fmt.Errorf("owner %s appears twice", s.Party)
		}
		r, err := ParseShare(s.Share)
		if err != nil {
			return err
		}
		sum.Add(sum, r)
	}
	if sum.Cmp(big.NewRat(1, 1)) != 0 {
		return fmt.Errorf("owners' shares sum to %s, not exactly 1", sum.RatString())
	}
	return nil
}

// validOffer checks an offer's title, shares and state.
func validOffer(o *Offer, titles map[string]*Title) error {
	if titles[o.Title] == nil {
		return fmt.Errorf("names missing title %s", o.Title)
	}
	if err := validSale(o.Title, o.Sellers, o.Buyers); err != nil {
		return err
	}
	if !slices.Contains([]string{OfferOpen, OfferAccepted, OfferWithdrawn, OfferRegistered}, o.Status) {
		return fmt.Errorf("status %q", o.Status)
	}
	return nil
}

// InitGenesis writes the params (defaults when raw is empty), the records
// and the indexes rebuilt from them.
func (m *Module) InitGenesis(kv store.KV, raw json.RawMessage) error {
	g := Genesis{Params: DefaultParams()}
	if len(raw) > 0 && string(raw) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields() // e.g. the raw "records" of old exports, which would be lost silently
		if err := dec.Decode(&g); err != nil {
			return ErrInvalidGenesis.Wrapf("decode: %v", err)
		}
	}
	if err := g.Validate(); err != nil {
		return err
	}
	return m.Keeper.initGenesis(kv, &g)
}

// ExportGenesis reads the params and every land record. It fails rather
// than export a state that InitGenesis would not rebuild key for key.
func (m *Module) ExportGenesis(kv store.KV) (json.RawMessage, error) {
	g, err := m.Keeper.exportGenesis(kv)
	if err != nil {
		return nil, err
	}
	return json.Marshal(g)
}
