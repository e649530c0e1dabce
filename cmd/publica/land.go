package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/text/language"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/module"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/money"
)

// landActions lists every land message with a one-line description and
// who signs, in the order shown by `publica tx land --help`.
var landActions = []struct {
	msgType, short, example string
}{
	{land.TypeRegisterParty, "(clerk) register a party: kind (natural-person, organisation, public-body, group), public-register name, registration number, address for service, the accounts that may sign for it",
		`'{"kind":"organisation","name":"Nordbank plc","registration_number":"SC 100001","address_for_service":"1 Bank Street, Millbrook","accounts":["BANK_ID"]}' --from clerk`},
	{land.TypeAmendParty, "(clerk) amend a party: only the fields given change; a new name keeps the old one in its history",
		`'{"party":"N8","name":"Nordbank Group plc","reason":"change of name"}' --document-file certificate.pdf --from clerk`},
	{land.TypeRegisterParcel, "(clerk) register a parcel: cadastral_ref, geometry, address, document",
		`'{"cadastral_ref":"LOT-1","geometry":{"type":"Polygon","coordinates":[[[0,0],[10000,0],[10000,10000],[0,10000],[0,0]]]},"address":"1 High Street","document":""}' --document-file plan.pdf --from clerk`},
	{land.TypeRegisterParcels, "(clerk) register up to 1,000 parcels at once, all or none (see also `publica land import`)",
		`@parcels.json --from clerk`},
	{land.TypeRegisterTitle, "(clerk) first registration of a title: parcels, owners with shares summing to 1, tenure",
		`'{"parcels":["P1"],"owners":[{"party":"ALICE_ID","share":"1"}],"tenure":"freehold","document":""}' --document-file grant.pdf --from clerk`},
	{land.TypeRegisterTitles, "(clerk) register up to 1,000 titles at once, each as register-title, all or none (see also `publica land import --titles`)",
		`@titles.json --from clerk`},
	{land.TypeOfferTransfer, "(every seller signs) offer shares of a title to buyers until a height",
		`'{"title":"T1","sellers":[{"party":"ALICE_ID","share":"1/2"}],"buyers":[{"party":"BOB_ID","share":"1/3"},{"party":"CAROL_ID","share":"1/6"}],"expires":500}' --from citizen-alice`},
	{land.TypeAcceptTransfer, "(every buyer signs) accept an offer", `'{"offer":"O1"}' --from citizen-bob --cosign citizen-carol`},
	{land.TypeWithdrawOffer, "(a seller) withdraw an offer before registration", `'{"offer":"O1"}' --from citizen-alice`},
	{land.TypeRegisterTransfer, "(clerk) register an accepted offer on the deed", `'{"offer":"O1","document":""}' --document-file deed.pdf --from clerk`},
	{land.TypeTransfer, "(clerk, co-signed by every seller and buyer) register a transfer in one transaction",
		`'{"title":"T1","sellers":[{"party":"ALICE_ID","share":"1/2"}],"buyers":[{"party":"BOB_ID","share":"1/2"}],"document":""}' --document-file deed.pdf --from clerk --cosign citizen-alice,citizen-bob`},
	{land.TypeTransmit, "(clerk) vest a title in new owners on death or court order",
		`'{"title":"T1","owners":[{"party":"BOB_ID","share":"1"}],"reason":"death","document":""}' --document-file probate.pdf --from clerk`},
	{land.TypeRegisterMortgage, "(every owner and the lender) register a mortgage with a unique rank; --amount 250000.00 gives the amount in the currency (the message's \"amount\" is in minor units: 25000000 is EUR 250,000.00)",
		`'{"title":"T1","lender":"BANK_ID","currency":"EUR","rank":1,"document":""}' --amount 250000.00 --document-file mortgage.pdf --from citizen-alice --cosign bank`},
	{land.TypeDischarge, "(the lender) discharge a mortgage", `'{"title":"T1","mortgage":"M1","document":""}' --document-file release.pdf --from bank`},
	{land.TypeRegisterLease, "(every owner and the lessee) register a lease",
		`'{"title":"T1","lessee":"BOB_ID","start":"2026-02-01","end":"2036-01-31","document":""}' --document-file lease.pdf --from citizen-alice --cosign citizen-bob`},
	{land.TypeEndLease, "(the lessee or a clerk) end a lease", `'{"title":"T1","lease":"L1","document":""}' --document-file surrender.pdf --from citizen-bob`},
	{land.TypeRegisterEasement, "(every owner) grant an easement benefiting another parcel",
		`'{"title":"T1","benefiting":"P2","purpose":"right of way","document":""}' --document-file easement.pdf --from citizen-alice`},
	{land.TypeEndEasement, "(clerk) end an easement", `'{"title":"T1","easement":"E1","document":""}' --document-file release.pdf --from clerk`},
	{land.TypeLodgeCaveat, "(anyone) lodge a caveat: a clerk's freezes dealings on the title at once, anyone else's is an application a clerk examines",
		`'{"title":"T1","reason":"claims an unregistered share","document":""}' --document-file declaration.pdf --from citizen-bob`},
	{land.TypeExamineCaveat, "(clerk) examine a caveat application: accept (it freezes the title) or reject, with a reason",
		`'{"title":"T1","caveat":"C1","decision":"accept","reason":"the declaration shows an arguable claim"}' --from clerk`},
	{land.TypeWithdrawCaveat, "(the lodger) withdraw a caveat or caveat application", `'{"title":"T1","caveat":"C1"}' --from citizen-bob`},
	{land.TypeRemoveCaveat, "(clerk) remove a caveat, with a reason",
		`'{"title":"T1","caveat":"C1","reason":"lapsed","document":""}' --document-file order.pdf --from clerk`},
	{land.TypeSubdivide, "(clerk) subdivide a parcel into children that partition it", `@subdivision.json --document-file plan.pdf --from clerk`},
	{land.TypeMerge, "(clerk) merge adjacent parcels with identical ownership", `@merge.json --document-file plan.pdf --from clerk`},
	{land.TypeCorrect, "(clerk) correct a parcel or title, with a reason",
		`'{"parcel":"P1","address":"12 Mill Lane","reason":"misread","document":""}' --document-file memo.pdf --from clerk`},
}

