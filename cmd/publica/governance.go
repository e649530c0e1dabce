package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/publica/publica/node"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/governance"
)

// Governance commands: the authority set (k of n) changes the validator
// set, itself and its threshold, and schedules upgrades. Every one needs
// the threshold of authority signatures (--from one member, --cosign the
// others, or --generate-only, "tx sign" and "tx broadcast"). See
// docs/network.md.

func txNetworkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "governance",
		Short: "Governance transactions: validators and scheduled upgrades (k of n authority signatures)",
	}
	var sv txOpts
	var name string
	setValidator := &cobra.Command{
		Use:   "set-validator PUBKEY POWER",
		Short: "Add (POWER > 0), re-weight or remove (POWER 0) the validator with consensus key PUBKEY",
		Long: `Add, re-weight or remove a validator. PUBKEY is the node's consensus key
(base64 ed25519, as "publica show-validator" prints it on that node's
machine); POWER is its voting power, 0 to remove it. CometBFT applies the
change two blocks after the one that carries it. The authority's
threshold of members must sign. On protocol 3 and later one block's
changes must move less than a third of the total voting power.`,
		Example: "  publica tx governance set-validator 3b2G...Xw= 10 --name agency-5 --from authority-1 --cosign authority-2",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := governance.ParseConsensusKey(args[0]); err != nil {
				return err
			}
			power, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || power < 0 || power > governance.MaxPower {
				return fmt.Errorf("POWER %q: want a whole number from 0 (remove) to %d", args[1], governance.MaxPower)
			}
			return runMsgTx(cmd, &sv, governance.TypeSetValidator, governance.MsgSetValidator{PubKey: args[0], Power: power, Name: name})
		},
	}
	addBuildFlags(setValidator, &sv, true)
	setValidator.Flags().StringVar(&name, "name", "", "a name for the validator (e.g. the agency), kept in its record")

	var su txOpts
	var height int64
	var version uint64
	var info string
	schedule := &cobra.Command{
		Use:   "schedule-upgrade NAME",
		Short: "Schedule the switch to protocol --version at block --height",
		Long: `Schedule an upgrade: from block --height the chain runs protocol version
--version. Every node must run a release that knows that version by then;
a node on older software stops at that height with a message naming the
upgrade, the version and --info (say what release to install). One
upgrade is scheduled at a time; cancel it with cancel-upgrade.`,
		Example: "  publica tx governance schedule-upgrade power-limit --height 120000 --version 3 --info \"publica 0.2.0\" --from authority-1 --cosign authority-2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			msg := governance.MsgScheduleUpgrade{Plan: governance.Plan{Name: args[0], Height: height, Version: version, Info: info}}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return runMsgTx(cmd, &su, governance.TypeScheduleUpgrade, msg)
		},
	}
	addBuildFlags(schedule, &su, true)
	schedule.Flags().Int64Var(&height, "height", 0, "the first block that runs the new version")
	schedule.Flags().Uint64Var(&version, "version", 0, "the protocol version from that block")
	schedule.Flags().StringVar(&info, "info", "", "what operators must run, e.g. \"publica 0.3.0\"")
	schedule.MarkFlagRequired("height")
	schedule.MarkFlagRequired("version")

	var cu txOpts
	cancel := &cobra.Command{
		Use:     "cancel-upgrade NAME",
		Short:   "Cancel the scheduled upgrade NAME before its height",
		Example: "  publica tx governance cancel-upgrade power-limit --from authority-1 --cosign authority-2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMsgTx(cmd, &cu, governance.TypeCancelUpgrade, governance.MsgCancelUpgrade{Name: args[0]})
		},
	}
	addBuildFlags(cancel, &cu, true)
	cmd.AddCommand(setValidator, schedule, cancel)
	return cmd
}

func setAuthorityCmd() *cobra.Command {
	var o txOpts
	var threshold int
	cmd := &cobra.Command{
		Use:   "set-authority MEMBER...",
		Short: "Replace the authority set and its threshold (needs the current set's k of n)",
		Long: `Make MEMBER... (account ids or local key names; each must have an account)
the authority set, of which --threshold must sign every later governance
change. The current set's threshold of members signs this one. Roles
belong to accounts and are not touched. Every change is kept in
authority/params-history (publica query governance authority-history).`,
		Example: "  publica tx authority set-authority authority-1 authority-2 agency-4 --threshold 2 --from authority-1 --cosign authority-3",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			msg := authority.MsgSetAuthority{Threshold: threshold}
			for _, a := range args {
				id, err := resolveAccount(ks, a)
				if err != nil {
					return err
				}
				msg.Members = append(msg.Members, id)
			}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return runMsgTx(cmd, &o, authority.TypeSetAuthority, msg)
		},
	}
	addBuildFlags(cmd, &o, true)
	cmd.Flags().IntVar(&threshold, "threshold", 0, "how many members must sign a governance change (1..number of members)")
	cmd.MarkFlagRequired("threshold")
	return cmd
}

