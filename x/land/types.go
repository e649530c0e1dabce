// Package land is the land registry: parcels (spatial units), titles
// (administrative units) with fractional ownership, rights, restrictions
// and responsibilities (mortgages, leases, easements, caveats), dealings
// (transfer, transmission, subdivision, merge, correction) and an
// append-only, provable history. The model follows ISO 19152 LADM and the
// business rules of FAO's SOLA registry; see docs/land.md.
package land

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land/money"
)

const ModuleName = "land"

// Record states.
const (
	StatusActive    = "active"
	StatusRetired   = "retired"   // parcels replaced by subdivision or merge
	StatusCancelled = "cancelled" // titles replaced by new titles

	OfferOpen       = "open"
	OfferAccepted   = "accepted"
	OfferWithdrawn  = "withdrawn"
	OfferRegistered = "registered"
)

// Tenure types.
var Tenures = []string{"freehold", "leasehold", "state"}

// Params fix the registry's coordinate system and index.
type Params struct {
	// CRS names, by EPSG code, the projected coordinate system of every
	// geometry, e.g. "EPSG:32633" (WGS 84 / UTM 33N); see crs.go for the
	// supported ones. Geometries do not repeat it.
	CRS string `json:"crs"`
	// UnitsPerMetre: coordinates are integers in 1/UnitsPerMetre metres
	// (100: centimetres).
	UnitsPerMetre int64 `json:"units_per_metre"`
	// The registry's extent; every vertex lies inside it.
	MinX int64 `json:"min_x"`
	MinY int64 `json:"min_y"`
	MaxX int64 `json:"max_x"`
	MaxY int64 `json:"max_y"`
	// GridCell is the side of a spatial-index cell in coordinate units.
	GridCell int64 `json:"grid_cell"`
	// MaxCells bounds the index cells one parcel's bounding box may cover.
	MaxCells int64 `json:"max_cells"`
	// MaxVertices bounds the vertices of one geometry.
	MaxVertices int `json:"max_vertices"`
}

// DefaultParams: UTM 33N in centimetres, 1 km index cells.
func DefaultParams() Params {
	return Params{CRS: "EPSG:32633", UnitsPerMetre: 100, MinX: 0, MinY: 0, MaxX: 1_000_000_000, MaxY: 1_000_000_000,
		GridCell: 100_000, MaxCells: 4096, MaxVertices: 1000}
}

// Validate checks the params are usable.
func (p *Params) Validate() error {
	switch {
	case p.CRS == "" || len(p.CRS) > 64:
		return fmt.Errorf("crs must be 1..64 characters")
	case crsError(p.CRS) != nil:
		return crsError(p.CRS)
	case p.UnitsPerMetre < 1 || p.UnitsPerMetre > 1_000_000:
		return fmt.Errorf("units_per_metre %d outside 1..1000000", p.UnitsPerMetre)
	case p.MinX < -MaxCoordinate || p.MinY < -MaxCoordinate || p.MaxX > MaxCoordinate || p.MaxY > MaxCoordinate:
		return fmt.Errorf("extent must lie within ±%d", MaxCoordinate)
	case p.MinX >= p.MaxX || p.MinY >= p.MaxY:
		return fmt.Errorf("extent is empty")
	case p.GridCell < 1:
		return fmt.Errorf("grid_cell must be positive")
	case p.MaxCells < 1:
		return fmt.Errorf("max_cells must be positive")
	case p.MaxVertices < 3:
		return fmt.Errorf("max_vertices must be at least 3")
	}
	return nil
}

func (p *Params) limits() Limits {
	return Limits{CRS: p.CRS, MinX: p.MinX, MinY: p.MinY, MaxX: p.MaxX, MaxY: p.MaxY, MaxVertices: p.MaxVertices}
}

// Parcel is a spatial unit.
type Parcel struct {
	ID           string   `json:"id"`
	CadastralRef string   `json:"cadastral_ref"`
	Geometry     Geometry `json:"geometry"`
	BBox         [4]int64 `json:"bbox"`    // min x, min y, max x, max y
	Area2        string   `json:"area2"`   // twice the area in square coordinate units (exact integer)
	AreaM2       string   `json:"area_m2"` // the area in square metres, exact
	Address      string   `json:"address"`
	Status       string   `json:"status"`
	Title        string   `json:"title"` // current title, "" if none
	Parents      []string `json:"parents"`
	Children     []string `json:"children"`
	Document     string   `json:"document"`
	Registered   int64    `json:"registered"`
	Events       uint64   `json:"events"` // history events so far
	// OwnerSince is the From height of the parcel's open owner period
	// (land/owners/<id>/<OwnerSince>), 0 when it has none.
	OwnerSince int64 `json:"owner_since"`
}

