package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/client"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// accountOfKey is the account the key controls now (it differs from the
// key's own id after a rotation or recovery).
func accountOfKey(ctx context.Context, c *client.Client, pub ed25519.PublicKey) (string, error) {
	a, err := c.AccountByKey(ctx, pub)
	if err != nil {
		return "", err
	}
	if a == nil {
		return "", fmt.Errorf("key %x controls no account", []byte(pub))
	}
	return a.ID, nil
}

// currentKeyNumber is n of the account's current did:publica #key-n.
func currentKeyNumber(ctx context.Context, c *client.Client, account string) (int, error) {
	res, err := c.Query(ctx, "/identity/did/"+account, nil, 0, false)
	if err != nil {
		return 0, err
	}
	var doc struct{ AssertionMethod []string }
	if err := json.Unmarshal(res.Value, &doc); err != nil || len(doc.AssertionMethod) == 0 {
		return 0, fmt.Errorf("DID of %s has no current key (deactivated?)", account)
	}
	_, n, ok := vc.ParseKeyRef(doc.AssertionMethod[0])
	if !ok {
		return 0, fmt.Errorf("DID of %s: bad key reference %q", account, doc.AssertionMethod[0])
	}
	return n, nil
}

func credentialCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credential",
		Short: "Issue, present and verify W3C verifiable credentials (eddsa-jcs-2022)",
		Long: `Credentials are W3C Verifiable Credentials 2.0 secured with the
eddsa-jcs-2022 Data Integrity cryptosuite. The chain holds only the
credential's digest, its status index and the issuer's accreditation;
the claims stay in the holder's file, which can disclose them or prove
predicates on them in zero knowledge. See docs/identity.md.`,
	}
	addNodeFlag(cmd)
	addPassphraseFlag(cmd)
	cmd.AddCommand(credentialIssueCmd(), credentialPresentCmd(), credentialVerifyCmd())
	return cmd
}

func parseClaim(s string) (vc.Claim, error) {
	name, val, ok := strings.Cut(s, "=")
	if !ok || !vc.ValidClaimName(name) {
		return vc.Claim{}, fmt.Errorf("--claim %q: want NAME=VALUE", s)
	}
	if n, err := strconv.ParseInt(val, 10, 64); err == nil {
		return vc.Claim{Name: name, Value: n}, nil
	}
	if val == "true" || val == "false" {
		return vc.Claim{Name: name, Value: val == "true"}, nil
	}
	return vc.Claim{Name: name, Value: val}, nil
}

