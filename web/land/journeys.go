package land

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// The land registry's signed journeys (docs/land.md "Dealings"): a clerk
// registers a parcel and its first title; an owner offers a transfer, the
// buyer accepts it and a clerk registers it. Each is a Journey on the
// common signing flow; the answers are checked here against the chain's
// own rules (geometry, overlap, roles, shares) so mistakes are shown on the
// form with a 422 before anything is signed.

// OfferValidFor is how many blocks a transfer offer made on the portal
// stays open for acceptance and registration.
const OfferValidFor = 100_000

var (
	cadRefRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	docRe    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	recIDRe  = regexp.MustCompile(`^[A-Z][1-9][0-9]{0,19}$`)
)

func documentField() ui.Field {
	return ui.Field{Name: "document", Label: "land.f.document",
		Hint: "land.h.document", Wide: true, Fill: "document"}
}

func checkDocument(ctx context.Context, a portal.Answers, errs []ui.FormError) (string, []ui.FormError) {
	d := strings.ToLower(strings.TrimSpace(a.Values.Get("document")))
	switch {
	case d == "":
		errs = append(errs, ui.FormError{Field: "document", Message: tr(ctx, "land.e.document")})
	case !docRe.MatchString(d):
		errs = append(errs, ui.FormError{Field: "document", Message: tr(ctx, "land.e.documentbad")})
	}
	return d, errs
}

// requireClerk refuses a signer whose account lacks the clerk role.
func requireClerk(ctx context.Context, a portal.Answers, errs []ui.FormError) []ui.FormError {
	switch {
	case a.Account == nil:
		return append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.noaccountclerk")})
	case !a.Account.HasRole(authority.RoleClerk):
		return append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.notclerk", a.Account.ID)})
	}
	return errs
}

func landParams(ctx context.Context, cl *client.Client) (land.Params, error) {
	p, err := portal.Record[land.Params](ctx, cl, "/land/params", 0)
	if err != nil {
		return land.Params{}, err
	}
	if p == nil {
		return land.DefaultParams(), nil
	}
	return *p, nil
}

func limitsOf(p land.Params) land.Limits {
	return land.Limits{CRS: p.CRS, MinX: p.MinX, MinY: p.MinY, MaxX: p.MaxX, MaxY: p.MaxY, MaxVertices: p.MaxVertices}
}

// parseGeoJSON reads a pasted GeoJSON Polygon or MultiPolygon (a Feature
// wrapping one is unwrapped). A missing "crs" member is taken to be the
// registry's, as GeoJSON (RFC 7946) itself has none.
func parseGeoJSON(s string, crs string) (land.Geometry, error) {
	var g struct {
		Type        string          `json:"type"`
		CRS         string          `json:"crs"`
		Coordinates json.RawMessage `json:"coordinates"`
		Geometry    json.RawMessage `json:"geometry"`
	}
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&g); err != nil {
		return land.Geometry{}, jsonError(s, err)
	}
	if dec.More() {
		return land.Geometry{}, errors.New("there is more than one JSON value")
	}
	if g.Type == "Feature" {
		if len(g.Geometry) == 0 || string(g.Geometry) == "null" {
			return land.Geometry{}, errors.New("the Feature has no geometry")
		}
		return parseGeoJSON(string(g.Geometry), crs)
	}
	if g.Type != "Polygon" && g.Type != "MultiPolygon" {
		return land.Geometry{}, fmt.Errorf("its type is %q; it must be a Polygon or MultiPolygon", g.Type)
	}
	if len(g.Coordinates) == 0 {
		return land.Geometry{}, errors.New("it has no coordinates")
	}
	if g.CRS == "" {
		g.CRS = crs
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, g.Coordinates); err != nil {
		return land.Geometry{}, errors.New("its coordinates are not valid JSON")
	}
	if n := fractionalNumber(compact.Bytes()); n != "" {
		return land.Geometry{}, fmt.Errorf("its coordinates must be whole numbers in the register's coordinate system (%s, in centimetres), but %s has a fraction: "+
			"coordinates in degrees (longitude and latitude) must be converted first, for example with ogr2ogr -t_srs %s", g.CRS, n, g.CRS)
	}
	return land.Geometry{Type: g.Type, CRS: g.CRS, Coordinates: compact.Bytes()}, nil
}