// Share is one party's fraction, an exact rational "n/d" in lowest terms
// (or "1").
type Share struct {
	Party string `json:"party"`
	Share string `json:"share"`
}

// Mortgage is a charge on a title in favour of a lender.
type Mortgage struct {
	ID         string `json:"id"`
	Lender     string `json:"lender"`
	Amount     string `json:"amount"`   // positive integer, in minor units of Currency (x/land/money reads and shows it)
	Currency   string `json:"currency"` // ISO 4217 (x/land/money's table); older records: any three capitals
	Rank       int64  `json:"rank"`     // 1 is first charge; unique among a title's mortgages
	Document   string `json:"document"`
	Registered int64  `json:"registered"`
}

// Lease grants Lessee use of the title's land for a term.
type Lease struct {
	ID         string `json:"id"`
	Lessee     string `json:"lessee"`
	Start      string `json:"start"` // YYYY-MM-DD
	End        string `json:"end"`   // YYYY-MM-DD
	Document   string `json:"document"`
	Registered int64  `json:"registered"`
}

// Easement burdens the title's land for the benefit of another parcel.
type Easement struct {
	ID         string `json:"id"`
	Benefiting string `json:"benefiting"` // parcel id named at registration
	// Benefits lists the active parcels the easement benefits now: the
	// benefiting parcel, or its successors after subdivision or merge.
	Benefits   []string `json:"benefits"`
	Purpose    string   `json:"purpose"`
	Document   string   `json:"document"`
	Registered int64    `json:"registered"`
}

// Caveat freezes dealings on a title until withdrawn or removed. A caveat
// lodged by a clerk is in force at once; one lodged by anyone else is an
// application (Title.Applications) that freezes nothing until a clerk
// examines it: accepted, it moves to Title.Caveats with the examination
// recorded below; rejected, it leaves the title and stays in its history.
type Caveat struct {
	ID       string `json:"id"`
	LodgedBy string `json:"lodged_by"` // the primary signer's account
	// Party is the caveator the caveat names (a party id or account),
	// when the lodger lodged it for a party; LodgedBy signed for it.
	Party    string `json:"party,omitempty"`
	Reason   string `json:"reason"`
	Document string `json:"document"`
	Lodged   int64  `json:"lodged"`
	// The examination of an application accepted by a clerk: the height,
	// the clerk and the clerk's reason (empty for a caveat a clerk lodged).
	Examined   int64  `json:"examined,omitempty"`
	ExaminedBy string `json:"examined_by,omitempty"`
	Decision   string `json:"decision,omitempty"`
}

// Title is an administrative unit: parcels held by owners in shares, with
// the rights and restrictions that burden them.
type Title struct {
	ID        string     `json:"id"`
	Parcels   []string   `json:"parcels"`
	Owners    []Share    `json:"owners"` // sorted by party; shares sum to exactly 1
	Tenure    string     `json:"tenure"`
	Status    string     `json:"status"`
	Mortgages []Mortgage `json:"mortgages"` // by rank
	Leases    []Lease    `json:"leases"`
	Easements []Easement `json:"easements"`
	Caveats   []Caveat   `json:"caveats"` // in force: each freezes every dealing
	// Applications are caveats lodged by someone other than a clerk,
	// awaiting a clerk's examination; they freeze nothing.
	Applications []Caveat `json:"caveat_applications,omitempty"`
	Parents      []string `json:"parents"`
	Children     []string `json:"children"`
	Document     string   `json:"document"`
	Registered   int64    `json:"registered"`
	Cancelled    int64    `json:"cancelled,omitempty"`
}

// Offer is the first two steps of a transfer.
type Offer struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Sellers   []Share `json:"sellers"` // share of the title each seller sells
	Buyers    []Share `json:"buyers"`  // share of the title each buyer receives
	Expires   int64   `json:"expires"` // last height at which it may be accepted or registered
	Status    string  `json:"status"`
	Created   int64   `json:"created"`
	Accepted  int64   `json:"accepted,omitempty"`
	Concluded int64   `json:"concluded,omitempty"`
	// Steps are the offer's own dealings (offer, acceptance, withdrawal)
	// with their block and transaction; they appear in the history of
	// every parcel of the title (see Keeper.History).
	Steps []OfferStep `json:"steps,omitempty"`
}