func credentialIssueCmd() *cobra.Command {
	var (
		o                      txOpts
		holder, schema, output string
		version                uint32
		index                  uint64
		claims                 []string
		validUntil, publicAt   string
	)
	cmd := &cobra.Command{
		Use:   "issue",
		Short: "Sign a credential for a holder and anchor its digest on chain (issuer)",
		Long: `Sign a credential with the --from issuer's current DID key, anchor its
digest and status index on chain (identity/anchor-credential), and write
the holder's file: the signed credential, one salted disclosure per
claim, and per claim the commitment disclosure and its opening (for
zero-knowledge predicate proofs). Give the file to the holder only: it
contains the claims.`,
		Example: `  publica credential issue --from registrar --holder citizen-alice --schema residence --version 1 \
    --index 0 --claim district=7 --claim age_band=30 --claim birth_date=1987-03-14 --held alice-residence.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "" {
				return errors.New("--held FILE is required: the holder's credential file")
			}
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			holderID, err := resolveAccount(ks, holder)
			if err != nil {
				return err
			}
			var cs []vc.Claim
			for _, s := range claims {
				c, err := parseClaim(s)
				if err != nil {
					return err
				}
				cs = append(cs, c)
			}
			var until time.Time
			if validUntil != "" {
				if until, err = time.Parse(time.RFC3339, validUntil); err != nil {
					return fmt.Errorf("--valid-until: %w", err)
				}
			}
			priv, _, err := loadKey(ks, newPassphraseSource(cmd), o.from)
			if err != nil {
				return err
			}
			c, addr, err := connect(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
			defer cancel()
			issuer, err := accountOfKey(ctx, c, priv.Public().(ed25519.PublicKey))
			if err != nil {
				return nodeErr(addr, err)
			}
			n, err := currentKeyNumber(ctx, c, issuer)
			if err != nil {
				return nodeErr(addr, err)
			}
			base, err := publicURL(publicAt)
			if err != nil {
				return err
			}
			held, sec, err := vc.Issue(vc.IssuerParams{Issuer: issuer, KeyNumber: n, Holder: holderID, SchemaID: schema,
				Version: version, StatusIndex: index, Claims: cs, ValidFrom: time.Now(), ValidUntil: until, BaseURL: base}, priv)
			if err != nil {
				return err
			}
			b, _ := json.MarshalIndent(held, "", "  ")
			if err := os.WriteFile(output, append(b, '\n'), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "credential written to %s (digest %x); anchoring it on chain\n", output, sec.DocHash)
			if err := runMsgTx(cmd, &o, identity.TypeAnchorCredential, identity.MsgAnchorCredential{
				Digest: hex.EncodeToString(sec.DocHash[:]), SchemaID: schema, Version: version, StatusIndex: index}); err != nil || o.generateOnly {
				return err
			}
			// The status lists the credential names must be there to fetch:
			// sign those the chain holds no signed list of.
			k := &issuerKey{priv: priv, account: issuer, n: n, c: c, addr: addr}
			for _, p := range []string{identity.PurposeRevocation, identity.PurposeSuspension} {
				if stored, err := k.storedBase(ctx, p); err != nil || stored != "" {
					if err == nil && stored != base {
						fmt.Fprintf(cmd.ErrOrStderr(), "note: your signed %s list is served at %s, the credential names %s\n", p, stored, base)
					}
					continue
				}
				list, err := k.signList(ctx, p, base, nil)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "publishing your signed %s list (served at %s)\n", p, vc.StatusListURL(base, issuer, p))
				// stdout keeps the anchor's result alone; these go to stderr.
				out := cmd.OutOrStdout()
				cmd.SetOut(cmd.ErrOrStderr())
				err = runMsgTx(cmd, &o, identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: p, List: list})
				cmd.SetOut(out)
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	addBuildFlags(cmd, &o, false)
	cmd.Flags().StringVar(&holder, "holder", "", "holder account id or key name")
	cmd.Flags().StringVar(&schema, "schema", "", "schema id")
	cmd.Flags().Uint32Var(&version, "version", 1, "schema version")
	cmd.Flags().Uint64Var(&index, "index", 0, "status list index (unused in the issuer's lists)")
	cmd.Flags().StringArrayVar(&claims, "claim", nil, "NAME=VALUE (integer, true/false or text); repeat")
	cmd.Flags().StringVar(&validUntil, "valid-until", "", "expiry, RFC 3339 (default: none)")
	cmd.Flags().StringVar(&output, "held", "", "holder's credential file to write")
	addPublicURLFlag(cmd, &publicAt)
	cmd.MarkFlagRequired("holder")
	cmd.MarkFlagRequired("schema")
	return cmd
}

// holderSession is a holder's credential file and --from key, with the
// account the key controls, its current DID key number and the chain id.
type holderSession struct {
	held    vc.Held
	priv    ed25519.PrivateKey
	holder  string
	keyN    int
	chainID string
	c       *client.Client
	addr    string
}

// openHolder reads the holder's file (written by credential issue --held)
// and asks the node which account and DID key the --from key is.
func openHolder(cmd *cobra.Command, ctx context.Context, file, from string) (*holderSession, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	h := &holderSession{}
	if err := json.Unmarshal(b, &h.held); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(h.held.Credential) == 0 {
		return nil, fmt.Errorf("%s is not a holder's credential file (credential issue --held FILE writes one)", file)
	}
	ks, err := openKeys(cmd)
	if err != nil {
		return nil, err
	}
	if h.priv, _, err = loadKey(ks, newPassphraseSource(cmd), from); err != nil {
		return nil, err
	}
	if h.c, h.addr, err = connect(cmd); err != nil {
		return nil, err
	}
	if h.holder, err = accountOfKey(ctx, h.c, h.priv.Public().(ed25519.PublicKey)); err != nil {
		return nil, nodeErr(h.addr, err)
	}
	if h.keyN, err = currentKeyNumber(ctx, h.c, h.holder); err != nil {
		return nil, nodeErr(h.addr, err)
	}
	if h.chainID, err = h.c.ChainID(ctx); err != nil {
		return nil, nodeErr(h.addr, err)
	}
	return h, nil
}

// present signs a presentation disclosing the named claims and proving the
// terms in zero knowledge.
func (h *holderSession) present(disclose, prove []string, challenge, domain string) ([]byte, error) {
	discs, err := h.held.Disclose(disclose...)
	if err != nil {
		return nil, err
	}
	if len(prove) > 0 && len(h.held.Commitments) == 0 {
		return nil, errors.New("this credential has no commitments to prove predicates over (issued before they existed): ask the issuer for a new one")
	}
	pend, signBytes, err := vc.PreparePresentation(vc.PresentationParams{Holder: h.holder, KeyNumber: h.keyN,
		Credential: h.held.Credential, Disclosures: discs, Challenge: challenge, Domain: domain, Created: time.Now(),
		Prove: prove, Openings: h.held.Commitments})
	if err != nil {
		return nil, err
	}
	return pend.Finish(ed25519.Sign(h.priv, signBytes))
}

// splitTerms splits "district=7,age_band>=18" into its terms.
func splitTerms(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func credentialPresentCmd() *cobra.Command {
	var (
		from, challenge, domain, output, prove string
		disclose                               []string
	)
	cmd := &cobra.Command{
		Use:   "present HELD_FILE",
		Short: "Build a presentation revealing only chosen claims, or proving predicates on them without revealing them (holder)",
		Long: `Build a presentation of your credential for a verifier's --challenge and
--domain, signed with your current DID key. --disclose reveals the named
claims' values; --prove "district=7,age_band>=18" instead proves each term
in zero knowledge over the issuer's commitment to the claim, revealing
only that the term holds (ordering terms need integer claims within 2^32
of the constant). A term that does not hold cannot be proven.`,
		Example: `  publica credential present alice-residence.json --from citizen-alice --disclose district \
    --challenge 6f1c… --domain verifier.example -o presentation.json
  publica credential present alice-residence.json --from citizen-alice --prove "district=7,age_band>=18" \
    --challenge 6f1c… --domain verifier.example -o presentation.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := queryContext(cmd)
			defer cancel()
			h, err := openHolder(cmd, ctx, args[0], from)
			if err != nil {
				return err
			}
			p, err := h.present(disclose, splitTerms(prove), challenge, domain)
			if err != nil {
				return err
			}
			if err := writeOutput(cmd, output, append(p, '\n')); err != nil {
				return err
			}
			if output != "" && output != "-" {
				check := "publica credential verify " + output + " --challenge " + challenge
				if domain != "" {
					check += " --domain " + domain
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "presentation written to %s; the verifier checks it with: %s\n", output, check)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "holder key name")
	cmd.Flags().StringSliceVar(&disclose, "disclose", nil, "claims to reveal, comma separated (default: none)")
	cmd.Flags().StringVar(&prove, "prove", "", `predicate terms to prove without disclosure, e.g. "district=7,age_band>=18"`)
	cmd.Flags().StringVar(&challenge, "challenge", "", "the verifier's challenge")
	cmd.Flags().StringVar(&domain, "domain", "", "the verifier's domain")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default stdout)")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("challenge")
	return cmd
}