// jsonError says where pasted JSON goes wrong: the line and column of a
// syntax error ("it is not valid JSON: … at line 3, column 14").
func jsonError(s string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(s, se.Offset-1) // Offset counts the offending byte
		return fmt.Errorf("it is not valid JSON: %s at line %d, column %d", strings.TrimPrefix(se.Error(), "invalid character "), line, col)
	case errors.As(err, &te):
		line, col := lineCol(s, te.Offset)
		return fmt.Errorf("it is not valid GeoJSON: %q must not be a %s (line %d, column %d)", te.Field, te.Value, line, col)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("it is not valid JSON: it ends too early (a closing bracket or brace is missing)")
	}
	return errors.New("it is not valid JSON")
}

// lineCol turns a byte offset of s into a 1-based line and column.
func lineCol(s string, off int64) (line, col int) {
	line, col = 1, 1
	for i, r := range s {
		if int64(i) >= off {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// fractionalNumber is the first number in compact JSON that has a
// fraction or an exponent ("" if none): the register's coordinates are
// whole numbers, and such a number usually means degrees.
func fractionalNumber(b []byte) string {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '-' || (c >= '0' && c <= '9') {
			j := i
			for j < len(b) && (b[j] == '-' || b[j] == '+' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || (b[j] >= '0' && b[j] <= '9')) {
				j++
			}
			if n := string(b[i:j]); strings.ContainsAny(n, ".eE") {
				return n
			}
			i = j
		}
	}
	return ""
}

// checkParcelGeometry validates g as x/land does and looks for an active
// parcel it overlaps (through the bbox index, as registration does).
func checkParcelGeometry(ctx context.Context, cl *client.Client, g land.Geometry) (refusal string, err error) {
	params, err := landParams(ctx, cl)
	if err != nil {
		return "", err
	}
	region, gerr := land.ParseGeometry(&g, limitsOf(params))
	if gerr != nil {
		return "The geometry is not valid: " + gerr.Error(), nil
	}
	bb := region.BBox
	hitsRaw, err := portal.Query(ctx, cl, fmt.Sprintf("/land/bbox/%d/%d/%d/%d", bb[0], bb[1], bb[2], bb[3]), nil, 0)
	if err != nil {
		return "", err
	}
	var hits []land.BBoxHit
	if err := json.Unmarshal(hitsRaw, &hits); err != nil {
		return "", fmt.Errorf("decode bbox answer: %w", err)
	}
	for _, h := range hits {
		p, err := portal.Record[land.Parcel](ctx, cl, "/land/parcel/"+h.ID, 0)
		if err != nil {
			return "", err
		}
		if p == nil || p.Status != land.StatusActive {
			continue
		}
		other, err := land.ParseGeometry(&p.Geometry, limitsOf(params))
		if err != nil {
			continue
		}
		if land.Overlaps(region, other) {
			return fmt.Sprintf("The parcel overlaps active parcel %s (%s): parcels may share edges and corners but not area", p.ID, p.CadastralRef), nil
		}
	}
	return "", nil
}

var landRegisterParcel = &portal.Journey{
	Path:    registerParcelPath,
	MsgType: land.TypeRegisterParcel,
	Change:  changeParcelHref,
	Title:   "land.j.parcel",
	Lead:    "land.j.parcel.lead",
	Nav:     "land",
	Fields: []ui.Field{
		{Name: "cadastral_ref", Label: "land.f.cadref", Hint: "land.h.cadref"},
		{Name: "geometry", Label: "land.f.outline", Kind: "textarea",
			Hint: "land.h.outline"},
		{Name: "address", Label: "land.f.address", Hint: "land.h.address"},
		documentField(),
	},
	Scripts: []string{"land.js"},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		ref := strings.TrimSpace(a.Values.Get("cadastral_ref"))
		switch {
		case ref == "":
			errs = append(errs, ui.FormError{Field: "cadastral_ref", Message: tr(ctx, "land.e.cadref")})
		case !cadRefRe.MatchString(ref):
			errs = append(errs, ui.FormError{Field: "cadastral_ref", Message: tr(ctx, "land.e.cadrefbad")})
		default:
			used, err := portal.Query(ctx, cl, "/land/cadref/"+ref, nil, 0)
			if err != nil {
				return nil, nil, err
			}
			if used != nil {
				errs = append(errs, ui.FormError{Field: "cadastral_ref", Message: tr(ctx, "land.e.cadrefused", ref, string(used))})
			}
		}
		addr := strings.TrimSpace(a.Values.Get("address"))
		if len(addr) > 256 || !utf8.ValidString(addr) {
			errs = append(errs, ui.FormError{Field: "address", Message: tr(ctx, "land.e.address")})
		}
		var geom land.Geometry
		params, err := landParams(ctx, cl)
		if err != nil {
			return nil, nil, err
		}
		raw := strings.TrimSpace(a.Values.Get("geometry"))
		if raw == "" {
			errs = append(errs, ui.FormError{Field: "geometry", Message: tr(ctx, "land.e.outline")})
		} else if g, perr := parseGeoJSON(raw, params.CRS); perr != nil {
			errs = append(errs, ui.FormError{Field: "geometry", Message: tr(ctx, "land.e.outlinebad", perr.Error())})
		} else {
			if coords, ext, holes := orientRings(g); ext+holes > 0 {
				g.Coordinates = coords
				a.Note(orientNote(ext, holes))
			}
			refusal, err := checkParcelGeometry(ctx, cl, g)
			if err != nil {
				return nil, nil, err
			}
			if refusal != "" {
				errs = append(errs, ui.FormError{Field: "geometry", Message: refusal})
			}
			geom = g
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterParcel{CadastralRef: ref, Geometry: geom, Address: addr, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterParcel
		_ = tx.DecodeMsg(t.Msg, &m)
		fs := []ui.Fact{
			{Label: "land.f.what", Value: tr(ctx, "land.d.parcel")},
			{Label: "land.f.cadref", Value: m.CadastralRef, Mono: true},
			{Label: "land.f.address", Value: orNone(ctx, m.Address)},
		}
		if r, err := land.ParseGeometry(&m.Geometry, limitsOf(land.DefaultParams())); err == nil {
			fs = append(fs, ui.Fact{Label: "land.f.area", Value: tr(ctx, "search.m2", ui.AreaM2(r.Area2(), 100))},
				ui.Fact{Label: "land.f.vertices", Value: strconv.Itoa(r.Vertices())})
		}
		return append(fs, ui.Fact{Label: "land.f.document", Value: m.Document, Mono: true})
	},
	Preview: func(t *tx.Tx) templ.Component {
		var m land.MsgRegisterParcel
		if tx.DecodeMsg(t.Msg, &m) != nil {
			return nil
		}
		return ui.ParcelMapAs("parcel-preview", "land.preview", m.CadastralRef, m.Geometry)
	},
	DoneIn: func(ctx context.Context, _ *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		id := string(r.Data)
		return tr(ctx, "land.r.parcel", id),
			[]ui.Fact{{Label: "land.f.parcel", Value: id, Mono: true, Href: "/land/parcels/" + id}},
			[]ui.Link{{Label: "land.l.firsttitle", Href: "/land/titles/register?parcel=" + id},
				{Label: "land.l.parcelhistory", Href: "/land/parcels/" + id}}
	},
}

func orNone(ctx context.Context, s string) string {
	if s == "" {
		return tr(ctx, "land.nonegiven")
	}
	return s
}

// parseAccount reads an account id field.
func parseAccount(v string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	return v, tx.ValidAccountID(v)
}

// checkShare reads a share field ("1", "1/2").
func checkShare(ctx context.Context, field, v string, errs []ui.FormError) (string, []ui.FormError) {
	v = strings.TrimSpace(v)
	if v == "" {
		v = "1"
	}
	r, err := land.ParseShare(v)
	if err != nil {
		return v, append(errs, ui.FormError{Field: field, Message: tr(ctx, "land.e.share")})
	}
	return r.RatString(), errs
}

// checkHolds refuses a sale of share of t by seller unless the seller
// holds at least that much: "holds no share" goes on sellerField, "<holder>
// H of title T, less than S" on the share field.
func checkHolds(ctx context.Context, t *land.Title, seller, share, sellerField, holder string, errs []ui.FormError) []ui.FormError {
	held := ""
	for _, o := range t.Owners {
		if o.Party == seller {
			held = o.Share
		}
	}
	h, _ := land.ParseShare(held)
	s, _ := land.ParseShare(share)
	switch {
	case held == "":
		return append(errs, ui.FormError{Field: sellerField, Message: tr(ctx, "land.e.holdsnone", seller, t.ID)})
	case h != nil && s != nil && s.Cmp(h) > 0:
		return append(errs, ui.FormError{Field: "share", Message: tr(ctx, "land.e.holdsless", tr(ctx, holder), held, t.ID, share)})
	}
	return errs
}

var landRegisterTitle = &portal.Journey{
	Path:    "/land/titles/register",
	MsgType: land.TypeRegisterTitle,
	Title:   "land.j.title",
	Lead:    "land.j.title.lead",
	Nav:     "land",
	Fields: []ui.Field{
		{Name: "parcel", Label: "land.f.parcel", Hint: "land.h.parcel"},
		{Name: "owner", Label: "land.f.owner", Hint: "land.h.partyid", Wide: true},
		{Name: "tenure", Label: "land.f.tenure", Hint: "land.h.tenure"},
		documentField(),
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		pid := strings.ToUpper(strings.TrimSpace(a.Values.Get("parcel")))
		if !recIDRe.MatchString(pid) || pid[0] != 'P' {
			errs = append(errs, ui.FormError{Field: "parcel", Message: tr(ctx, "land.e.parcelid")})
		} else {
			p, err := portal.Record[land.Parcel](ctx, cl, "/land/parcel/"+pid, 0)
			switch {
			case err != nil:
				return nil, nil, err
			case p == nil:
				errs = append(errs, ui.FormError{Field: "parcel", Message: tr(ctx, "land.e.noparcel", pid)})
			case p.Status != land.StatusActive:
				errs = append(errs, ui.FormError{Field: "parcel", Message: tr(ctx, "land.e.retired", pid)})
			case p.Title != "":
				errs = append(errs, ui.FormError{Field: "parcel", Message: tr(ctx, "land.e.hastitle", pid, p.Title)})
			}
		}
		owner, errs, err := checkParty(ctx, cl, a, "owner", "owner", errs)
		if err != nil {
			return nil, nil, err
		}
		tenure := strings.ToLower(strings.TrimSpace(a.Values.Get("tenure")))
		if !slices.Contains(land.Tenures, tenure) {
			errs = append(errs, ui.FormError{Field: "tenure", Message: tr(ctx, "land.e.tenure")})
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterTitle{Parcels: []string{pid}, Owners: []land.Share{{Party: owner, Share: "1"}}, Tenure: tenure, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterTitle
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "land.f.what", Value: tr(ctx, "land.d.title", strings.Join(m.Parcels, ", "))},
			{Label: "land.f.owners", Value: sharesText(m.Owners), Mono: true},
			{Label: "land.f.tenure", Value: tr(ctx, "land.tenure."+m.Tenure)},
			{Label: "land.f.document", Value: m.Document, Mono: true},
		}
	},
	DoneIn: func(ctx context.Context, _ *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		id := string(r.Data)
		return tr(ctx, "land.r.title", id),
			[]ui.Fact{{Label: "land.f.title", Value: id, Mono: true, Href: "/land/titles/" + id}},
			[]ui.Link{{Label: "land.l.titleproof", Href: "/land/titles/" + id}}
	},
}

func sharesText(ss []land.Share) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.Party + " (" + s.Share + ")"
	}
	return strings.Join(parts, ", ")
}

var landOfferTransfer = &portal.Journey{
	Path:    "/land/transfers/offer",
	MsgType: land.TypeOfferTransfer,
	Title:   "land.j.offer",
	Lead:    "land.j.offer.lead",
	Nav:     "land",
	Fields: []ui.Field{
		{Name: "title", Label: "land.f.title", Hint: "land.h.title"},
		{Name: "buyer", Label: "land.f.buyeraccount", Hint: "land.h.account", Wide: true},
		{Name: "share", Label: "land.f.shareyousell", Hint: "land.h.shareyousell"},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		var errs []ui.FormError
		seller := tx.AccountID(a.Signer)
		if a.Account == nil {
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.noaccount")})
		}
		tid := strings.ToUpper(strings.TrimSpace(a.Values.Get("title")))
		var title *land.Title
		if !recIDRe.MatchString(tid) || tid[0] != 'T' {
			errs = append(errs, ui.FormError{Field: "title", Message: tr(ctx, "land.e.titleid")})
		} else {
			var err error
			if title, err = portal.Record[land.Title](ctx, cl, "/land/title/"+tid, 0); err != nil {
				return nil, nil, err
			}
			switch {
			case title == nil:
				errs = append(errs, ui.FormError{Field: "title", Message: tr(ctx, "land.e.notitle", tid)})
			case title.Status != land.StatusActive:
				errs = append(errs, ui.FormError{Field: "title", Message: tr(ctx, "land.e.titlecancelled", tid)})
			case len(title.Caveats) > 0:
				errs = append(errs, ui.FormError{Field: "title", Message: tr(ctx, "land.e.frozenby", tid, title.Caveats[0].ID, title.Caveats[0].Reason)})
			}
		}
		buyer, ok := parseAccount(a.Values.Get("buyer"))
		switch {
		case !ok:
			errs = append(errs, ui.FormError{Field: "buyer", Message: tr(ctx, "land.e.buyerid")})
		case buyer == seller:
			errs = append(errs, ui.FormError{Field: "buyer", Message: tr(ctx, "land.e.buyerself")})
		}
		share, errs := checkShare(ctx, "share", a.Values.Get("share"), errs)
		if title != nil && len(errs) == 0 {
			errs = checkHolds(ctx, title, seller, share, portal.SignerField, "land.holder.you", errs)
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		st, err := cl.RPC.Status(ctx)
		if err != nil {
			return nil, nil, portal.Unavailable(err)
		}
		return land.MsgOfferTransfer{Title: tid, Sellers: []land.Share{{Party: seller, Share: share}},
			Buyers: []land.Share{{Party: buyer, Share: share}}, Expires: st.SyncInfo.LatestBlockHeight + OfferValidFor}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgOfferTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "land.f.what", Value: tr(ctx, "land.d.offer", m.Title)},
			{Label: "land.f.sellers", Value: sharesText(m.Sellers), Mono: true},
			{Label: "land.f.buyers", Value: sharesText(m.Buyers), Mono: true},
			{Label: "land.f.openuntil", Value: i18n.NumberIn(ctx, m.Expires)},
			{Label: "land.f.then", Value: tr(ctx, "land.d.offer.then")},
		}
	},
	DoneIn: func(ctx context.Context, _ *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
		id := string(r.Data)
		return tr(ctx, "land.r.offer", id),
			[]ui.Fact{{Label: "land.f.offer", Value: id, Mono: true}},
			[]ui.Link{{Label: "land.l.buyeraccepts", Href: "/land/transfers/accept?offer=" + id}}
	},
}