// OfferStep is one dealing on an offer.
type OfferStep struct {
	Type   string `json:"type"` // land/offer-transfer, land/accept-transfer, land/withdraw-offer
	Height int64  `json:"height"`
	Time   string `json:"time"`    // block time, RFC 3339
	TxHash string `json:"tx_hash"` // hex
	Actor  string `json:"actor"`   // primary signer
}

// Event is one entry of a parcel's append-only history.
type Event struct {
	Parcel   string  `json:"parcel"`
	Seq      uint64  `json:"seq"`
	Height   int64   `json:"height"`
	Time     string  `json:"time"`    // block time, RFC 3339
	TxHash   string  `json:"tx_hash"` // hex
	Type     string  `json:"type"`    // the message type
	Actor    string  `json:"actor"`   // primary signer
	Document string  `json:"document,omitempty"`
	Title    string  `json:"title,omitempty"`
	Owners   []Share `json:"owners,omitempty"` // ownership after the event
	Msg      string  `json:"msg"`              // the message as registered (canonical JSON)
	// Previous is the record as it stood before a correction (JSON).
	Previous string `json:"previous,omitempty"`
	// Offer names the offer of an offer step (offer, acceptance,
	// withdrawal); such events have Seq 0 and are proven through
	// land/offer/<Offer>.
	Offer string `json:"offer,omitempty"`
}

// OwnerPeriod says who owned a parcel from height From (inclusive) to To
// (exclusive; 0 while current): one key answers "owner at height H".
type OwnerPeriod struct {
	Parcel string  `json:"parcel"`
	Title  string  `json:"title"`
	Owners []Share `json:"owners"`
	From   int64   `json:"from"`
	To     int64   `json:"to"`
}

// benefits returns the parcels the easement benefits now: Benefits, or
// the parcel named at registration for records written before Benefits.
func (e *Easement) benefits() []string {
	if len(e.Benefits) == 0 {
		return []string{e.Benefiting}
	}
	return e.Benefits
}

// offerEvent is the history event body of an offer: the message and the
// offer id it was given.
type offerEvent struct {
	Offer string `json:"offer"`
	*MsgOfferTransfer
}

// ---- shares and ids ----

func owners(t *Title) []string {
	out := make([]string, len(t.Owners))
	for i, o := range t.Owners {
		out[i] = o.Party
	}
	return out
}

func shareOf(list []Share, party string) string {
	for _, s := range list {
		if s.Party == party {
			return s.Share
		}
	}
	return ""
}

func sortShares(list []Share) []Share {
	out := slices.Clone(list)
	slices.SortFunc(out, func(a, b Share) int { return strings.Compare(a.Party, b.Party) })
	return out
}

func ratOf(s string) *big.Rat {
	r, _ := new(big.Rat).SetString(s)
	if r == nil {
		return new(big.Rat)
	}
	return r
}

// sortIDs orders ids like "P2" < "P10" (by length, then bytes).
func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
}

// ---- validation helpers ----

var refRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

func validDoc(d string) error {
	if len(d) != 64 {
		return ErrBadDocument.Wrapf("%q", d)
	}
	if _, err := hex.DecodeString(d); err != nil || strings.ToLower(d) != d {
		return ErrBadDocument.Wrapf("%q (lowercase hex)", d)
	}
	return nil
}

// validParty checks a party named in a message or record: a party id
// ("N1", party.go) or a bare account id (40 hex digits).
func validParty(what, p string) error {
	if !tx.ValidAccountID(p) && !IsPartyID(p) {
		return errs.InvalidMsg.Wrapf("%s %q is neither a party id such as N1 nor a 40-hex-digit account id", what, p)
	}
	return nil
}

func validText(what, s string, maxLen int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return errs.InvalidMsg.Wrapf("%s is required", what)
	}
	if len(s) > maxLen || !utf8.ValidString(s) {
		return errs.InvalidMsg.Wrapf("%s must be valid UTF-8 of at most %d bytes", what, maxLen)
	}
	return nil
}