// registerEligibilityCmd proves a predicate on chain with zero-knowledge
// proofs only: the transaction carries no claim value.
func registerEligibilityCmd() *cobra.Command {
	var (
		from     string
		validFor uint64
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "register-eligibility PREDICATE HELD_FILE",
		Short: "Record on chain that your credential satisfies PREDICATE, proven without disclosing any claim (holder)",
		Long: `Build a presentation of the credential in HELD_FILE (your file from
credential issue --held) that proves every term of PREDICATE in zero
knowledge and discloses no claim value, bound to the challenge
publica-eligibility:<chain-id>:<your account>:<predicate> and the chain id
as domain, and send it in identity/register-eligibility. The chain
records only the result (schema, predicate, issuer, status index, digest).`,
		Example: `  publica identity register-eligibility "age_band>=18,district=7" alice-residence.json --from citizen-alice`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pred, err := identity.ParsePredicate(args[0])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			h, err := openHolder(cmd, ctx, args[1], from)
			if err != nil {
				return err
			}
			var terms []string
			for _, c := range pred {
				terms = append(terms, c.String())
			}
			p, err := h.present(nil, terms, identity.EligibilityChallenge(h.chainID, h.holder, pred.String()), h.chainID)
			if err != nil {
				return err
			}
			t, err := h.c.Build(ctx, h.priv.Public().(ed25519.PublicKey), identity.TypeRegisterEligibility,
				identity.MsgRegisterEligibility{Predicate: pred.String(), Presentation: string(p)}, validFor)
			if err != nil {
				return nodeErr(h.addr, err)
			}
			t.Sign(h.priv)
			return broadcast(ctx, cmd, h.c, h.addr, t)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "holder key name")
	cmd.Flags().Uint64Var(&validFor, "valid-for", 100, "blocks from the latest height during which the transaction may be included")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long to wait for the node and for the transaction to commit")
	cmd.MarkFlagRequired("from")
	return cmd
}