// offerFor reads an offer id field and the offer.
func offerFor(ctx context.Context, cl *client.Client, a portal.Answers, errs []ui.FormError) (*land.Offer, []ui.FormError, error) {
	oid := strings.ToUpper(strings.TrimSpace(a.Values.Get("offer")))
	if !recIDRe.MatchString(oid) || oid[0] != 'O' {
		return nil, append(errs, ui.FormError{Field: "offer", Message: tr(ctx, "land.e.offerid")}), nil
	}
	o, err := portal.Record[land.Offer](ctx, cl, "/land/offer/"+oid, 0)
	if err != nil {
		return nil, nil, err
	}
	if o == nil {
		return nil, append(errs, ui.FormError{Field: "offer", Message: tr(ctx, "land.e.nooffer", oid)}), nil
	}
	return o, errs, nil
}

var landAcceptTransfer = &portal.Journey{
	Path:    "/land/transfers/accept",
	MsgType: land.TypeAcceptTransfer,
	Title:   "land.j.accept",
	Lead:    "land.j.accept.lead",
	Nav:     "land",
	Fields:  []ui.Field{{Name: "offer", Label: "land.f.offer", Hint: "land.h.offer"}},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		o, errs, err := offerFor(ctx, cl, a, nil)
		if err != nil || o == nil {
			return nil, errs, err
		}
		me := tx.AccountID(a.Signer)
		isBuyer := slices.ContainsFunc(o.Buyers, func(s land.Share) bool { return s.Party == me })
		switch {
		case o.Status != land.OfferOpen:
			errs = append(errs, ui.FormError{Field: "offer", Message: tr(ctx, "land.e.offernotopen", o.ID, recordWord(ctx, o.Status, false))})
		case !isBuyer:
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: tr(ctx, "land.e.notbuyer", me, o.ID)})
		case len(o.Buyers) > 1:
			errs = append(errs, ui.FormError{Field: "offer", Message: tr(ctx, "land.e.severalbuyers", o.ID)})
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgAcceptTransfer{Offer: o.ID}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgAcceptTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.accept.offer", m.Offer)},
			{Label: "land.f.then", Value: tr(ctx, "land.d.accept.then")}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgAcceptTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.accepted", m.Offer), []ui.Fact{{Label: "land.f.offer", Value: m.Offer, Mono: true}},
			[]ui.Link{{Label: "land.l.clerkregisters", Href: "/land/transfers/register?offer=" + m.Offer}}
	},
}

