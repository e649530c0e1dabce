package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/keys"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
	"github.com/publica/publica/x/land"
)

// The demo town: `publica init --dev --demo` marks a new development home,
// and the next `publica start` seeds it through ordinary signed
// transactions (no genesis shortcut), so every portal page has something
// to show: the town of Millbrook with its parcels and titles, a registrar
// that issued credentials, an election open for voting and one closed and
// tallied.

// demoMarker is the file in HOME that asks start to seed the demo town;
// seeding replaces it by demoDone.
const (
	demoMarker = "demo.pending"
	demoDone   = "demo.done"
)

// Demo parties beyond the genesis demo keys. Their keys are derived like
// the genesis ones (public, for a local chain only). "observer" is an
// election observer the authority set accredits during seeding (not at
// genesis, whose app hash is pinned).
var demoParties = []string{"millbrook-bank", "citizen-dan", "citizen-erin", "citizen-frank", "citizen-grace", demoObserver}

// demoObserver is the demo key granted the observer role.
const demoObserver = "observer"

// Election ids of the demo.
const (
	demoOpenElection   = "millbrook-budget-2027"
	demoClosedElection = "millbrook-library-2026"
)

// demoCloseAfter is how long after seeding begins the closed election
// closes: long enough for its key ceremony and ballots at one block a
// second per wave of transactions. (Tests with faster blocks shorten it.)
var demoCloseAfter = 35 * time.Second

// markDemo asks the next start to seed the demo town.
func markDemo(home string) error {
	return os.WriteFile(filepath.Join(home, demoMarker), []byte("the next `publica start` seeds the demo town\n"), 0o600)
}

// demoPending reports whether home is marked for seeding.
func demoPending(home string) bool {
	_, err := os.Stat(filepath.Join(home, demoMarker))
	return err == nil
}

// storeDemoParties writes the demo parties' keys to HOME/keys.
func storeDemoParties(home string) error {
	ks, err := keys.Open(keysDir(home))
	if err != nil {
		return err
	}
	for _, name := range demoParties {
		if _, err := ks.ImportDemo(name, demoKey(name)); err != nil && !errors.Is(err, keys.ErrExists) {
			return fmt.Errorf("demo key %s: %w", name, err)
		}
	}
	return nil
}

func demoKey(name string) ed25519.PrivateKey { return genesis.DemoKey{Name: name}.PrivateKey() }

func demoAccount(name string) string {
	return tx.AccountID(demoKey(name).Public().(ed25519.PublicKey))
}

// demoParty is the party the town's records name for a demo key: its
// party of the development genesis (genesis.DemoParties: "Alice
// Citizen" is N1), "city-council" the council, which has no key; any
// other key is named by its account.
func demoParty(name string) string {
	if name == demoCouncil {
		return genesis.DemoPartyNamed("City Council")
	}
	if id := genesis.DemoPartyID(name); id != "" {
		return id
	}
	return demoAccount(name)
}

// demoCouncil owns the town hall; a clerk signs for it on the deed.
const demoCouncil = "city-council"