var validatorAddress = regexp.MustCompile(`^[0-9A-Fa-f]{40}$`)

func queryNetworkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "governance",
		Short: "Governance records: validators and their history, protocol version, upgrades",
	}
	proven := func(use, short, path string, args cobra.PositionalArgs, pathOf func([]string) (string, error)) *cobra.Command {
		var prove bool
		c := &cobra.Command{
			Use: use, Short: short, Args: args,
			RunE: func(cmd *cobra.Command, a []string) error {
				p := path
				if pathOf != nil {
					var err error
					if p, err = pathOf(a); err != nil {
						return err
					}
				}
				return runStateQuery(cmd, p, nil, prove, false, strings.TrimPrefix(p, "/"))
			},
		}
		c.Flags().BoolVar(&prove, "prove", false, "verify a Merkle proof of the answer against a signed header")
		return c
	}
	list := func(use, short, path string) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short + " (a list read from many keys, not proven as one)", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runStateQuery(cmd, path, nil, false, false, strings.TrimPrefix(path, "/"))
			},
		}
	}
	cmd.AddCommand(
		list("validators", "The validator set recorded in state", "/governance/validators"),
		proven("validator ADDRESS", "One validator's record", "", cobra.ExactArgs(1), func(a []string) (string, error) {
			if !validatorAddress.MatchString(a[0]) {
				return "", fmt.Errorf("ADDRESS %q: want the 40-hex-digit validator address", a[0])
			}
			return "/governance/validator/" + strings.ToUpper(a[0]), nil
		}),
		list("history", "Every validator change, with the height it takes effect and the approving members", "/governance/history"),
		proven("version", "The protocol version the chain runs and since when", "/governance/version", cobra.NoArgs, nil),
		proven("plan", "The scheduled upgrade, if any", "/governance/plan", cobra.NoArgs, nil),
		list("upgrades", "The upgrades applied so far", "/governance/upgrades"),
		list("authority-history", "Every change of the authority set and its threshold", "/authority/params-history"),
	)
	return cmd
}

// showValidatorCmd prints this node's consensus key, for the authority's
// set-validator transaction; it reads only the public part.
func showValidatorCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show-validator",
		Short: "Print this node's validator (consensus) public key and address",
		Long: `Print the node's consensus public key (base64) and its address, read from
config/priv_validator_key.json of --home. Send them to the authority set,
which adds the node as a validator with "tx governance set-validator".`,
		Example: "  publica show-validator --home ./node4",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conf, err := node.LoadConfig(homeFlag(cmd))
			if err != nil {
				return err
			}
			addr, pub, err := validatorPublic(conf.PrivValidatorKeyFile())
			if err != nil {
				return err
			}
			b, _ := json.MarshalIndent(map[string]string{"address": addr, "pubkey": pub}, "", "  ")
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
}

// validatorPublic reads the public part of a priv_validator_key.json.
func validatorPublic(keyFile string) (addr, pubkey string, err error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return "", "", fmt.Errorf("validator key: %w", err)
	}
	var f struct {
		Address string `json:"address"`
		PubKey  struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"pub_key"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return "", "", fmt.Errorf("validator key %s: %w", keyFile, err)
	}
	pub, err := governance.ParseConsensusKey(f.PubKey.Value)
	if err != nil || f.PubKey.Type != "tendermint/PubKeyEd25519" {
		return "", "", fmt.Errorf("validator key %s: not an ed25519 key", keyFile)
	}
	return governance.Address(pub), f.PubKey.Value, nil
}

// upgradeNotice warns, at start, of a scheduled upgrade this software does
// not know: the node will stop at its height.
func upgradeNotice(w io.Writer, n *node.Node) {
	p := n.App.ScheduledUpgrade()
	if p == nil {
		return
	}
	if p.Version > n.App.SupportedProtocol() {
		fmt.Fprintf(w, "WARNING: upgrade %q to protocol version %d is scheduled at height %d and this software supports up to %d: "+
			"install a release that supports it (%s) before that height, or this node stops there\n",
			p.Name, p.Version, p.Height, n.App.SupportedProtocol(), p.Info)
		return
	}
	fmt.Fprintf(w, "upgrade %q to protocol version %d is scheduled at height %d; this software supports it\n", p.Name, p.Version, p.Height)
}
