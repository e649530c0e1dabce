package v1

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/documents"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/x/land"
)

// docHash is a document's SHA-256, as transactions cite it.
var docHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// maxCitations bounds the citations one answer lists.
const maxCitations = 1000

// Citation is one successful transaction citing a document.
type Citation struct {
	Height  int64  `json:"height"`
	TxHash  string `json:"tx_hash"`
	Index   uint32 `json:"index"`
	MsgType string `json:"msg_type"`
}

// DocumentMeta is the data of a document's metadata.
type DocumentMeta struct {
	Hash string `json:"hash"`
	// Restricted: a mortgage or party record cites it, so the file is
	// served only to clerks and the parties (signed requests).
	Restricted bool       `json:"restricted"`
	URL        string     `json:"url"` // where the file is fetched, checked against the hash
	Citations  []Citation `json:"citations"`
}

// TxProof is a citing transaction's inclusion proof: CometBFT's TxProof
// (Merkle proof of the transaction against the data hash of the header
// of Height) and that signed header.
type TxProof struct {
	Height       int64           `json:"height"`
	TxProof      json.RawMessage `json:"tx_proof"`
	SignedHeader json.RawMessage `json:"signed_header"`
}

// document answers GET /api/v1/documents/{hash}: which successful
// transactions cite the document (the node's transaction index, event
// land.document.hash), each checked to name the hash. Citations are not
// state: with ?prove=true the proof is each transaction's inclusion
// proof against its block's header, not ICS23.
func (a *api) document(c echo.Context) error {
	hash, err := id(c, "hash", "document hash (64 lower-case hexadecimal digits)", docHash)
	if err != nil {
		return fail(c, err)
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	meta := DocumentMeta{Hash: hash, URL: "/api/documents/" + hash, Citations: []Citation{}}
	var proofs []TxProof
	per := 100
	for pg := 1; ; pg++ {
		res, err := r.cl.RPC.TxSearch(r.ctx, fmt.Sprintf("%s.hash='%s' AND tx.height<=%d", land.EventDocument, hash, r.height), r.prove, &pg, &per, "asc")
		if err != nil {
			return fail(c, portal.Unavailable(err, "tx_search document"))
		}
		for _, t := range res.Txs {
			if t.TxResult.Code != 0 || len(meta.Citations) == maxCitations {
				continue
			}
			x, err := tx.Decode(t.Tx)
			if err != nil || !strings.Contains(string(x.Msg), `"`+hash+`"`) {
				continue
			}
			meta.Citations = append(meta.Citations, Citation{Height: t.Height, TxHash: t.Hash.String(), Index: t.Index, MsgType: x.MsgType})
			meta.Restricted = meta.Restricted || slices.Contains(documents.RestrictedTypes, x.MsgType)
			if r.prove {
				h := t.Height
				commit, err := r.cl.Commit(r.ctx, &h)
				if err != nil {
					return fail(c, portal.Unavailable(err, "header"))
				}
				tp, _ := cmtjson.Marshal(t.Proof)
				sh, _ := cmtjson.Marshal(commit.SignedHeader)
				proofs = append(proofs, TxProof{Height: h, TxProof: tp, SignedHeader: sh})
			}
		}
		if pg*per >= res.TotalCount || len(res.Txs) == 0 {
			break
		}
	}
	if len(meta.Citations) == 0 {
		return fail(c, notFound("no transaction up to height %d cites document %s", r.height, hash))
	}
	out := Answer{Height: r.height, Data: meta}
	if r.prove {
		out.Proof = map[string]any{"transactions": proofs}
	}
	return r.send(c, out)
}