// nodeReader reads state keys through a node, each with an ICS23 proof
// checked against a signed header, all at the height of the first read.
type nodeReader struct {
	ctx    context.Context
	c      *client.Client
	height int64
}

func (r *nodeReader) Get(key []byte) ([]byte, error) {
	p, err := r.c.QueryProven(r.ctx, "/key", key, r.height)
	if err != nil {
		return nil, err
	}
	if r.height == 0 {
		r.height = p.Height
	}
	return p.Value, nil
}

func credentialVerifyCmd() *cobra.Command {
	var (
		challenge, domain, predicate, at string
		require                          []string
	)
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Verify a presentation: signatures, accreditation at issue height, holder binding, expiry, status (proven)",
		Long: `Verify the presentation in FILE against the chain: the issuer's signature
with the DID key it names, the credential's anchor and the issuer's
accreditation at the anchor height, the validity period, the holder's
signature with its current key over --challenge (and --domain), the
revocation and suspension bits, every zero-knowledge predicate proof the
presentation carries, that the --require'd claims are disclosed, and that
each term of --predicate is either proven without disclosure or holds on
a disclosed claim. Every state
read carries a Merkle proof checked against a signed header. On success
prints the verified facts and the disclosed claims; on failure the error
names its code (identity/NN, see docs/identity.md).`,
		Example: "  publica credential verify presentation.json --challenge 6f1c… --domain verifier.example --require district",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			now := time.Now()
			if at != "" {
				if now, err = time.Parse(time.RFC3339, at); err != nil {
					return fmt.Errorf("--at: %w", err)
				}
			}
			var pred identity.Predicate
			if predicate != "" {
				if pred, err = identity.ParsePredicate(predicate); err != nil {
					return err
				}
			}
			c, addr, err := connect(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := queryContext(cmd)
			defer cancel()
			r := &nodeReader{ctx: ctx, c: c}
			v, err := identity.VerifyPresentation(r, b, identity.VerifyOptions{
				Challenge: challenge, Domain: domain, Now: now, RequiredClaims: require, Predicate: pred})
			if err != nil {
				var e interface{ Error() string }
				e = err
				space, code := "", uint32(0)
				if ie, ok := errors.AsType[*errsError](err); ok {
					space, code = ie.Codespace, ie.Code
				}
				if code != 0 {
					return fmt.Errorf("credential NOT valid (%s/%d): %s", space, code, e.Error())
				}
				return nodeErr(addr, err)
			}
			if err := writeJSON(cmd.OutOrStdout(), v); err != nil {
				return err
			}
			for _, term := range v.Proven {
				t, _ := vc.ParseTerm(term)
				fmt.Fprintf(cmd.ErrOrStderr(), "%s %s %s: proven without disclosure\n", t.Claim, t.Op, t.Value)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "credential valid; state read with proofs at height %d\n", r.height)
			return nil
		},
	}
	cmd.Flags().StringVar(&challenge, "challenge", "", "the challenge you gave the holder")
	cmd.Flags().StringVar(&domain, "domain", "", "your domain (checked if given)")
	cmd.Flags().StringSliceVar(&require, "require", nil, "claims that must be disclosed")
	cmd.Flags().StringVar(&predicate, "predicate", "", `predicate each of whose terms must be proven, or hold on a disclosed claim, e.g. "district=7,age_band>=18"`)
	cmd.Flags().StringVar(&at, "at", "", "judge expiry at this RFC 3339 time (default now)")
	cmd.MarkFlagRequired("challenge")
	return cmd
}