// landTxCmd is `publica tx land ACTION MSG`: MSG is the message JSON
// (inline or @FILE); see docs/land.md for every field.
func landTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "land",
		Short: "Land registry transactions (parcels, titles, transfers, mortgages, caveats, ...)",
		Long: `Land registry transactions. Each action takes the message as JSON, inline or
@FILE (see docs/land.md for the fields). Parties are party ids such as N1
(register-party; "publica query land parties" lists them) or bare account
ids (see "publica keys show NAME"). --document-file PATH sets the message's
"document" field to the SHA-256 of the deed, plan or order it rests on.`,
	}
	mod := land.New(nil)
	specs := map[string]module.MsgSpec{}
	for _, s := range mod.Messages() {
		specs[s.Type] = s
	}
	for _, a := range landActions {
		spec := specs[a.msgType]
		action := strings.TrimPrefix(a.msgType, "land/")
		var o txOpts
		var docFile, amount string
		c := &cobra.Command{
			Use:     action + " MSG_JSON|@FILE",
			Short:   a.short,
			Example: "  publica tx land " + action + " " + a.example,
			Args:    cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				msg, err := parseLandMsg(spec, args[0], docFile, amount)
				if err != nil {
					return err
				}
				return runMsgTx(cmd, &o, spec.Type, msg)
			},
		}
		addBuildFlags(c, &o, true)
		c.Flags().StringVar(&docFile, "document-file", "", "file whose SHA-256 becomes the message's document hash")
		if a.msgType == land.TypeRegisterMortgage {
			c.Flags().StringVar(&amount, "amount", "", `amount secured in the message's currency, such as 250000.00 (sets "amount" in minor units)`)
		}
		cmd.AddCommand(c)
	}
	return cmd
}