var landRegisterTransfer = &portal.Journey{
	Path:    "/land/transfers/register",
	MsgType: land.TypeRegisterTransfer,
	Title:   "land.j.transfer",
	Lead:    "land.j.transfer.lead",
	Nav:     "land",
	Fields:  []ui.Field{{Name: "offer", Label: "land.f.offer", Hint: "land.h.offer"}, documentField()},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		errs := requireClerk(ctx, a, nil)
		o, errs, err := offerFor(ctx, cl, a, errs)
		if err != nil {
			return nil, nil, err
		}
		if o != nil && o.Status != land.OfferAccepted {
			errs = append(errs, ui.FormError{Field: "offer", Message: tr(ctx, "land.e.notaccepted", o.ID, recordWord(ctx, o.Status, false))})
		}
		doc, errs := checkDocument(ctx, a, errs)
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return land.MsgRegisterTransfer{Offer: o.ID, Document: doc}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m land.MsgRegisterTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{{Label: "land.f.what", Value: tr(ctx, "land.d.transfer", m.Offer)},
			{Label: "land.f.document", Value: m.Document, Mono: true}}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m land.MsgRegisterTransfer
		_ = tx.DecodeMsg(t.Msg, &m)
		return tr(ctx, "land.r.transfer", m.Offer), []ui.Fact{{Label: "land.f.offer", Value: m.Offer, Mono: true}},
			[]ui.Link{{Label: "land.l.registry", Href: "/land"}}
	},
}