// startDemoSeeding seeds the demo town in the background when home is
// marked; the returned function stops it (on shutdown).
func startDemoSeeding(out io.Writer, home, rpc, portalURL string) (stop func()) {
	if !demoPending(home) {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fmt.Fprintln(out, "demo: seeding the town of Millbrook through signed transactions (about a minute)...")
		began := time.Now()
		sum, err := seedDemo(ctx, rpc, home, portalURL)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(out, "demo: seeding stopped: %v (start the node again, e.g. make demo: seeding resumes where it stopped)\n", err)
			}
			return
		}
		os.Remove(filepath.Join(home, demoMarker))
		os.WriteFile(filepath.Join(home, demoDone), []byte(sum+"\n"), 0o600)
		fmt.Fprintf(out, "demo: ready in %.0f s: %s\n", time.Since(began).Seconds(), sum)
		if portalURL != "" {
			fmt.Fprintf(out, "demo: open %s/demo to act as the clerk, a citizen, the registrar, an election official, a trustee, the auditor or an election observer\n", portalURL)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// demoSeeder sends transactions in waves: every transaction of a wave is
// broadcast (each signer's sequence counted here), then the wave waits
// until all are committed, in order. A later wave may read what an
// earlier one wrote.
type demoSeeder struct {
	ctx     context.Context
	sent    int // transactions sent
	skipped int // steps found already done
	c       *client.Client
	chainID string
	seq     map[string]uint64
	pending []pendingTx
}

type pendingTx struct {
	what string
	hash []byte
}

// errDemoInterrupted is what send returns once demoStopAfter
// transactions were sent: a test's stand-in for a Ctrl-C part-way.
var errDemoInterrupted = errors.New("interrupted")

// demoStopAfter, when positive, makes seeding stop after that many
// transactions (tests of resuming).
var demoStopAfter int

func (s *demoSeeder) send(what, msgType string, msg any, signers ...string) error {
	if demoStopAfter > 0 && s.sent >= demoStopAfter {
		return errDemoInterrupted
	}
	body, err := tx.EncodeMsg(msg)
	if err != nil {
		return err
	}
	primary := demoKey(signers[0])
	seq, ok := s.seq[signers[0]]
	if !ok {
		a, err := s.c.AccountByKey(s.ctx, primary.Public().(ed25519.PublicKey))
		if err != nil {
			return err
		}
		if a != nil {
			seq = a.Sequence
		}
	}
	h, err := s.c.LatestHeight(s.ctx)
	if err != nil {
		return err
	}
	validUntil := uint64(h) + 100
	if msgType == authority.TypeRegisterAccount {
		// The node may ask a registration for a proof of work.
		validUntil = s.c.RegisterValidUntil(s.ctx, s.chainID, primary.Public().(ed25519.PublicKey), validUntil)
	}
	t := &tx.Tx{ChainID: s.chainID, Sequence: seq, ValidUntil: validUntil, MsgType: msgType, Msg: body}
	for _, name := range signers {
		t.Sign(demoKey(name))
	}
	br, err := s.c.RPC.BroadcastTxSync(s.ctx, t.Encode())
	if err != nil {
		return fmt.Errorf("%s: broadcast: %w", what, err)
	}
	if br.Code != 0 {
		return fmt.Errorf("%s: refused (%s/%d): %s", what, br.Codespace, br.Code, br.Log)
	}
	s.seq[signers[0]] = seq + 1
	s.sent++
	s.pending = append(s.pending, pendingTx{what: what, hash: br.Hash})
	return nil
}

// wait waits until every pending transaction is committed and returns
// their result data, in sending order.
func (s *demoSeeder) wait() ([][]byte, error) {
	var data [][]byte
	for _, p := range s.pending {
		for {
			res, err := s.c.RPC.Tx(s.ctx, p.hash, false)
			if err == nil {
				if res.TxResult.Code != 0 {
					return nil, fmt.Errorf("%s: rejected (%s/%d): %s", p.what, res.TxResult.Codespace, res.TxResult.Code, res.TxResult.Log)
				}
				data = append(data, res.TxResult.Data)
				break
			}
			select {
			case <-s.ctx.Done():
				return nil, s.ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	s.pending = nil
	return data, nil
}

// demoLot is one parcel of the town grid, with its first owners.
type demoLot struct {
	ref, address string
	x, y         int64 // south-west corner, in centimetres
	owners       []string
	tenure       string
}

// Millbrook: six streets of six lots, 20 m × 30 m each.
var demoStreets = []string{"Mill Lane", "Church Street", "Station Road", "River Walk", "Market Street", "Orchard Close"}

const (
	demoX0, demoY0 = 50_200_000, 600_200_000 // clear of samples/parcels.geojson and the README's LOT-1
	demoLotW       = 2_000
	demoLotH       = 3_000
)

func demoLots() []demoLot {
	people := []string{"citizen-alice", "citizen-bob", "citizen-carol", "citizen-dan", "citizen-erin", "citizen-frank", "citizen-grace"}
	var lots []demoLot
	for row, street := range demoStreets {
		for col := range 6 {
			i := row*6 + col
			l := demoLot{
				ref:     fmt.Sprintf("MB-%02d", i+1),
				address: fmt.Sprintf("%d %s, Millbrook", col+1, street),
				x:       demoX0 + int64(col)*demoLotW, y: demoY0 + int64(row)*(demoLotH+1_000), // a street between rows
				owners: []string{people[i%len(people)]},
				tenure: "freehold",
			}
			switch {
			case i%5 == 4: // some homes are held jointly
				l.owners = append(l.owners, people[(i+3)%len(people)])
			case i == 20: // the town hall
				l.owners, l.tenure = []string{demoCouncil}, "state"
			}
			lots = append(lots, l)
		}
	}
	return lots
}

func rect(x, y, w, h int64) land.Geometry {
	c, _ := json.Marshal([][][2]int64{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}})
	return land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: c}
}

func shares(names []string) []land.Share {
	var out []land.Share
	for _, n := range names {
		s := "1"
		if len(names) == 2 {
			s = "1/2"
		}
		out = append(out, land.Share{Party: demoParty(n), Share: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Party < out[j].Party })
	return out
}

func docHash(s string) string { return sha256Hex([]byte(s)) }

// seedDemo runs the demo town's transactions against the node at rpc and
// returns a one-line summary. Every step first looks at the chain and
// skips what is already there, so a seeding stopped part-way (a Ctrl-C, a
// crash) finishes the same town when the node starts again.
func seedDemo(ctx context.Context, rpc, home, portalURL string) (string, error) {
	// The credentials name the portal's status lists and schema.
	base := portalURL
	if base == "" || vc.CheckBaseURL(base) != nil {
		base = vc.DefaultBaseURL
	}
	c, err := client.New(rpc)
	if err != nil {
		return "", err
	}
	s := &demoSeeder{ctx: ctx, c: c, seq: map[string]uint64{}}
	// The first block must be committed before anything can be queried.
	for {
		if h, err := c.LatestHeight(ctx); err == nil && h >= 2 {
			break
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if s.chainID, err = c.ChainID(ctx); err != nil {
		return "", err
	}
	if s.chainID != genesis.DevChainID {
		return "", fmt.Errorf("the demo town is for the development chain %s, not %s", genesis.DevChainID, s.chainID)
	}
	// An earlier seeding in this process may have left transactions in
	// the mempool: what the chain has is only known once they are in.
	if err := s.settle(); err != nil {
		return "", err
	}

	// Wave 1: parties, parcels, the residence schema and its issuer, both
	// elections with their rolls and the trustees' first round.
	for _, p := range demoParties {
		a, err := c.AccountByKey(ctx, demoKey(p).Public().(ed25519.PublicKey))
		if err != nil {
			return "", err
		}
		if a != nil {
			s.skipped++
			continue
		}
		if err := s.send("register "+p, "authority/register-account", struct{}{}, p); err != nil {
			return "", err
		}
	}
	lots := demoLots()
	if p, err := s.parcel(lots[0].ref); err != nil {
		return "", err
	} else if p != nil {
		s.skipped++
	} else { // the parcels are registered in one transaction
		var parcels land.MsgRegisterParcels
		for _, l := range lots {
			parcels.Parcels = append(parcels.Parcels, land.MsgRegisterParcel{CadastralRef: l.ref, Geometry: rect(l.x, l.y, demoLotW, demoLotH),
				Address: l.address, Document: docHash("Millbrook survey plan " + l.ref)})
		}
		if err := s.send("register the parcels", land.TypeRegisterParcels, &parcels, "clerk"); err != nil {
			return "", err
		}
	}
	if ok, err := s.has("/identity/schema/residence/1"); err != nil {
		return "", err
	} else if !ok {
		schema, _ := os.ReadFile(filepath.Join("examples", "residence.schema.json")) // its hash only; absent: the hash of nothing
		if err := s.send("register the residence schema", identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1,
			Claims:         []identity.ClaimDef{{Name: "age_band", Type: "integer"}, {Name: "birth_date", Type: "date"}, {Name: "district", Type: "integer"}},
			JSONSchemaHash: sha256Hex(schema)}, "authority-1", "authority-2"); err != nil {
			return "", err
		}
	}
	if ok, err := s.has("/identity/issuer/" + demoAccount("registrar")); err != nil {
		return "", err
	} else if !ok {
		if err := s.send("accredit the registrar", identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: demoAccount("registrar"), Schemas: []string{"residence"}},
			"authority-1", "authority-2"); err != nil {
			return "", err
		}
	}
	voters := []string{"citizen-alice", "citizen-bob", "citizen-carol", "citizen-dan", "citizen-erin", "citizen-frank", "citizen-grace"}
	var roll []string
	for _, v := range voters {
		roll = append(roll, demoAccount(v))
	}
	sort.Strings(roll)
	trustees := []string{demoAccount("trustee-1"), demoAccount("trustee-2"), demoAccount("trustee-3")}
	now := time.Now()
	elections := []ballot.MsgCreateElection{
		{ID: demoClosedElection, Title: "Millbrook library referendum 2026",
			Questions: []ballot.Question{
				{Text: "Build the new library on Market Street?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
				{Text: "Opening hours", Kind: ballot.KindSingle, Options: []string{"Weekdays", "Weekdays and Saturday", "Every day"}},
			},
			Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}, Trustees: trustees, Threshold: 2,
			OpensAt: now.Add(-time.Minute).Unix(), ClosesAt: now.Add(demoCloseAfter).Unix()},
		{ID: demoOpenElection, Title: "Millbrook budget 2027",
			Questions: []ballot.Question{
				{Text: "Approve the 2027 budget?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
				{Text: "Mayor", Kind: ballot.KindSingle, Options: []string{"Ann Miller", "Ben Okafor", "Cy Laurent"}},
				{Text: "Parks to renovate", Kind: ballot.KindApproval, MaxChoices: 2, Options: []string{"North", "South", "East", "West"}},
			},
			Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}, Trustees: trustees, Threshold: 2,
			OpensAt: now.Add(-time.Minute).Unix(), ClosesAt: now.Add(30 * 24 * time.Hour).Unix()},
	}
	for i := range elections {
		e := &elections[i]
		if ok, err := s.has("/ballot/election/" + e.ID); err != nil {
			return "", err
		} else if !ok {
			if err := s.send("create "+e.ID, ballot.TypeCreateElection, e, "election-official"); err != nil {
				return "", err
			}
		}
		if ok, err := s.has("/ballot/roll/" + e.ID + "/" + roll[0]); err != nil {
			return "", err
		} else if !ok { // the roll is registered in one transaction
			if err := s.send("roll of "+e.ID, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: e.ID, Voters: roll}, "election-official"); err != nil {
				return "", err
			}
		}
		for j := range trustees {
			name := fmt.Sprintf("trustee-%d", j+1)
			if ok, err := s.has(fmt.Sprintf("/ballot/trustee/%s/%d", e.ID, j+1)); err != nil {
				return "", err
			} else if ok {
				continue
			}
			if err := s.send(name+" key for "+e.ID, ballot.TypeTrusteeKey, ballot.CommKeyMsg(demoKey(name), e.ID), name); err != nil {
				return "", err
			}
		}
	}
	if _, err := s.wait(); err != nil {
		return "", err
	}
	// The closed election closes when the chain says (a resumed seeding
	// keeps the first one's times).
	closed, err := fetchElection(ctx, c, demoClosedElection)
	if err != nil {
		return "", err
	}
	closedAt := time.Unix(closed.ClosesAt, 0)
	parcelOf := map[string]*land.Parcel{} // cadastral ref → parcel
	loadParcels := func(refs ...string) error {
		for _, ref := range refs {
			p, err := s.parcel(ref)
			if err != nil {
				return err
			}
			if p == nil {
				return fmt.Errorf("parcel %s is not registered", ref)
			}
			parcelOf[ref] = p
		}
		return nil
	}
	var refs []string
	for _, l := range lots {
		refs = append(refs, l.ref)
	}
	if err := loadParcels(refs...); err != nil {
		return "", err
	}

	// Wave 2: first titles, credentials, the trustees' dealings, the
	// observer's accreditation.
	if a, err := c.Account(ctx, demoAccount(demoObserver)); err != nil {
		return "", err
	} else if a == nil {
		return "", fmt.Errorf("the observer's account is not registered")
	} else if a.HasRole(authority.RoleObserver) {
		s.skipped++
	} else if err := s.send("accredit the observer", authority.TypeGrantRole, &authority.MsgGrantRole{Account: a.ID, Role: authority.RoleObserver},
		"authority-1", "authority-2"); err != nil {
		return "", err
	}
	for _, l := range lots {
		p := parcelOf[l.ref]
		if p.Title != "" || len(p.Children) > 0 {
			s.skipped++
			continue
		}
		if err := s.send("title of "+l.ref, land.TypeRegisterTitle, &land.MsgRegisterTitle{Parcels: []string{p.ID}, Owners: shares(l.owners),
			Tenure: l.tenure, Document: docHash("Millbrook first registration " + l.ref)}, "clerk"); err != nil {
			return "", err
		}
	}
	registrar := demoAccount("registrar")
	keyN, err := currentKeyNumber(ctx, c, registrar)
	if err != nil {
		return "", err
	}
	heldDir := filepath.Join(home, "demo")
	if err := os.MkdirAll(heldDir, 0o700); err != nil {
		return "", err
	}
	for i, h := range []struct {
		name          string
		district, age int64
		birth         string
	}{{"citizen-alice", 7, 39, "1987-03-14"}, {"citizen-bob", 7, 52, "1974-06-02"}, {"citizen-carol", 3, 27, "1999-11-30"}, {"citizen-dan", 3, 17, "2009-01-21"}} {
		// The holder's file is written before its digest is anchored, and
		// the digest beside it last: a digest file means the credential
		// in the holder's file is the one to anchor.
		heldPath := filepath.Join(heldDir, h.name+"-residence.json")
		digestPath := heldPath + ".digest"
		digest := ""
		if b, err := os.ReadFile(digestPath); err == nil {
			if _, err := os.Stat(heldPath); err == nil {
				digest = strings.TrimSpace(string(b))
			}
		}
		if digest == "" {
			held, sec, err := vc.Issue(vc.IssuerParams{Issuer: registrar, KeyNumber: keyN, Holder: demoAccount(h.name), SchemaID: "residence",
				Version: 1, StatusIndex: uint64(i), Claims: []vc.Claim{{Name: "age_band", Value: h.age}, {Name: "birth_date", Value: h.birth}, {Name: "district", Value: h.district}},
				ValidFrom: time.Now(), BaseURL: base}, demoKey("registrar"))
			if err != nil {
				return "", err
			}
			b, _ := json.MarshalIndent(held, "", "  ")
			digest = hex.EncodeToString(sec.DocHash[:])
			if err := writeFileAtomic(heldPath, append(b, '\n')); err != nil {
				return "", err
			}
			if err := writeFileAtomic(digestPath, []byte(digest+"\n")); err != nil {
				return "", err
			}
		} else if ok, err := s.has("/identity/credential/" + digest); err != nil {
			return "", err
		} else if ok {
			continue
		}
		if err := s.send("credential for "+h.name, identity.TypeAnchorCredential, identity.MsgAnchorCredential{
			Digest: digest, SchemaID: "residence", Version: 1, StatusIndex: uint64(i)}, "registrar"); err != nil {
			return "", err
		}
	}
	// The registrar's signed status lists (nothing revoked or suspended),
	// which the credentials' statusListCredential URLs serve.
	for _, p := range []string{identity.PurposeRevocation, identity.PurposeSuspension} {
		if ok, err := s.has("/identity/signedstatuslist/" + registrar + "/" + p); err != nil {
			return "", err
		} else if ok {
			continue
		}
		res, err := c.Query(ctx, "/identity/statuslist/"+registrar+"/"+p, nil, 0, false)
		if err != nil {
			return "", err
		}
		_, bits, err := identity.ParseStatusListCredential(res.Value)
		if err != nil {
			return "", err
		}
		list, err := identity.SignStatusList(base, registrar, p, keyN, bits, time.Now(), demoKey("registrar"))
		if err != nil {
			return "", err
		}
		if err := s.send("signed "+p+" list", identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: p, List: list}, "registrar"); err != nil {
			return "", err
		}
	}
	for i := range elections {
		e, err := fetchElection(ctx, c, elections[i].ID)
		if err != nil {
			return "", err
		}
		if e.Phase != ballot.PhaseKeyCeremony {
			continue
		}
		trs, _, err := fetchTrustees(ctx, c, e)
		if err != nil {
			return "", err
		}
		for j := range trustees {
			if trs[j] != nil && trs[j].Dealing != "" {
				continue
			}
			name := fmt.Sprintf("trustee-%d", j+1)
			m, err := ballot.DealMsg(demoKey(name), e, uint32(j+1), trs)
			if err != nil {
				return "", fmt.Errorf("%s deal for %s: %w", name, e.ID, err)
			}
			if err := s.send(name+" deal for "+e.ID, ballot.TypeDeal, m, name); err != nil {
				return "", err
			}
		}
	}
	if _, err := s.wait(); err != nil {
		return "", err
	}
	if err := loadParcels(refs...); err != nil {
		return "", err
	}
	// title gives the current title of the parcel with reference ref.
	title := func(ref string) (*land.Title, error) {
		var t land.Title
		id := parcelOf[ref].Title
		if ok, err := fetchJSON(ctx, c, "/land/title/"+id, &t); err != nil {
			return nil, err
		} else if !ok || id == "" {
			return nil, fmt.Errorf("parcel %s has no title", ref)
		}
		return &t, nil
	}

	// Wave 3: dealings on the titles, the keys published.
	bank := "millbrook-bank"
	for _, ref := range []string{"MB-01", "MB-08", "MB-15", "MB-22", "MB-29"} {
		t, err := title(ref)
		if err != nil {
			return "", err
		}
		if len(t.Mortgages) > 0 {
			s.skipped++
			continue
		}
		l := lots[refIndex(lots, ref)]
		signers := append([]string{l.owners[0]}, l.owners[1:]...)
		signers = append(signers, bank)
		if err := s.send("mortgage on "+ref, land.TypeRegisterMortgage, &land.MsgRegisterMortgage{Title: t.ID, Lender: demoParty(bank),
			Amount: "18000000", Currency: "EUR", Rank: 1, Document: docHash("Millbrook mortgage deed " + ref)}, signers...); err != nil {
			return "", err
		}
	}
	// Two sales, signed at settlement by the clerk, seller and buyer.
	for _, sale := range []struct{ ref, buyer string }{{"MB-02", "citizen-grace"}, {"MB-11", "citizen-alice"}} {
		t, err := title(sale.ref)
		if err != nil {
			return "", err
		}
		if len(t.Owners) == 1 && t.Owners[0].Party == demoParty(sale.buyer) {
			s.skipped++
			continue
		}
		l := lots[refIndex(lots, sale.ref)]
		if err := s.send("sale of "+sale.ref, land.TypeTransfer, &land.MsgTransfer{Title: t.ID,
			Sellers: []land.Share{{Party: demoParty(l.owners[0]), Share: "1"}}, Buyers: []land.Share{{Party: demoParty(sale.buyer), Share: "1"}},
			Document: docHash("Millbrook deed of sale " + sale.ref)}, "clerk", l.owners[0], sale.buyer); err != nil {
			return "", err
		}
	}
	if t, err := title("MB-12"); err != nil {
		return "", err
	} else if len(t.Caveats) == 0 {
		if err := s.send("caveat on MB-12", land.TypeLodgeCaveat, &land.MsgLodgeCaveat{Title: t.ID,
			Reason: "Boundary dispute with the neighbour at 5 Church Street; court file 12/2026", Document: docHash("Millbrook caveat MB-12")}, "clerk"); err != nil {
			return "", err
		}
	}
	if p := parcelOf["MB-36"]; len(p.Children) == 0 {
		sub := lots[refIndex(lots, "MB-36")]
		if err := s.send("subdivision of MB-36", land.TypeSubdivide, &land.MsgSubdivide{Parcel: p.ID,
			Children: []land.ChildParcel{
				{CadastralRef: "MB-36-A", Geometry: rect(sub.x, sub.y, demoLotW/2, demoLotH), Address: "6A Orchard Close, Millbrook"},
				{CadastralRef: "MB-36-B", Geometry: rect(sub.x+demoLotW/2, sub.y, demoLotW/2, demoLotH), Address: "6B Orchard Close, Millbrook"},
			}, Tolerance: "0", Document: docHash("Millbrook subdivision plan MB-36")}, "clerk"); err != nil {
			return "", err
		}
	}
	for _, e := range elections {
		rec, err := fetchElection(ctx, c, e.ID)
		if err != nil {
			return "", err
		}
		if rec.Phase != ballot.PhaseKeyCeremony {
			continue
		}
		if err := s.send("publish the key of "+e.ID, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: e.ID}, "election-official"); err != nil {
			return "", err
		}
	}
	if _, err := s.wait(); err != nil {
		return "", err
	}

	// Wave 4: ballots in both elections.
	votes := map[string][][][]int{
		demoClosedElection: {{{0}, {1}}, {{0}, {2}}, {{1}, {0}}, {{0}, {1}}, {{0}, {1}}},
		demoOpenElection:   {{{0}, {1}, {0, 2}}, {{1}, {0}, {1}}, {{0}, {1}, {3}}},
	}
	cast := 0
	st, err := c.RPC.Status(ctx)
	if err != nil {
		return "", err
	}
	for _, e := range elections {
		rec, err := fetchElection(ctx, c, e.ID)
		if err != nil {
			return "", err
		}
		tooLate := e.ID == demoClosedElection && closedAt.Sub(st.SyncInfo.LatestBlockTime) < 5*time.Second
		for i, answers := range votes[e.ID] {
			voter := voters[i]
			if ok, err := s.has("/ballot/vote/" + e.ID + "/" + demoAccount(voter)); err != nil {
				return "", err
			} else if ok {
				cast++
				continue
			}
			if tooLate || rec.Phase != ballot.PhaseReady {
				// A slow machine: too close to the close for ballots to
				// land before it. The election is still closed and
				// tallied, with those it has.
				continue
			}
			choices, err := ballot.Choices(rec, answers)
			if err != nil {
				return "", err
			}
			committed, err := ballot.Commit(rec, demoAccount(voter), choices, rand.Reader)
			if err != nil {
				return "", err
			}
			m, err := committed.Cast()
			if err != nil {
				return "", err
			}
			if err := s.send(voter+" votes in "+e.ID, ballot.TypeCast, m, voter); err != nil {
				return "", err
			}
			cast++
		}
	}
	if _, err := s.wait(); err != nil {
		return "", err
	}

	// Wave 5: after its close, two of the three trustees tally the closed
	// election. The block store holds a block before the application has
	// committed it, and a transaction is checked against the last block
	// the application committed: so the tallies wait for a block after
	// the first one past the close.
	var closedHeight int64
	for {
		st, err := c.RPC.Status(ctx)
		if err != nil {
			return "", err
		}
		if closedHeight == 0 && !st.SyncInfo.LatestBlockTime.Before(closedAt) {
			closedHeight = st.SyncInfo.LatestBlockHeight
		}
		if closedHeight != 0 && st.SyncInfo.LatestBlockHeight > closedHeight {
			break
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	e, err := fetchElection(ctx, c, demoClosedElection)
	if err != nil {
		return "", err
	}
	if e.Phase != ballot.PhaseTallied {
		p, err := c.QueryProven(ctx, "/ballot/aggregate/"+e.ID, nil, 0)
		if err != nil {
			return "", err
		}
		var agg ballot.Aggregate
		if err := json.Unmarshal(p.Value, &agg); err != nil {
			return "", err
		}
		trs, cs, err := fetchTrustees(ctx, c, e)
		if err != nil {
			return "", err
		}
		for _, j := range []uint32{1, 2} {
			if ok, err := s.has(fmt.Sprintf("/ballot/partial/%s/%d", e.ID, j)); err != nil {
				return "", err
			} else if ok {
				continue
			}
			name := fmt.Sprintf("trustee-%d", j)
			ksh, err := ballot.KeyShareFor(demoKey(name), e, j, trs, cs)
			if err != nil {
				return "", err
			}
			m, err := ballot.TallyMsg(ksh, e, &agg, rand.Reader)
			if err != nil {
				return "", err
			}
			if err := s.send(name+" tally of "+e.ID, ballot.TypeTally, m, name); err != nil {
				return "", err
			}
		}
		if _, err := s.wait(); err != nil {
			return "", err
		}
	}
	resumed := ""
	if s.skipped > 0 {
		resumed = fmt.Sprintf(" (resumed: %d steps were already on chain)", s.skipped)
	}
	return fmt.Sprintf("%d parcels with titles (5 mortgaged, 2 sold, 1 under a caveat, 1 subdivided), 4 residence credentials, "+
		"%d ballots cast, election %s open for voting, election %s closed and tallied%s", len(lots)+1, cast, demoOpenElection, demoClosedElection, resumed), nil
}

// has reports whether the chain holds a record at query path.
func (s *demoSeeder) has(path string) (bool, error) {
	res, err := s.c.Query(s.ctx, path, nil, 0, false)
	if err != nil {
		return false, err
	}
	if res.Value != nil {
		s.skipped++
	}
	return res.Value != nil, nil
}

// parcel is the parcel with cadastral reference ref, nil if none.
func (s *demoSeeder) parcel(ref string) (*land.Parcel, error) {
	res, err := s.c.Query(s.ctx, "/land/cadref/"+ref, nil, 0, false)
	if err != nil || res.Value == nil {
		return nil, err
	}
	id := string(res.Value)
	if json.Unmarshal(res.Value, &id) != nil {
		id = string(res.Value)
	}
	var p land.Parcel
	if ok, err := fetchJSON(s.ctx, s.c, "/land/parcel/"+id, &p); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("cadastral reference %s names parcel %s, which is not registered", ref, id)
	}
	return &p, nil
}

// settle waits until the node's mempool is empty, so that what the chain
// holds includes every transaction an earlier seeding sent.
func (s *demoSeeder) settle() error {
	for {
		u, err := s.c.RPC.NumUnconfirmedTxs(s.ctx)
		if err != nil {
			return err
		}
		if u.Total == 0 {
			return nil
		}
		select {
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// writeFileAtomic writes b to path through a temporary file and a rename.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func refIndex(lots []demoLot, ref string) int {
	for i, l := range lots {
		if l.ref == ref {
			return i
		}
	}
	panic("demo lot " + ref) // the refs above are the town's own
}
