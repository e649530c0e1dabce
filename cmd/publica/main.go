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
	root.AddCommand(initCmd(), startCmd())
	for _, add := range extraCommands {
		root.AddCommand(add())
	}
	return root
}

// extraCommands are registered by the files that define them (init funcs),
// so each command family lives in its own file.
var extraCommands []func() *cobra.Command

func homeFlag(cmd *cobra.Command) string {
	h, _ := cmd.Flags().GetString("home")
	return h
}
