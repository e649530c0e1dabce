package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/keys"
	"github.com/publica/publica/tx"
)

// EnvPassphrase is the environment variable the CLI reads a key passphrase
// from when no --passphrase-file is given.
const EnvPassphrase = "PUBLICA_PASSPHRASE"

// ErrNoPassphrase means an encrypted key needs a passphrase and there is no
// way to get one (no file, no environment variable, no terminal).
var ErrNoPassphrase = errors.New("no passphrase source")

// keysDir is where the CLI keeps keys: HOME/keys.
func keysDir(home string) string { return filepath.Join(home, "keys") }

func openKeys(cmd *cobra.Command) (*keys.Store, error) {
	return keys.Open(keysDir(homeFlag(cmd)))
}

// storeDemoKeys writes every development demo key into HOME/keys (used by
// `publica init --dev`). An existing file with the same key is kept.
func storeDemoKeys(home string) error {
	ks, err := keys.Open(keysDir(home))
	if err != nil {
		return err
	}
	for _, d := range genesis.DemoKeys {
		priv := d.PrivateKey()
		_, err := ks.ImportDemo(d.Name, priv)
		if errors.Is(err, keys.ErrExists) {
			info, serr := ks.Show(d.Name)
			if serr == nil && bytes.Equal(info.PublicKey(), priv.Public().(ed25519.PublicKey)) {
				continue
			}
			return fmt.Errorf("demo key %s: %w", d.Name, err)
		}
		if err != nil {
			return fmt.Errorf("demo key %s: %w", d.Name, err)
		}
	}
	return nil
}

// terminalFD reports the file descriptor to prompt on, if standard input
// is a terminal. Tests replace it.
var terminalFD = func() (int, bool) {
	fd := int(os.Stdin.Fd())
	return fd, term.IsTerminal(fd)
}

// readPassword reads a line without echo. Tests replace it.
var readPassword = term.ReadPassword

// passphraseSource gets passphrases for encrypted keys, in this order:
// --passphrase-file, $PUBLICA_PASSPHRASE, an interactive prompt. A file or
// the variable gives the same passphrase for every key a command loads.
type passphraseSource struct {
	file   string
	prompt io.Writer
}

func addPassphraseFlag(cmd *cobra.Command) {
	cmd.PersistentFlags().String("passphrase-file", "",
		"read key passphrases from FILE (its first line); else $"+EnvPassphrase+", else a terminal prompt")
}

func newPassphraseSource(cmd *cobra.Command) *passphraseSource {
	f, _ := cmd.Flags().GetString("passphrase-file")
	return &passphraseSource{file: f, prompt: cmd.ErrOrStderr()}
}

// get returns the passphrase for key name; confirm asks twice at a prompt
// (for a new key).
func (p *passphraseSource) get(name string, confirm bool) ([]byte, error) {
	if p.file != "" {
		b, err := os.ReadFile(p.file)
		if err != nil {
			return nil, fmt.Errorf("passphrase file: %w", err)
		}
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[:i]
		}
		b = bytes.TrimSuffix(b, []byte("\r"))
		if len(b) == 0 {
			return nil, fmt.Errorf("passphrase file %s: %w", p.file, keys.ErrEmptyPassphrase)
		}
		return b, nil
	}
	if v, ok := os.LookupEnv(EnvPassphrase); ok {
		if v == "" {
			return nil, fmt.Errorf("$%s is set but empty: %w", EnvPassphrase, keys.ErrEmptyPassphrase)
		}
		return []byte(v), nil
	}
	fd, ok := terminalFD()
	if !ok {
		what := "key " + name + " is encrypted and needs its passphrase"
		if confirm {
			what = "the new key " + name + " needs a passphrase to be encrypted with"
		}
		return nil, fmt.Errorf("%w: %s; pass --passphrase-file FILE, set $%s, or run in a terminal to be asked",
			ErrNoPassphrase, what, EnvPassphrase)
	}
	ask := func(prompt string) ([]byte, error) {
		fmt.Fprint(p.prompt, prompt)
		b, err := readPassword(fd)
		fmt.Fprintln(p.prompt)
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		return b, nil
	}
	if !confirm {
		return ask(fmt.Sprintf("Passphrase for key %s: ", name))
	}
	first, err := ask(fmt.Sprintf("New passphrase for key %s: ", name))
	if err != nil {
		return nil, err
	}
	if len(first) == 0 {
		return nil, fmt.Errorf("key %s: %w", name, keys.ErrEmptyPassphrase)
	}
	second, err := ask("Repeat the passphrase: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(first, second) {
		return nil, errors.New("the two passphrases differ; nothing was written")
	}
	return first, nil
}

