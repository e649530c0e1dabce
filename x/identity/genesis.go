package identity

import (
	"encoding/json"
	"slices"

	"github.com/publica/publica/store"
)

// Genesis is the module's genesis state. Export writes every record, so a
// chain restarted from an export keeps schemas, issuers (with history),
// DIDs (with key history), anchors, status lists, pending recoveries and
// eligibility results.
type Genesis struct {
	Params      Params        `json:"params"`
	Schemas     []Schema      `json:"schemas,omitempty"`
	Issuers     []Issuer      `json:"issuers,omitempty"`
	DIDs        []DIDRecord   `json:"dids,omitempty"`
	Anchors     []Anchor      `json:"anchors,omitempty"`
	StatusPages []StatusPage  `json:"status_pages,omitempty"`
	Recoveries  []Recovery    `json:"recoveries,omitempty"`
	Eligibility []Eligibility `json:"eligibility,omitempty"`
	// SignedStatusLists are the issuers' signed status list credentials.
	SignedStatusLists []SignedStatusListRecord `json:"signed_status_lists,omitempty"`
}

// SignedStatusListRecord is an issuer's signed list for one purpose.
type SignedStatusListRecord struct {
	Issuer  string          `json:"issuer"`
	Purpose string          `json:"purpose"`
	List    json.RawMessage `json:"list"`
}

// StatusPage is one stored page of a status list.
type StatusPage struct {
	Issuer  string `json:"issuer"`
	Purpose string `json:"purpose"`
	Page    uint64 `json:"page"`
	Bits    []byte `json:"bits"`
}

// InitGenesis checks and writes the genesis state; empty raw means default
// params.
func (m *Module) InitGenesis(kv store.KV, raw json.RawMessage) error {
	g := Genesis{Params: DefaultParams()}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &g); err != nil {
			return ErrInvalidGenesis.Wrapf("decode: %v", err)
		}
	}
	if err := g.Validate(); err != nil {
		return err
	}
	k := m.Keeper
	k.SetParams(kv, g.Params)
	for i := range g.Schemas {
		k.SetSchema(kv, &g.Schemas[i])
	}
	for i := range g.Issuers {
		k.SetIssuer(kv, &g.Issuers[i])
	}
	for i := range g.DIDs {
		k.SetDID(kv, &g.DIDs[i])
	}
	for i := range g.Anchors {
		k.SetAnchor(kv, &g.Anchors[i])
	}
	for _, p := range g.StatusPages {
		k.SetStatusPage(kv, p)
	}
	for i := range g.Recoveries {
		k.SetRecovery(kv, &g.Recoveries[i])
	}
	for i := range g.Eligibility {
		k.SetEligibility(kv, &g.Eligibility[i])
	}
	for _, l := range g.SignedStatusLists {
		k.SetSignedStatusList(kv, l.Issuer, l.Purpose, l.List)
	}
	return nil
}

// ExportGenesis writes every record in key order.
func (m *Module) ExportGenesis(kv store.KV) (json.RawMessage, error) {
	g, err := m.Keeper.Records(kv)
	if err != nil {
		return nil, err
	}
	return json.Marshal(g)
}

