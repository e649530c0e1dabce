package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/docstore"
	"github.com/publica/publica/web/documents"
)

// documentCmd uploads documents to a portal's document store and fetches
// them back, checked against their hash (docs/cli.md "Documents").
func documentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "document",
		Short: "upload the documents records rest on to a portal, and fetch them checked against their hash",
		Long: `A portal keeps the documents the register's records rest on (deeds,
plans, court orders) in its node's content-addressed store and serves them
at /documents/<sha256> once a record on the chain cites that hash.

Requests are signed with a local key (--from): uploads need one; fetching
a restricted document (a mortgage deed, a party's evidence) needs the key
of a clerk or of an account that signed for it.`,
	}
	addPassphraseFlag(cmd)
	cmd.AddCommand(documentUploadCmd(), documentFetchCmd())
	return cmd
}

type documentFlags struct {
	portal, from string
	timeout      time.Duration
}

func (f *documentFlags) add(cmd *cobra.Command, fromRequired bool) {
	cmd.Flags().StringVar(&f.portal, "portal", "http://127.0.0.1:8080", "the portal's base URL")
	what := "key name to sign the request with (needed for restricted documents)"
	if fromRequired {
		what = "key name to sign the request with (its account must exist on the chain)"
	}
	cmd.Flags().StringVar(&f.from, "from", "", what)
	if fromRequired {
		cmd.MarkFlagRequired("from")
	}
	cmd.Flags().DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long the transfer may take")
}

// request makes a (signed, with --from) request for the document hash.
func (f *documentFlags) request(cmd *cobra.Command, method, hash string, body io.Reader, size int64) (*http.Response, error) {
	base, err := url.Parse(strings.TrimRight(f.portal, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("--portal %q is not an http(s) URL such as http://127.0.0.1:8080", f.portal)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	req, err := http.NewRequestWithContext(ctx, method, base.String()+"/api/documents/"+hash, body)
	if err != nil {
		cancel()
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	if f.from != "" {
		ks, err := openKeys(cmd)
		if err != nil {
			cancel()
			return nil, err
		}
		key, _, err := loadKey(ks, newPassphraseSource(cmd), f.from)
		if err != nil {
			cancel()
			return nil, err
		}
		req.Header.Set(documents.AuthHeader, documents.SignRequest(key, method, hash, time.Now().Add(5*time.Minute).Unix()))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("the portal at %s did not answer: %w", f.portal, err)
	}
	res.Body = cancelOnClose{res.Body, cancel}
	return res, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error { err := c.ReadCloser.Close(); c.cancel(); return err }

// portalError is the portal's refusal, from its JSON answer.
func portalError(res *http.Response) error {
	var e struct {
		Error string `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if json.Unmarshal(b, &e) != nil || e.Error == "" {
		e.Error = strings.TrimSpace(string(b))
	}
	return fmt.Errorf("the portal refused (%s): %s", res.Status, e.Error)
}

func documentUploadCmd() *cobra.Command {
	var f documentFlags
	cmd := &cobra.Command{
		Use:   "upload FILE",
		Short: "upload FILE to the portal's document store and print its SHA-256 (the hash records cite)",
		Example: `  publica document upload deed.pdf --portal http://127.0.0.1:8080 --from clerk
  publica tx land register-transfer '{"offer":"O1","document":""}' --document-file deed.pdf --from clerk`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer file.Close()
			fi, err := file.Stat()
			if err != nil {
				return err
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("%s is not a regular file", args[0])
			}
			if fi.Size() > documents.MaxSize {
				return fmt.Errorf("%s is %d bytes, larger than the portal's limit of %s", args[0], fi.Size(), docstore.FormatSize(documents.MaxSize))
			}
			h := sha256.New()
			if _, err := io.Copy(h, file); err != nil {
				return err
			}
			hash := hex.EncodeToString(h.Sum(nil))
			if _, err := file.Seek(0, io.SeekStart); err != nil {
				return err
			}
			res, err := f.request(cmd, http.MethodPut, hash, file, fi.Size())
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
				return portalError(res)
			}
			var up documents.Uploaded
			if err := json.NewDecoder(res.Body).Decode(&up); err != nil || up.Hash != hash {
				return fmt.Errorf("the portal's answer does not confirm %s (%v)", hash, err)
			}
			if up.New {
				fmt.Fprintf(cmd.ErrOrStderr(), "stored %s (%d bytes) at %s%s\n", args[0], up.Size, strings.TrimRight(f.portal, "/"), up.URL)
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "the portal already holds %s (%d bytes) at %s%s\n", args[0], up.Size, strings.TrimRight(f.portal, "/"), up.URL)
			}
			fmt.Fprintln(cmd.OutOrStdout(), hash)
			return nil
		},
	}
	f.add(cmd, true)
	return cmd
}

func documentFetchCmd() *cobra.Command {
	var f documentFlags
	var out string
	cmd := &cobra.Command{
		Use:   "fetch SHA256",
		Short: "download a document cited on the chain and check that its bytes hash to SHA256",
		Example: `  publica document fetch 3f1c…e2 --portal http://127.0.0.1:8080 -o deed.pdf
  publica document fetch 3f1c…e2 --portal http://127.0.0.1:8080 -o mortgage.pdf --from citizen-alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := docstore.ParseName(strings.TrimSpace(args[0]))
			if err != nil {
				return fmt.Errorf("%q: %w", args[0], err)
			}
			if out == "" {
				out = hash
			}
			res, err := f.request(cmd, http.MethodGet, hash, nil, 0)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return portalError(res)
			}
			n, err := saveVerified(res.Body, out, hash)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (%d bytes, SHA-256 %s checked)\n", out, n, hash)
			return nil
		},
	}
	f.add(cmd, false)
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write the document to (default: its SHA-256 in the current directory)")
	return cmd
}

// saveVerified writes r to path only if its bytes hash to hash: through a
// temporary file beside path, renamed once checked.
func saveVerified(r io.Reader, path, hash string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".publica-fetch-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, documents.MaxSize+1))
	if err == nil && n > documents.MaxSize {
		err = fmt.Errorf("the portal sent more than %s", docstore.FormatSize(documents.MaxSize))
	}
	if err == nil {
		if got := hex.EncodeToString(h.Sum(nil)); got != hash {
			err = fmt.Errorf("the downloaded bytes hash to %s, not %s: nothing was written", got, hash)
		}
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}