// loadKey loads key name from the store, asking for a passphrase only if
// the key is encrypted.
func loadKey(ks *keys.Store, pp *passphraseSource, name string) (ed25519.PrivateKey, *keys.Info, error) {
	info, err := ks.Show(name)
	if err != nil {
		return nil, nil, err
	}
	var pass []byte
	if !info.Demo {
		if pass, err = pp.get(name, false); err != nil {
			return nil, nil, err
		}
	}
	priv, err := ks.Load(name, pass)
	if err != nil {
		return nil, nil, err
	}
	return priv, info, nil
}

// resolveAccount turns an account id or a local key name into an account
// id.
func resolveAccount(ks *keys.Store, s string) (string, error) {
	if tx.ValidAccountID(s) {
		return s, nil
	}
	if keys.ValidName(s) {
		info, err := ks.Show(s)
		if err == nil {
			return info.Account, nil
		}
		if !errors.Is(err, keys.ErrNotFound) {
			return "", err
		}
	}
	return "", fmt.Errorf("%q is neither an account id (40 hex digits) nor the name of a key in %s; `publica keys list` shows the keys", s, ks.Dir())
}

// keyNameOf returns the local key name for a public key, "" if none.
func keyNameOf(ks *keys.Store, pub []byte) string {
	list, _ := ks.List()
	for _, k := range list {
		if bytes.Equal(k.PublicKey(), pub) {
			return k.Name
		}
	}
	return ""
}

func keysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the signing keys in HOME/keys",
		Long: `Manage the Ed25519 signing keys kept in HOME/keys, one file per key (mode 0600).

A key made with "keys add" is encrypted with a passphrase (Argon2id and
XChaCha20-Poly1305). The passphrase comes from --passphrase-file FILE, else
$` + EnvPassphrase + `, else a terminal prompt. Demo keys written by
"publica init --dev" are public and unencrypted.`,
	}
	addPassphraseFlag(cmd)
	cmd.AddCommand(keysAddCmd(), keysListCmd(), keysShowCmd())
	return cmd
}

func keysAddCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "add NAME",
		Short: "Generate a new key, encrypted with a passphrase",
		Long: `Generate a new Ed25519 key and store it encrypted as HOME/keys/NAME.json.

NAME is 1 to 64 characters from a-z, 0-9, '-' and '_'. At a terminal the
passphrase is asked twice. The key exists only in that file: back it up,
and remember the passphrase; neither can be recovered.`,
		Example: "  publica keys add alice\n  publica keys add alice --passphrase-file ./alice.pass",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := keys.CheckName(name); err != nil {
				return err
			}
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			// Before asking for a passphrase.
			if err := ks.CheckNew(name); err != nil {
				return err
			}
			pass, err := newPassphraseSource(cmd).get(name, true)
			if err != nil {
				return err
			}
			info, err := ks.Add(name, pass)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "created key %s\n", info.Name)
			fmt.Fprintf(out, "account: %s\n", info.Account)
			fmt.Fprintf(out, "pubkey:  %s\n", info.PubKey)
			fmt.Fprintf(out, "file:    %s\n", info.File)
			fmt.Fprintln(out, "Back up this file and remember its passphrase: neither can be recovered.")
			fmt.Fprintf(out, "The account exists on chain once registered: publica tx authority register-account --from %s\n", info.Name)
			return nil
		},
	}
}

func keysListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the keys: name, account id, public key, DEMO marker",
		Example: "  publica keys list\n  publica keys list --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			list, lerr := ks.List()
			if lerr != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: some key files cannot be read:\n"+lerr.Error())
			}
			out := cmd.OutOrStdout()
			switch output {
			case "json":
				if list == nil {
					list = []*keys.Info{}
				}
				return writeJSON(out, list)
			case "text":
			default:
				return fmt.Errorf("--output %q: use text or json", output)
			}
			if len(list) == 0 {
				fmt.Fprintf(out, "no keys in %s (create one with `publica keys add NAME`)\n", ks.Dir())
				return nil
			}
			w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tACCOUNT\tPUBKEY")
			demo := false
			for _, k := range list {
				mark := ""
				if k.Demo {
					mark, demo = "DEMO", true
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", k.Name, k.Account, k.PubKey, mark)
			}
			w.Flush()
			if demo {
				fmt.Fprintln(out, "DEMO keys are public: anyone can sign with them. Use them only on a local development chain.")
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

func keysShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "show NAME",
		Short:   "Show a key's public information as JSON",
		Example: "  publica keys show authority-1",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			info, err := ks.Show(args[0])
			if err != nil {
				return err
			}
			return writeJSON(cmd.OutOrStdout(), info)
		},
	}
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