func validRecordID(what, id string, prefix byte) error {
	if len(id) < 2 || len(id) > 21 || id[0] != prefix || id[1] == '0' {
		return errs.InvalidMsg.Wrapf("%s %q is not an id of the form %c<number>", what, id, prefix)
	}
	for _, c := range id[1:] {
		if c < '0' || c > '9' {
			return errs.InvalidMsg.Wrapf("%s %q is not an id of the form %c<number>", what, id, prefix)
		}
	}
	return nil
}

// MaxShareDenominator bounds the denominator of every share, in a message
// or stored: registers write shares over a denominator they can print
// (halves, thirds, thousandths, a condominium's 1/2345 of the whole), not
// over the product of every denominator a title ever saw. Without a bound,
// repeated sales over coprime denominators grow a holding past what a
// message may carry, and its holder can no longer sell it. With it every
// stored share is at most 26 characters and can always be sold whole; a
// dealing that would leave a holding over a larger denominator is refused
// (land/10), naming the holding.
const MaxShareDenominator = 1_000_000_000_000

var maxShareDen = big.NewInt(MaxShareDenominator)

// boundedShare reports whether r's denominator is within MaxShareDenominator.
func boundedShare(r *big.Rat) bool { return r.Denom().Cmp(maxShareDen) <= 0 }

// ParseShare parses a share: a positive rational ≤ 1 written canonically
// ("1", "1/2", "2/3"; lowest terms, no sign, no spaces) whose denominator
// is at most MaxShareDenominator.
func ParseShare(s string) (*big.Rat, error) {
	if len(s) == 0 || len(s) > 81 {
		return nil, fmt.Errorf("share %q must be 1..81 characters", s)
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '/' {
			return nil, fmt.Errorf("share %q must be digits, or digits/digits", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("share %q is not a fraction", s)
	}
	if r.Sign() <= 0 {
		return nil, fmt.Errorf("share %q must be positive", s)
	}
	if r.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, fmt.Errorf("share %q exceeds 1", s)
	}
	if r.RatString() != s {
		return nil, fmt.Errorf("share %q is not in lowest terms; write %q", s, r.RatString())
	}
	if !boundedShare(r) {
		return nil, fmt.Errorf("share %q: its denominator exceeds 1,000,000,000,000 (10^12); write shares over a smaller common denominator, such as 1/1000", s)
	}
	return r, nil
}

// validShares checks a list of shares: known parties, each once, each a
// valid share; returns their sum.
func validShares(what string, list []Share) (*big.Rat, error) {
	if len(list) == 0 {
		return nil, ErrBadShares.Wrapf("%s: none given", what)
	}
	if len(list) > 64 {
		return nil, ErrBadShares.Wrapf("%s: at most 64 parties", what)
	}
	sum := new(big.Rat)
	seen := make([]string, 0, len(list))
	for _, s := range list {
		if err := validParty(what+" party", s.Party); err != nil {
			return nil, err
		}
		if slices.Contains(seen, s.Party) {
			return nil, ErrBadShares.Wrapf("%s: party %s appears twice", what, s.Party)
		}
		seen = append(seen, s.Party)
		r, err := ParseShare(s.Share)
		if err != nil {
			return nil, ErrBadShares.Wrapf("%s: %v", what, err)
		}
		sum.Add(sum, r)
	}
	return sum, nil
}

func validOwners(list []Share) error {
	sum, err := validShares("owners", list)
	if err != nil {
		return err
	}
	if sum.Cmp(big.NewRat(1, 1)) != 0 {
		return ErrBadShares.Wrapf("owners' shares sum to %s, not exactly 1", sum.RatString())
	}
	return nil
}

func validDate(what, d string) error {
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return errs.InvalidMsg.Wrapf("%s %q is not YYYY-MM-DD", what, d)
	}
	for i, c := range d {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return errs.InvalidMsg.Wrapf("%s %q is not YYYY-MM-DD", what, d)
		}
	}
	mo, day := (d[5]-'0')*10+d[6]-'0', (d[8]-'0')*10+d[9]-'0'
	if mo < 1 || mo > 12 || day < 1 || day > 31 {
		return errs.InvalidMsg.Wrapf("%s %q is not a calendar date", what, d)
	}
	return nil
}

func validGeometryShape(g *Geometry) error {
	if g.Type != "Polygon" && g.Type != "MultiPolygon" {
		return ErrBadGeometry.Wrapf("geometry type %q is not Polygon or MultiPolygon", g.Type)
	}
	if len(g.Coordinates) == 0 {
		return ErrBadGeometry.Wrapf("geometry has no coordinates")
	}
	return nil
}

// ---- messages ----