// parseLandMsg decodes arg strictly into a fresh message, sets its
// document hash from docFile and a mortgage's amount from a decimal
// amount of money, and runs its stateless checks.
func parseLandMsg(spec module.MsgSpec, arg, docFile, amount string) (module.Msg, error) {
	b := []byte(arg)
	if strings.HasPrefix(arg, "@") {
		var err error
		if b, err = os.ReadFile(arg[1:]); err != nil {
			return nil, err
		}
	}
	msg := spec.New()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(msg); err != nil {
		return nil, fmt.Errorf("%s message: %w", spec.Type, err)
	}
	if docFile != "" {
		f := reflect.ValueOf(msg).Elem().FieldByName("Document")
		if !f.IsValid() {
			return nil, fmt.Errorf("%s has no document field", spec.Type)
		}
		data, err := os.ReadFile(docFile)
		if err != nil {
			return nil, err
		}
		h := sha256.Sum256(data)
		f.SetString(hex.EncodeToString(h[:]))
	}
	if amount != "" {
		m, ok := msg.(*land.MsgRegisterMortgage)
		if !ok {
			return nil, fmt.Errorf("%s has no amount", spec.Type)
		}
		minor, err := money.Parse(amount, m.Currency)
		if err != nil {
			return nil, fmt.Errorf("--amount: %w", err)
		}
		m.Amount = minor
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Type, err)
	}
	return msg, nil
}

// landQueryCmd is `publica query land PATH...`.
func landQueryCmd() *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:   "land PATH...",
		Short: "Read the land registry: parcel, title, history, owner at a height or date, party, bbox, ...",
		Long: `Read the land registry. The words of PATH form the query path after /land/:

  parcel ID | title ID | offer ID | params            one record (provable)
  cadref REF                                         parcel id by cadastral reference (provable)
  cadref-prefix PREFIX                               references starting with PREFIX (list)
  cadref-titles REF,REF,...                          registered references with their parcel and title (list)
  history PARCEL [SEQ]                               the parcel's events (list), or one (provable)
  owner PARCEL [HEIGHT]                              owner period now / covering HEIGHT (provable)
  owner-at PARCEL RFC3339-TIME                       owner period at a date (provable)
  height-at RFC3339-TIME                             last block at or before a date (provable)
  party PARTY|ACCOUNT                                titles and shares a party holds (list)
  party-record PARTY                                 a party's record: name, kind, accounts (provable)
  parties [AFTER]                                    party records, 1000 at a time (list)
  parties-of ACCOUNT                                 the parties an account signs for (list)
  bbox MINX MINY MAXX MAXY                           active parcels meeting a box (list)

--prove checks the answer's ICS23 proof against the signed header; --height
reads the state as it was after that block.`,
		Example: `  publica query land title T1 --prove
  publica query land owner P1 42 --prove
  publica query land owner-at P1 2026-03-01T00:00:00Z --prove
  publica query land history P1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStateQuery(cmd, "/land/"+strings.Join(args, "/"), nil, prove, false, "land/"+strings.Join(args, "/"))
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "verify the answer's Merkle proof against the signed header")
	cmd.AddCommand(landExtractCmd())
	cmd.AddCommand(landOwnerProofCmd())
	return cmd
}

func landExtractCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "extract TITLE",
		Short: "Write a title extract: the title and its parcels with proofs and the signed header, checkable offline",
		Example: `  publica query land extract T1 -o T1.extract.json
  publica verify extract T1.extract.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := openRead(cmd)
			if err != nil {
				return err
			}
			defer r.cancel()
			height, c, addr, ctx := r.height, r.c, r.addr, r.ctx
			x, err := extract.Build(ctx, c, args[0], height)
			if err != nil {
				return nodeErr(addr, err)
			}
			b, err := extract.Encode(x) // the same bytes as the portal's extract.json and a certificate's attachment
			if err != nil {
				return err
			}
			return writeOutput(cmd, output, b)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default stdout)")
	return cmd
}

func landOwnerProofCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "owner-proof PARCEL RFC3339-TIME",
		Short: "Write a dated owner proof: who owned PARCEL at that time, checkable offline",
		Long: `Write the proof of who owned a parcel at a date: the signed headers of the
last block at or before the date and of the next block (after it), and
every owner period of the parcel up to that block, proven complete against
the next header's app hash. publica verify owner checks it with no node.
The portal answers the same proof at /api/v1/parcels/PARCEL/owner?at=TIME&prove=true.`,
		Example: `  publica query land owner-proof P1 2026-12-01T00:00:00Z -o P1-owner.json
  publica verify owner P1-owner.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			date, err := time.Parse(time.RFC3339Nano, args[1])
			if err != nil {
				return fmt.Errorf("%q is not an RFC 3339 time such as 2026-12-01T00:00:00Z", args[1])
			}
			r, err := openRead(cmd)
			if err != nil {
				return err
			}
			defer r.cancel()
			latest, err := r.c.LatestHeight(r.ctx)
			if err != nil {
				return nodeErr(r.addr, err)
			}
			p, err := extract.BuildOwnerAt(r.ctx, r.c, args[0], date, latest)
			if err != nil {
				return nodeErr(r.addr, err)
			}
			b, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				return err
			}
			return writeOutput(cmd, output, append(b, '\n'))
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default stdout)")
	return cmd
}

// verifyOwnerCmd checks a dated owner proof offline.
func verifyOwnerCmd() *cobra.Command {
	var trusted string
	cmd := &cobra.Command{
		Use:   "owner FILE",
		Short: "Check a dated owner proof: who owned a parcel at a date, from the date to the owner",
		Long: `Check a dated owner proof offline (publica query land owner-proof, or the
portal's /api/v1/parcels/P/owner?at=TIME&prove=true answer): the headers of
block H and H+1 are each signed by more than two thirds of their validator
sets and H+1 follows H (CometBFT's light client adjacency check), H was
made at or before the date and H+1 after it, and the parcel's owner periods
up to H are proven complete against H+1's app hash; the last one is the
owner at the date. Pass --validators-hash (from a source you trust) to
also check the validator set.`,
		Example: `  publica verify owner P1-owner.json --validators-hash 3F…`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			p, err := extract.ReadOwnerProof(b)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			res, err := extract.VerifyOwnerAt(p)
			if err != nil {
				return fmt.Errorf("owner proof does NOT verify: %w", err)
			}
			vh := fmt.Sprintf("%X", res.ValidatorsHash)
			if trusted != "" && (!strings.EqualFold(trusted, vh) || !strings.EqualFold(trusted, fmt.Sprintf("%X", res.NextVal))) {
				return errors.New("owner proof does NOT verify: its validator set " + vh + " is not the trusted " + trusted)
			}
			w := cmd.OutOrStdout()
			if res.Period == nil {
				fmt.Fprintf(w, "parcel %s had no registered owner at %s (block %d of chain %s)\n", res.Parcel, p.Date, res.Height, p.ChainID)
			} else {
				fmt.Fprintf(w, "parcel %s at %s (block %d of chain %s): title %s, owners since block %d\n",
					res.Parcel, p.Date, res.Height, p.ChainID, res.Period.Title, res.Period.From)
				for _, o := range res.Period.Owners {
					fmt.Fprintf(w, "  owner %s share %s\n", o.Party, o.Share)
				}
			}
			periods := fmt.Sprintf("%d owner periods", len(res.Periods))
			if len(res.Periods) == 1 {
				periods = "1 owner period"
			}
			fmt.Fprintf(w, "verified: block %d made %s, block %d made %s (after the date); %s up to block %d proven against app hash %X; validator set %s\n",
				res.Height, res.BlockTime.UTC().Format(time.RFC3339Nano), res.Height+1, res.NextTime.UTC().Format(time.RFC3339Nano),
				periods, res.Height, res.AppHash, vh)
			if trusted == "" {
				fmt.Fprintln(w, "note: compare the validator set hash with one you trust (--validators-hash)")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&trusted, "validators-hash", "", "hex hash of the validator set you trust")
	return cmd
}

func verifyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "verify", Short: "Check documents offline, with no node"}
	var trusted string
	ex := &cobra.Command{
		Use:   "extract FILE",
		Short: "Check a title extract (JSON, or a title certificate PDF): validator signatures on the header and the proofs of every record",
		Long: `Check a title extract offline: more than two thirds of the validator set
signed the header, and the title and parcel records are proven against its
app hash. The extract carries its validator set; pass --validators-hash
(from a source you trust, e.g. your own node or the registry's published
value) to also check that set is the right one.

FILE is an extract (.extract.json) or a title certificate PDF from the
portal, which carries the extract as an attached file; for a PDF the
SHA-256 of the attached extract is printed, to compare with the one on the
certificate.`,
		Example: `  publica verify extract T1.extract.json
  publica verify extract T1-at-42.certificate.pdf`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			x, raw, err := extract.Read(b) // the JSON file, or a certificate PDF with it attached
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			res, err := extract.Verify(x)
			if err != nil {
				return fmt.Errorf("extract does NOT verify: %w", err)
			}
			vh := fmt.Sprintf("%X", res.ValidatorsHash)
			if trusted != "" && !strings.EqualFold(trusted, vh) {
				return errors.New("extract does NOT verify: its validator set " + vh + " is not the trusted " + trusted)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "title %s (%s, %s) at height %d of chain %s\n", res.Title.ID, res.Title.Tenure, res.Title.Status, res.Height, x.ChainID)
			for _, o := range res.Title.Owners {
				fmt.Fprintf(w, "  owner %s share %s\n", partyLabel(res, o.Party), o.Share)
			}
			for _, m := range res.Title.Mortgages {
				fmt.Fprintf(w, "  mortgage %s rank %d: %s to %s\n", m.ID, m.Rank, money.Format(m.Amount, m.Currency, language.English), partyLabel(res, m.Lender))
			}
			for _, c := range res.Title.Caveats {
				fmt.Fprintf(w, "  caveat %s by %s: %s\n", c.ID, c.LodgedBy, c.Reason)
			}
			for _, c := range res.Title.Applications {
				fmt.Fprintf(w, "  caveat application %s by %s (awaiting a clerk; freezes nothing): %s\n", c.ID, c.LodgedBy, c.Reason)
			}
			for _, p := range res.Parcels {
				fmt.Fprintf(w, "  parcel %s %s, %s m², %s\n", p.ID, p.CadastralRef, p.AreaM2, p.Address)
			}
			if bytes.HasPrefix(b, []byte("%PDF-")) {
				sum := sha256.Sum256(raw)
				fmt.Fprintf(w, "attached extract SHA-256 %x (compare with the certificate)\n", sum)
			}
			fmt.Fprintf(w, "verified: header %d signed by +2/3 of validator set %s; %d records proven against app hash %X\n",
				res.Height+1, vh, len(x.Entries), res.AppHash)
			if trusted == "" {
				fmt.Fprintln(w, "note: compare the validator set hash with one you trust (--validators-hash)")
			}
			return nil
		},
	}
	ex.Flags().StringVar(&trusted, "validators-hash", "", "hex hash of the validator set you trust")
	cmd.AddCommand(ex)
	cmd.AddCommand(verifyOwnerCmd())
	return cmd
}

// partyLabel names a party of a verified extract: "Alice Citizen (N1)"
// for a proven party record, the id itself for a bare account.
func partyLabel(res *extract.Result, party string) string {
	if name := res.Name(party); name != party {
		return name + " (" + party + ")"
	}
	return party
}
