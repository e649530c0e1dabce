package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/publica/publica/app"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
)

// nodeStarted, if set, is called with the running node (a test seam).
var nodeStarted func(*node.Node)

func startCmd() *cobra.Command {
	var (
		keepRecent int64
		logLevel   string
		portalAddr string
		maxProto   uint64
		publicAt   string

		snapshotInterval uint64
		snapshotKeep     int

		admission = app.DefaultAdmission
		noLimits  bool
		hsts      bool
	)
	cmd := &cobra.Command{
		Use:     "start",
		Short:   "Run the node (and the portal) until interrupted",
		Example: "  publica start --home ./devnet --portal 127.0.0.1:8080",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			opts := store.DefaultOptions()
			opts.KeepRecent = keepRecent
			if admission.RegisterWorkBits < 0 || admission.RegisterWorkBits > 28 {
				return fmt.Errorf("--register-work %d: want 0 (none) to 28 bits", admission.RegisterWorkBits)
			}
			if admission.MaxPendingPerAccount < 0 || admission.MaxPendingOpen < 0 || admission.MaxOpenPerBlock < 0 {
				return fmt.Errorf("the admission limits must be 0 (no limit) or more")
			}
			if noLimits {
				admission = app.Admission{}
			}
			if hsts && !strings.HasPrefix(publicAt, "https://") {
				return fmt.Errorf("--hsts needs --public-url https://...: the portal serves plain HTTP, so HSTS is for a TLS proxy in front of it")
			}
			n, err := node.Start(home, node.Options{Store: opts, Log: os.Stderr, LogLevel: logLevel, MaxProtocol: maxProto,
				SnapshotInterval: snapshotInterval, SnapshotKeep: snapshotKeep, Admission: &admission})
			if err != nil {
				return err
			}
			upgradeNotice(cmd.ErrOrStderr(), n)
			out := cmd.OutOrStdout()
			if r := n.IndexRepaired; len(r) > 0 {
				fmt.Fprintf(out, "re-indexed %d block(s) missing from the transaction index: heights %v\n", len(r), r)
			}
			fmt.Fprintf(out, "node running: chain %s, height %d, RPC %s\n", n.App.ChainID(), n.App.Store().Version(), n.RPCAddress())
			stopPortal := func() error { return nil }
			portalURL := ""
			if portalAddr != "" {
				if publicAt != "" {
					if publicAt, err = publicURL(publicAt); err != nil {
						n.Stop()
						return err
					}
				}
				url, stop, err := startPortalAt(portalAddr, publicAt, hsts, n)
				if err != nil {
					n.Stop()
					return fmt.Errorf("portal: %w", err)
				}
				stopPortal = stop
				portalURL = url
				fmt.Fprintf(out, "portal listening on %s\n", url)
				if publicAt == "" && !loopback(portalAddr) {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: the portal listens on %s without --public-url: its links and certificate QR codes name %s; set --public-url to the address users reach\n", portalAddr, strings.TrimPrefix(url, "http://"))
				}
				if publicAt != "" {
					portalURL = publicAt // where the demo's credentials say their status lists are
				}
			}
			stopDemo := startDemoSeeding(out, home, n.RPCAddress(), portalURL)
			if nodeStarted != nil {
				nodeStarted(n)
			}
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sig)
			// A fault (a failed store write, CometBFT's consensus failure on a
			// full disk) leaves CometBFT up with its height frozen: halt
			// instead, with the reason and a non-zero exit, so a supervisor
			// sees it. Nothing committed is lost.
			var halted error
			select {
			case <-sig:
				fmt.Fprintln(out, "stopping...")
			case <-n.Faulted():
				halted = n.Health()
				fmt.Fprintf(out, "halting: %v\n", halted)
			}
			stopDemo()
			if err := stopPortal(); err != nil {
				fmt.Fprintln(os.Stderr, "portal stop:", err)
			}
			height, hash := n.App.Store().Version(), n.App.Store().Hash()
			if err := n.Stop(); err != nil && halted == nil {
				return err
			}
			fmt.Fprintf(out, "stopped at height %d, app hash %X\n", height, hash)
			if need := n.App.UpgradeNeeded(); need != nil {
				return fmt.Errorf("node halted for an upgrade: %w", need)
			}
			if halted != nil {
				return fmt.Errorf("node halted: %w\nnothing committed is lost: fix the cause (e.g. free disk space) and start again", halted)
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&keepRecent, "keep-recent", 0, "keep only this many recent state versions (0 = keep all, for auditors)")
	cmd.Flags().StringVar(&logLevel, "log-level", "*:error", "CometBFT log level, e.g. info or *:error")
	cmd.Flags().Uint64Var(&snapshotInterval, "snapshot-interval", node.DefaultSnapshotInterval, "write a state-sync snapshot every N heights for new nodes to join from (0: none; docs/network.md)")
	cmd.Flags().IntVar(&snapshotKeep, "snapshot-keep", 2, "state-sync snapshots to keep")
	cmd.Flags().Uint64Var(&maxProto, "max-protocol", 0, "behave as a release that knows protocol versions up to N only (to rehearse an upgrade; see docs/network.md)")
	cmd.Flags().MarkHidden("max-protocol")
	cmd.Flags().IntVar(&admission.MaxPendingPerAccount, "max-pending-per-account", admission.MaxPendingPerAccount, "transactions of one account without a role that may wait in the mempool (0: no limit; docs/operations.md, Abuse resistance)")
	cmd.Flags().IntVar(&admission.MaxPendingOpen, "max-pending-open", admission.MaxPendingOpen, "transactions of all accounts without a role that may wait in the mempool; the rest of the mempool stays free for role holders (0: no limit)")
	cmd.Flags().IntVar(&admission.MaxOpenPerBlock, "max-open-per-block", admission.MaxOpenPerBlock, "transactions of accounts without a role in a block this node proposes, after role holders' (0: no limit)")
	cmd.Flags().IntVar(&admission.RegisterWorkBits, "register-work", admission.RegisterWorkBits, "zero bits of proof of work a registration must carry to enter this node's mempool (0: none)")
	cmd.Flags().BoolVar(&noLimits, "no-admission-limits", false, "admit every transaction that passes the checks: no quotas, no proof of work, mempool order (benchmarks and crash tests)")
	cmd.Flags().BoolVar(&hsts, "hsts", false, "send Strict-Transport-Security (one year, subdomains) from the portal; needs --public-url https://... (a TLS proxy in front)")
	cmd.Flags().StringVar(&portalAddr, "portal", "127.0.0.1:8080", "portal listen address (empty: no portal)")
	cmd.Flags().StringVar(&publicAt, "public-url", "", "the portal's public URL as users and other software reach it, e.g. https://registry.example.gov behind a TLS proxy: every link the portal writes (certificate QR codes, co-signing links, status lists and schemas of credentials it issues) names it, and sign-in challenges are bound to it; default: the portal's listen address (never a request's Host header)")
	return cmd
}

// loopback reports whether a listen address (host:port) is on loopback.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