// MsgRegisterParcel (clerk) records a new spatial unit.
type MsgRegisterParcel struct {
	CadastralRef string   `json:"cadastral_ref"`
	Geometry     Geometry `json:"geometry"`
	Address      string   `json:"address"`
	Document     string   `json:"document"`
}

func (m *MsgRegisterParcel) ValidateBasic() error {
	if !refRe.MatchString(m.CadastralRef) {
		return errs.InvalidMsg.Wrapf("cadastral_ref %q must be 1..64 of A-Z a-z 0-9 . _ : - starting with a letter or digit", m.CadastralRef)
	}
	if err := validText("address", m.Address, 256, false); err != nil {
		return err
	}
	if err := validGeometryShape(&m.Geometry); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// MaxBatchParcels bounds the parcels of one land/register-parcels
// message. The message must also fit tx.MaxMsgBytes (256 KiB): about 700
// parcels of five vertices in centimetre UTM coordinates, fewer with more
// vertices; docs/land.md gives the measurement behind the bound.
const MaxBatchParcels = 1000

// MsgRegisterParcels (clerk) registers many parcels in one transaction,
// each exactly as a MsgRegisterParcel, in order; all or none.
type MsgRegisterParcels struct {
	Parcels []MsgRegisterParcel `json:"parcels"`
}

func (m *MsgRegisterParcels) ValidateBasic() error {
	if len(m.Parcels) == 0 || len(m.Parcels) > MaxBatchParcels {
		return errs.InvalidMsg.Wrapf("%d parcels given; 1..%d allowed", len(m.Parcels), MaxBatchParcels)
	}
	for i := range m.Parcels {
		if err := m.Parcels[i].ValidateBasic(); err != nil {
			return AtParcel(i, m.Parcels[i].CadastralRef, err)
		}
	}
	return nil
}

// AtParcel names parcel i (and its cadastral reference) of a batch in a
// refusal, keeping the refusal's code: "<description>: parcel i (REF):
// <detail>".
func AtParcel(i int, ref string, err error) error {
	base, ok := errors.AsType[*errs.Error](err)
	if !ok {
		return fmt.Errorf("parcel %d (%s): %w", i, ref, err)
	}
	detail := strings.TrimPrefix(strings.TrimPrefix(err.Error(), base.Desc), ": ")
	if detail == "" {
		return base.Wrapf("parcel %d (%s)", i, ref)
	}
	return base.Wrapf("parcel %d (%s): %s", i, ref, detail)
}

// MsgRegisterTitle (clerk) is the first registration of a title over
// parcels that have none.
type MsgRegisterTitle struct {
	Parcels  []string `json:"parcels"`
	Owners   []Share  `json:"owners"`
	Tenure   string   `json:"tenure"`
	Document string   `json:"document"`
}

func (m *MsgRegisterTitle) ValidateBasic() error {
	if err := validParcelList(m.Parcels, 1); err != nil {
		return err
	}
	if err := validOwners(m.Owners); err != nil {
		return err
	}
	if !slices.Contains(Tenures, m.Tenure) {
		return errs.InvalidMsg.Wrapf("tenure %q is not one of %v", m.Tenure, Tenures)
	}
	return validDoc(m.Document)
}

func validParcelList(ps []string, minLen int) error {
	if len(ps) < minLen || len(ps) > 64 {
		return errs.InvalidMsg.Wrapf("%d parcels given; %d..64 allowed", len(ps), minLen)
	}
	for i, p := range ps {
		if err := validRecordID("parcel", p, 'P'); err != nil {
			return err
		}
		if slices.Contains(ps[:i], p) {
			return errs.InvalidMsg.Wrapf("parcel %s listed twice", p)
		}
	}
	return nil
}

// MsgOfferTransfer is signed by every seller: they offer the listed
// shares of the title to the buyers.
type MsgOfferTransfer struct {
	Title   string  `json:"title"`
	Sellers []Share `json:"sellers"`
	Buyers  []Share `json:"buyers"`
	Expires int64   `json:"expires"` // last height for acceptance and registration
}

func (m *MsgOfferTransfer) ValidateBasic() error {
	if err := validSale(m.Title, m.Sellers, m.Buyers); err != nil {
		return err
	}
	if m.Expires < 1 {
		return errs.InvalidMsg.Wrapf("expires must be a block height")
	}
	return nil
}

// MsgAcceptTransfer is signed by every buyer of the offer.
type MsgAcceptTransfer struct {
	Offer string `json:"offer"`
}

func (m *MsgAcceptTransfer) ValidateBasic() error { return validRecordID("offer", m.Offer, 'O') }

// MsgWithdrawOffer is signed by any seller before registration.
type MsgWithdrawOffer struct {
	Offer string `json:"offer"`
}

func (m *MsgWithdrawOffer) ValidateBasic() error { return validRecordID("offer", m.Offer, 'O') }

// MsgRegisterTransfer (clerk) registers an accepted offer on the deed.
type MsgRegisterTransfer struct {
	Offer    string `json:"offer"`
	Document string `json:"document"`
}

func (m *MsgRegisterTransfer) ValidateBasic() error {
	if err := validRecordID("offer", m.Offer, 'O'); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// MsgTransfer is a transfer in one transaction: the clerk registers it on
// the deed and every seller and every buyer co-signs it.
type MsgTransfer struct {
	Title    string  `json:"title"`
	Sellers  []Share `json:"sellers"`
	Buyers   []Share `json:"buyers"`
	Document string  `json:"document"`
}

func (m *MsgTransfer) ValidateBasic() error {
	if err := validSale(m.Title, m.Sellers, m.Buyers); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// validSale checks a sale of shares of a title, offered or settled at
// once: well-formed shares, and the buyers receive exactly what the
// sellers sell.
func validSale(title string, sellers, buyers []Share) error {
	if err := validRecordID("title", title, 'T'); err != nil {
		return err
	}
	sold, err := validShares("sellers", sellers)
	if err != nil {
		return err
	}
	bought, err := validShares("buyers", buyers)
	if err != nil {
		return err
	}
	if sold.Cmp(bought) != 0 {
		return ErrBadShares.Wrapf("sellers sell %s of the title but buyers receive %s", sold.RatString(), bought.RatString())
	}
	return nil
}

// MsgTransmit (clerk) vests the title in new owners on death or by court
// order, without the owners' signatures.
type MsgTransmit struct {
	Title    string  `json:"title"`
	Owners   []Share `json:"owners"`
	Reason   string  `json:"reason"` // "death" or "court-order"
	Document string  `json:"document"`
}

func (m *MsgTransmit) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if m.Reason != "death" && m.Reason != "court-order" {
		return errs.InvalidMsg.Wrapf("reason %q is not death or court-order", m.Reason)
	}
	if err := validOwners(m.Owners); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// MsgRegisterMortgage is signed by every owner and by the lender.
type MsgRegisterMortgage struct {
	Title    string `json:"title"`
	Lender   string `json:"lender"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Rank     int64  `json:"rank"`
	Document string `json:"document"`
}

var amountRe = regexp.MustCompile(`^[1-9][0-9]{0,29}$`)
var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

func (m *MsgRegisterMortgage) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if err := validParty("lender", m.Lender); err != nil {
		return err
	}
	if !money.ValidMinor(m.Amount) {
		return errs.InvalidMsg.Wrapf("amount %q must be a positive integer of the currency's minor units (at most 30 digits: \"25000000\" is EUR 250,000.00)", m.Amount)
	}
	if !money.Known(m.Currency) {
		return errs.InvalidMsg.Wrapf("currency %q must be a current ISO 4217 code such as EUR", m.Currency)
	}
	if m.Rank < 1 || m.Rank > 1000 {
		return errs.InvalidMsg.Wrapf("rank %d outside 1..1000", m.Rank)
	}
	return validDoc(m.Document)
}

// MsgDischargeMortgage is signed by the lender.
type MsgDischargeMortgage struct {
	Title    string `json:"title"`
	Mortgage string `json:"mortgage"`
	Document string `json:"document"`
}

func (m *MsgDischargeMortgage) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if err := validRecordID("mortgage", m.Mortgage, 'M'); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// MsgRegisterLease is signed by every owner and by the lessee.
type MsgRegisterLease struct {
	Title    string `json:"title"`
	Lessee   string `json:"lessee"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Document string `json:"document"`
}

func (m *MsgRegisterLease) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if err := validParty("lessee", m.Lessee); err != nil {
		return err
	}
	if err := validDate("start", m.Start); err != nil {
		return err
	}
	if err := validDate("end", m.End); err != nil {
		return err
	}
	if m.End <= m.Start {
		return errs.InvalidMsg.Wrapf("lease ends (%s) before it starts (%s)", m.End, m.Start)
	}
	return validDoc(m.Document)
}

// MsgEndLease is signed by the lessee (surrender) or a clerk.
type MsgEndLease struct {
	Title    string `json:"title"`
	Lease    string `json:"lease"`
	Document string `json:"document"`
}

func (m *MsgEndLease) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if err := validRecordID("lease", m.Lease, 'L'); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// MsgRegisterEasement is signed by every owner of the burdened title.
type MsgRegisterEasement struct {
	Title      string `json:"title"`
	Benefiting string `json:"benefiting"`
	Purpose    string `json:"purpose"`
	Document   string `json:"document"`
}

func (m *MsgRegisterEasement) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if err := validRecordID("benefiting parcel", m.Benefiting, 'P'); err != nil {
		return err
	}
	if err := validText("purpose", m.Purpose, 256, true); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// MsgEndEasement (clerk) ends an easement on a deed of release.
type MsgEndEasement struct {
	Title    string `json:"title"`
	Easement string `json:"easement"`
	Document string `json:"document"`
}

func (m *MsgEndEasement) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if err := validRecordID("easement", m.Easement, 'E'); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// MsgLodgeCaveat may be signed by any account claiming an interest: a
// clerk's caveat is in force at once, anyone else's is an application a
// clerk examines (MsgExamineCaveat).
type MsgLodgeCaveat struct {
	Title string `json:"title"`
	// Party optionally names the caveator (a party the signers sign for);
	// without it the caveat is the primary signer's own.
	Party    string `json:"party,omitempty"`
	Reason   string `json:"reason"`
	Document string `json:"document"`
}

func (m *MsgLodgeCaveat) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if m.Party != "" {
		if err := validParty("caveator", m.Party); err != nil {
			return err
		}
	}
	if err := validText("reason", m.Reason, 512, true); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// Decisions of a caveat examination.
const (
	DecisionAccept = "accept"
	DecisionReject = "reject"
)

// MsgExamineCaveat (clerk) decides a caveat application: accept puts it
// in force, reject records the refusal and leaves the title free.
type MsgExamineCaveat struct {
	Title    string `json:"title"`
	Caveat   string `json:"caveat"`
	Decision string `json:"decision"` // "accept" or "reject"
	Reason   string `json:"reason"`
	Document string `json:"document,omitempty"` // optional: the clerk's decision or evidence
}

func (m *MsgExamineCaveat) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if err := validRecordID("caveat", m.Caveat, 'C'); err != nil {
		return err
	}
	if m.Decision != DecisionAccept && m.Decision != DecisionReject {
		return errs.InvalidMsg.Wrapf("decision %q is not %s or %s", m.Decision, DecisionAccept, DecisionReject)
	}
	if err := validText("reason", m.Reason, 512, true); err != nil {
		return err
	}
	if m.Document == "" {
		return nil
	}
	return validDoc(m.Document)
}

// MsgWithdrawCaveat is signed by the party that lodged it.
type MsgWithdrawCaveat struct {
	Title  string `json:"title"`
	Caveat string `json:"caveat"`
}

func (m *MsgWithdrawCaveat) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	return validRecordID("caveat", m.Caveat, 'C')
}

