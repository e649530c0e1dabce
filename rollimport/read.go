// Package rollimport loads an election's voter roll from a list: it reads a
// CSV of accounts (account ids or did:publica DIDs, one a line), reports
// every line it cannot use with its number and reason, and registers the
// rest through signed ballot/register-voters transactions of up to
// ballot.MaxRollChange voters each, several waiting for their block at
// once (see Run). Voters already on the roll are counted, not refused, so
// an interrupted import can simply be run again.
package rollimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/publica/publica/tx"
)

// Entry is one usable line: the voter's account id.
type Entry struct {
	Line    int
	Account string
}

// LineError is one line that cannot be imported, and why.
type LineError struct {
	Line   int    `json:"line"`
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// didPrefix is the account DIDs' method prefix (x/identity/vc.DIDPrefix).
const didPrefix = "did:publica:"

// columns a header may name the voter column by.
var voterColumns = []string{"account", "voter", "did", "account_id"}

// ReadCSV reads a roll: a CSV whose rows name a voter each, by account id
// (40 hexadecimal digits) or did:publica:<account id>. A first row that
// names no voter is a header; its "account", "voter", "did" or
// "account_id" column is the voter's (else the first column). A line that
// is not an account, or repeats an earlier line's voter, is refused with
// its line number; entries come in file order. A problem with the file as
// a whole (not CSV) is an error.
func ReadCSV(r io.Reader) ([]Entry, []LineError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var (
		entries []Entry
		refused []LineError
		col     = 0
		first   = true
		seen    = map[string]int{}
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			err = nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("not a CSV file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if _, ok := account(rec[0]); !ok && !strings.HasPrefix(strings.TrimSpace(rec[0]), didPrefix) && !isHex(strings.TrimSpace(rec[0])) {
				col = -1
				for i, name := range rec {
					name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
					for _, want := range voterColumns {
						if name == want && col < 0 {
							col = i
						}
					}
				}
				if col < 0 {
					col = 0
				}
				continue
			}
		}
		if col >= len(rec) {
			refused = append(refused, LineError{Line: line, Text: strings.Join(rec, ","), Reason: "the line has no column " + strconv.Itoa(col+1)})
			continue
		}
		text := strings.TrimSpace(rec[col])
		id, ok := account(text)
		switch {
		case text == "":
			refused = append(refused, LineError{Line: line, Text: text, Reason: "no voter on this line"})
		case credentialLike(text):
			refused = append(refused, LineError{Line: line, Text: short(text), Reason: CredentialReason})
		case !ok:
			refused = append(refused, LineError{Line: line, Text: short(text), Reason: "not an account id (40 hexadecimal digits) or did:publica:<account id>"})
		case seen[id] != 0:
			refused = append(refused, LineError{Line: line, Text: text, Reason: "the same voter as line " + strconv.Itoa(seen[id])})
		default:
			seen[id] = line
			entries = append(entries, Entry{Line: line, Account: id})
		}
	}
	return entries, refused, nil
}

// CredentialReason refuses a credential where a roll wants an account.
// Eligibility by credential is the election's other rule: holders who
// register their eligibility (x/identity) may vote, including voters who
// make their key after the election is published.
const CredentialReason = "a credential, not an account: a roll lists accounts; to admit the holders of a credential (who may make their key after the election is published) create the election with --credential SCHEMA --predicate …"

// credentialLike reports a credential id (urn:uuid:…) or digest (64
// hexadecimal digits).
func credentialLike(s string) bool {
	return strings.HasPrefix(strings.ToLower(s), "urn:uuid:") || (len(s) == 64 && isHex(s))
}

// account is the account id s names (an id in either case, or its DID).
func account(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, didPrefix)
	s = strings.ToLower(s)
	return s, tx.ValidAccountID(s)
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "…"
	}
	return s
}
