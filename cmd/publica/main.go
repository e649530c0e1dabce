// Command publica is the single Publica binary: node, keys, transactions,
// queries and auditor tools.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func main() {
	restartWithLazyFree()
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func defaultHome() string {
	if h := os.Getenv("PUBLICA_HOME"); h != "" {
		return h
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		return ".publica"
	}
	return filepath.Join(dir, ".publica")
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "publica",
		Short:         "Publica: land registry, identity credentials and verifiable elections on CometBFT",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("home", defaultHome(), "node home directory (env PUBLICA_HOME)")
	// Every command, in one place; each family lives in its own file.
	root.AddCommand(
		// a node and its home
		initCmd(), startCmd(), reindexCmd(), testnetCmd(), genesisCmd(), showValidatorCmd(),
		// keys kept on this machine
		keysCmd(),
		// the chain: write, read, watch
		txCmd(), queryCmd(), statusCmd(), lightCmd(),
		// registry tools
		landCmd(), ballotToolsCmd(), credentialCmd(), identityCmd(), documentCmd(),
		// replay history, check documents offline
		auditCmd(), verifyCmd(),
		// measurement
		withBallotNetBench(withStateSyncBench(benchCmd())), loadgenCmd(),
	)
	return root
}

func homeFlag(cmd *cobra.Command) string {
	h, _ := cmd.Flags().GetString("home")
	return h
}