// MsgRemoveCaveat (clerk) removes a caveat, with a reason.
type MsgRemoveCaveat struct {
	Title    string `json:"title"`
	Caveat   string `json:"caveat"`
	Reason   string `json:"reason"`
	Document string `json:"document"`
}

func (m *MsgRemoveCaveat) ValidateBasic() error {
	if err := validRecordID("title", m.Title, 'T'); err != nil {
		return err
	}
	if err := validRecordID("caveat", m.Caveat, 'C'); err != nil {
		return err
	}
	if err := validText("reason", m.Reason, 512, true); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// ChildParcel is one part of a subdivision.
type ChildParcel struct {
	CadastralRef string   `json:"cadastral_ref"`
	Geometry     Geometry `json:"geometry"`
	Address      string   `json:"address"`
}

// MsgSubdivide (clerk) replaces a parcel by children that partition it.
type MsgSubdivide struct {
	Parcel   string        `json:"parcel"`
	Children []ChildParcel `json:"children"`
	// Tolerance is the largest parent area, in twice-square-units
	// (decimal integer, like Parcel.Area2), the children may leave
	// uncovered; "0" demands an exact partition.
	Tolerance string `json:"tolerance"`
	Document  string `json:"document"`
}

func (m *MsgSubdivide) ValidateBasic() error {
	if err := validRecordID("parcel", m.Parcel, 'P'); err != nil {
		return err
	}
	if len(m.Children) < 2 || len(m.Children) > 64 {
		return errs.InvalidMsg.Wrapf("%d children; a subdivision has 2..64", len(m.Children))
	}
	for i, c := range m.Children {
		if !refRe.MatchString(c.CadastralRef) {
			return errs.InvalidMsg.Wrapf("child %d: cadastral_ref %q is malformed", i, c.CadastralRef)
		}
		for _, d := range m.Children[:i] {
			if d.CadastralRef == c.CadastralRef {
				return errs.InvalidMsg.Wrapf("child %d repeats cadastral_ref %q", i, c.CadastralRef)
			}
		}
		if err := validText("address", c.Address, 256, false); err != nil {
			return err
		}
		if err := validGeometryShape(&c.Geometry); err != nil {
			return err
		}
	}
	if m.Tolerance != "0" && !amountRe.MatchString(m.Tolerance) {
		return errs.InvalidMsg.Wrapf("tolerance %q must be a non-negative integer", m.Tolerance)
	}
	return validDoc(m.Document)
}

// MsgMerge (clerk) joins adjacent parcels of one title into one parcel.
type MsgMerge struct {
	Parcels      []string `json:"parcels"`
	CadastralRef string   `json:"cadastral_ref"`
	Geometry     Geometry `json:"geometry"`
	Address      string   `json:"address"`
	Document     string   `json:"document"`
}

func (m *MsgMerge) ValidateBasic() error {
	if err := validParcelList(m.Parcels, 2); err != nil {
		return err
	}
	if !refRe.MatchString(m.CadastralRef) {
		return errs.InvalidMsg.Wrapf("cadastral_ref %q is malformed", m.CadastralRef)
	}
	if err := validText("address", m.Address, 256, false); err != nil {
		return err
	}
	if err := validGeometryShape(&m.Geometry); err != nil {
		return err
	}
	return validDoc(m.Document)
}

// MsgCorrect (clerk) corrects a record. Exactly one of Parcel and Title is
// set; only the fields given change. The old record stays in history.
type MsgCorrect struct {
	Parcel       string  `json:"parcel,omitempty"`
	Title        string  `json:"title,omitempty"`
	CadastralRef *string `json:"cadastral_ref,omitempty"`
	Address      *string `json:"address,omitempty"`
	Tenure       *string `json:"tenure,omitempty"`
	Owners       []Share `json:"owners,omitempty"`
	Reason       string  `json:"reason"`
	Document     string  `json:"document"`
}

func (m *MsgCorrect) ValidateBasic() error {
	if err := validText("reason", m.Reason, 512, true); err != nil {
		return err
	}
	switch {
	case m.Parcel != "" && m.Title == "":
		if err := validRecordID("parcel", m.Parcel, 'P'); err != nil {
			return err
		}
		if m.Tenure != nil || m.Owners != nil {
			return errs.InvalidMsg.Wrapf("a parcel correction changes cadastral_ref or address only")
		}
		if m.CadastralRef == nil && m.Address == nil {
			return errs.InvalidMsg.Wrapf("the correction changes nothing")
		}
		if m.CadastralRef != nil && !refRe.MatchString(*m.CadastralRef) {
			return errs.InvalidMsg.Wrapf("cadastral_ref %q is malformed", *m.CadastralRef)
		}
		if m.Address != nil {
			if err := validText("address", *m.Address, 256, false); err != nil {
				return err
			}
		}
	case m.Title != "" && m.Parcel == "":
		if err := validRecordID("title", m.Title, 'T'); err != nil {
			return err
		}
		if m.CadastralRef != nil || m.Address != nil {
			return errs.InvalidMsg.Wrapf("a title correction changes tenure or owners only")
		}
		if m.Tenure == nil && m.Owners == nil {
			return errs.InvalidMsg.Wrapf("the correction changes nothing")
		}
		if m.Tenure != nil && !slices.Contains(Tenures, *m.Tenure) {
			return errs.InvalidMsg.Wrapf("tenure %q is not one of %v", *m.Tenure, Tenures)
		}
		if m.Owners != nil {
			if err := validOwners(m.Owners); err != nil {
				return err
			}
		}
	default:
		return errs.InvalidMsg.Wrapf("name exactly one of parcel and title")
	}
	return validDoc(m.Document)
}