// Validate checks what the records mean, as the chain's handlers would
// have left them: every record well formed and stored once, and every
// reference resolving. Issuers are accredited for schemas that exist;
// anchors name a registered schema version, an issuer accredited for it, a
// key of the issuer's DID and a free index inside the status list; status
// pages lie inside the list and set only allocated indices; eligibility
// results name the anchored credential that proved them; DID key histories
// are contiguous; recoveries target live DIDs. Accounts belong to
// x/authority and are checked there.
func (g *Genesis) Validate() error {
	bad := ErrInvalidGenesis.Wrapf
	if err := g.Params.Validate(); err != nil {
		return ErrInvalidGenesis.Wrap(err)
	}
	type version struct {
		id string
		v  uint32
	}
	schemas := map[version]*Schema{}
	schemaIDs := map[string]bool{}
	for i := range g.Schemas {
		s := &g.Schemas[i]
		msg := MsgRegisterSchema{ID: s.ID, Version: s.Version, Claims: s.Claims, JSONSchemaHash: s.JSONSchemaHash}
		if err := msg.ValidateBasic(); err != nil {
			return ErrInvalidGenesis.Wrap(err)
		}
		if schemas[version{s.ID, s.Version}] != nil {
			return bad("schema %s version %d twice", s.ID, s.Version)
		}
		schemas[version{s.ID, s.Version}] = s
		schemaIDs[s.ID] = true
	}
	issuerSchemas := func(what string, list []string) error {
		for j, s := range list {
			if !schemaIDs[s] {
				return bad("%s: no schema %q", what, s)
			}
			if j > 0 && list[j-1] >= s {
				return bad("%s: schemas must be sorted and distinct", what)
			}
		}
		return nil
	}
	issuers := map[string]*Issuer{}
	for i := range g.Issuers {
		is := &g.Issuers[i]
		what := "issuer " + is.Account
		if err := checkAccount("issuer", is.Account); err != nil {
			return ErrInvalidGenesis.Wrap(err)
		}
		if issuers[is.Account] != nil {
			return bad("%s twice", what)
		}
		issuers[is.Account] = is
		if !validIssuerStatus(is.Status) {
			return bad("%s: status %q", what, is.Status)
		}
		if err := issuerSchemas(what, is.Schemas); err != nil {
			return err
		}
		if len(is.History) == 0 {
			return bad("%s has no history", what)
		}
		for j, e := range is.History {
			if j > 0 && e.Height <= is.History[j-1].Height || !validIssuerStatus(e.Status) {
				return bad("%s: history entry %d", what, j)
			}
			if err := issuerSchemas(what, e.Schemas); err != nil {
				return err
			}
		}
		if last := is.History[len(is.History)-1]; last.Status != is.Status || !slices.Equal(last.Schemas, is.Schemas) {
			return bad("%s: the last history entry is not the current state", what)
		}
	}
	dids := map[string]*DIDRecord{}
	for i := range g.DIDs {
		d := &g.DIDs[i]
		what := "DID of " + d.Account
		if err := checkAccount("DID account", d.Account); err != nil {
			return ErrInvalidGenesis.Wrap(err)
		}
		if dids[d.Account] != nil {
			return bad("%s twice", what)
		}
		dids[d.Account] = d
		if len(d.Keys) == 0 {
			return bad("%s has no key", what)
		}
		for j, k := range d.Keys {
			if k.N != j+1 || checkPubKey(k.PubKey) != nil || k.Until != 0 && k.Until < k.From ||
				j > 0 && k.From != d.Keys[j-1].Until || j < len(d.Keys)-1 && k.Until == 0 {
				return bad("%s: key %d does not follow the history", what, j+1)
			}
		}
		last := d.Keys[len(d.Keys)-1]
		if d.Deactivated != (last.Until != 0) || d.Deactivated && d.DeactivatedHeight != last.Until || !d.Deactivated && d.DeactivatedHeight != 0 {
			return bad("%s: deactivation does not match its last key", what)
		}
		if err := (&MsgUpdateDID{Services: d.Services}).ValidateBasic(); err != nil {
			return ErrInvalidGenesis.Wrapf("%s: %v", what, err)
		}
	}
	type slot struct {
		issuer string
		index  uint64
	}
	anchors := map[string]*Anchor{}
	slots := map[slot]bool{}
	for i := range g.Anchors {
		a := &g.Anchors[i]
		what := "anchor " + a.Digest
		if !validHex32(a.Digest) {
			return bad("anchor digest %q", a.Digest)
		}
		if anchors[a.Digest] != nil {
			return bad("%s twice", what)
		}
		anchors[a.Digest] = a
		if schemas[version{a.SchemaID, a.Version}] == nil {
			return bad("%s: no schema %s version %d", what, a.SchemaID, a.Version)
		}
		// Schemas are only ever added to an issuer, so the current list
		// includes the one the anchor needed.
		if is := issuers[a.Issuer]; is == nil || !slices.Contains(is.Schemas, a.SchemaID) {
			return bad("%s: %s is not an issuer of %s", what, a.Issuer, a.SchemaID)
		}
		if d := dids[a.Issuer]; a.IssuerKey < 1 || d == nil && a.IssuerKey != 1 || d != nil && d.Key(a.IssuerKey) == nil {
			return bad("%s: no key-%d of %s", what, a.IssuerKey, a.Issuer)
		}
		if a.StatusIndex >= g.Params.StatusListSize {
			return bad("%s: status index %d outside the list", what, a.StatusIndex)
		}
		if slots[slot{a.Issuer, a.StatusIndex}] {
			return bad("%s: status index %d of %s used twice", what, a.StatusIndex, a.Issuer)
		}
		slots[slot{a.Issuer, a.StatusIndex}] = true
	}
	type page struct {
		issuer, purpose string
		n               uint64
	}
	pages := map[page]bool{}
	for _, p := range g.StatusPages {
		what := "status page " + p.Issuer + "/" + p.Purpose
		if len(p.Bits) != PageBytes {
			return bad("status page of %d bytes", len(p.Bits))
		}
		if err := checkPurpose(p.Purpose); err != nil {
			return ErrInvalidGenesis.Wrap(err)
		}
		if issuers[p.Issuer] == nil {
			return bad("%s: not an issuer", what)
		}
		if p.Page >= StatusListPageCount(g.Params.StatusListSize) || pages[page{p.Issuer, p.Purpose, p.Page}] {
			return bad("%s: page %d outside the list or twice", what, p.Page)
		}
		pages[page{p.Issuer, p.Purpose, p.Page}] = true
		for b := range uint64(PageBits) {
			if index := p.Page*PageBits + b; StatusBit(p.Bits, index) && !slots[slot{p.Issuer, index}] {
				return bad("%s: bit %d set for no credential", what, index)
			}
		}
	}
	// A signed list is the list the pages make, of an issuer, once per
	// purpose (its signature was checked when it was published; the key
	// is authority's and is checked there).
	listed := map[page]bool{}
	for _, l := range g.SignedStatusLists {
		what := "signed " + l.Purpose + " list of " + l.Issuer
		if err := checkPurpose(l.Purpose); err != nil {
			return ErrInvalidGenesis.Wrap(err)
		}
		if issuers[l.Issuer] == nil || listed[page{l.Issuer, l.Purpose, 0}] {
			return bad("%s: not an issuer, or twice", what)
		}
		listed[page{l.Issuer, l.Purpose, 0}] = true
		var pp [][]byte
		for n := range StatusListPageCount(g.Params.StatusListSize) {
			var bits []byte
			for _, p := range g.StatusPages {
				if p.Issuer == l.Issuer && p.Purpose == l.Purpose && p.Page == n {
					bits = p.Bits
				}
			}
			pp = append(pp, bits)
		}
		if _, err := checkSignedListForm(l.List, l.Issuer, l.Purpose, StatusListBits(g.Params.StatusListSize, pp)); err != nil {
			return bad("%s: %v", what, err)
		}
	}
	recoveries := map[string]bool{}
	for _, r := range g.Recoveries {
		what := "recovery of " + r.Account
		for _, err := range []error{checkAccount("account", r.Account), checkAccount("registrar", r.Registrar), checkPubKey(r.NewPubKey)} {
			if err != nil {
				return ErrInvalidGenesis.Wrapf("%s: %v", what, err)
			}
		}
		if recoveries[r.Account] || r.EffectiveHeight < r.RequestedHeight {
			return bad("%s twice or effective before requested", what)
		}
		recoveries[r.Account] = true
		if d := dids[r.Account]; d != nil && d.Deactivated {
			return bad("%s: the DID is deactivated", what)
		}
	}
	eligible := map[string]bool{}
	for _, e := range g.Eligibility {
		what := "eligibility of " + e.Account
		if err := checkAccount("account", e.Account); err != nil {
			return ErrInvalidGenesis.Wrap(err)
		}
		if _, err := ParsePredicate(e.Predicate); err != nil {
			return ErrInvalidGenesis.Wrapf("%s: %v", what, err)
		}
		if key := string(EligibilityKey(e.Account, e.SchemaID, e.Predicate)); eligible[key] {
			return bad("%s for %s %s twice", what, e.SchemaID, e.Predicate)
		} else {
			eligible[key] = true
		}
		if a := anchors[e.Digest]; a == nil || a.Issuer != e.Issuer || a.SchemaID != e.SchemaID || a.Version != e.Version || a.StatusIndex != e.StatusIndex {
			return bad("%s: credential %s is not anchored as recorded", what, e.Digest)
		}
	}
	return nil
}

func validIssuerStatus(s string) bool {
	return s == IssuerActive || s == IssuerSuspended || s == IssuerWithdrawn
}
