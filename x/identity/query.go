package identity

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/identity/vc"
)

// Query paths (after "/identity/"); all but did/ are single keys and
// provable:
//
//	params                               Params
//	schema/<id>/<version>                Schema
//	issuer/<account>                     Issuer with history
//	credential/<digest>                  Anchor
//	status/<issuer>/<purpose>/<index>    the status page holding index (absent = zeros)
//	recovery/<account>                   pending Recovery
//	didrecord/<account>                  the stored DID record (absent: derived from the account)
//	did/<account>                        the resolved DID document (built from two keys; not provable as one)
//	statuslist/<issuer>/<purpose>        the W3C BitstringStatusListCredential built from the pages (not
//	                                     provable as one: `publica identity status-list` proves each page)
//	signedstatuslist/<issuer>/<purpose>  the issuer's signed BitstringStatusListCredential (absent: none
//	                                     since the list last changed)
func (m *Module) Query(view store.KV, path []string) (module.QueryResult, error) {
	// one answers with the record stored at key, as stored, so the app can
	// prove it.
	one := func(key []byte) (module.QueryResult, error) {
		return module.QueryResult{Key: key, Value: m.Keeper.Stored(view, key)}, nil
	}
	bad := func(f string, a ...any) (module.QueryResult, error) {
		return module.QueryResult{}, errs.InvalidMsg.Wrapf(f, a...)
	}
	acct := func(s string) bool { return tx.ValidAccountID(s) }
	switch {
	case len(path) == 1 && path[0] == "params":
		p := m.Keeper.Params(view)
		b, _ := json.Marshal(p)
		if m.Keeper.HasParams(view) {
			return one(ParamsKey())
		}
		return module.QueryResult{Value: b}, nil
	case len(path) == 3 && path[0] == "schema":
		v, err := strconv.ParseUint(path[2], 10, 32)
		if !ValidSchemaID(path[1]) || err != nil {
			return bad("schema/<id>/<version>")
		}
		return one(SchemaKey(path[1], uint32(v)))
	case len(path) == 2 && path[0] == "issuer" && acct(path[1]):
		return one(IssuerKey(path[1]))
	case len(path) == 2 && path[0] == "credential" && validHex32(path[1]):
		return one(AnchorKey(path[1]))
	case len(path) == 4 && path[0] == "status" && acct(path[1]):
		if err := checkPurpose(path[2]); err != nil {
			return module.QueryResult{}, err
		}
		i, err := strconv.ParseUint(path[3], 10, 64)
		if err != nil {
			return bad("status index %q", path[3])
		}
		return one(StatusPageKey(path[1], path[2], i))
	case len(path) == 2 && path[0] == "recovery" && acct(path[1]):
		return one(RecoveryKey(path[1]))
	case len(path) == 2 && path[0] == "didrecord" && acct(path[1]):
		return one(DIDKey(path[1]))
	case len(path) == 3 && path[0] == "statuslist" && acct(path[1]):
		if err := checkPurpose(path[2]); err != nil {
			return module.QueryResult{}, err
		}
		size := m.Keeper.Params(view).StatusListSize
		pages := make([][]byte, StatusListPageCount(size))
		for i := range pages {
			pages[i] = m.Keeper.StatusPage(view, path[1], path[2], uint64(i)*PageBits)
		}
		c, err := NewStatusListCredential(path[1], path[2], size, pages, nil)
		if err != nil {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("%v", err)
		}
		b, _ := json.Marshal(c)
		return module.QueryResult{Value: b}, nil
	case len(path) == 3 && path[0] == "signedstatuslist" && acct(path[1]):
		if err := checkPurpose(path[2]); err != nil {
			return module.QueryResult{}, err
		}
		return one(SignedStatusListKey(path[1], path[2]))
	case len(path) == 2 && path[0] == "did":
		id, ok := vc.AccountOfDID(path[1])
		if !ok && acct(path[1]) {
			id, ok = path[1], true
		}
		if !ok {
			return bad("did/<account or did:publica:account>")
		}
		d, err := m.Keeper.DID(view, id)
		if err != nil {
			return module.QueryResult{}, err
		}
		if d == nil {
			return module.QueryResult{}, nil
		}
		b, _ := json.Marshal(DIDDocument(d))
		return module.QueryResult{Value: b}, nil
	}
	return bad("unknown identity query %v", fmt.Sprint(path))
}

// DID document contexts: DID Core, Multikey, and Publica's (for
// publicaKeyHistory).
var DIDContexts = []string{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1", vc.ContextPublica}

// ServiceTypePrefix makes a service type that is neither an IRI nor a
// term of the DID documents' contexts an IRI, so JSON-LD processors in
// safe mode accept the document.
const ServiceTypePrefix = "https://publica.example/ns/identity/services#"

// knownServiceTypes are the DID Specification Registries' service types
// the identity context defines.
var knownServiceTypes = map[string]bool{"LinkedDomains": true, "DIDCommMessaging": true, "LinkedVerifiablePresentation": true}

// ServiceType is a stored service type as the DID document shows it: a
// known term or an IRI as it is, anything else under ServiceTypePrefix.
func ServiceType(t string) string {
	if knownServiceTypes[t] || strings.Contains(t, ":") {
		return t
	}
	return ServiceTypePrefix + url.PathEscape(t)
}

// DIDService is a service of a DID document (DID Core §5.4).
type DIDService struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	ServiceEndpoint string `json:"serviceEndpoint"`
}

// DIDDocument renders a DID record as a W3C DID document (DID Core 1.0):
// every key of the history is a Multikey verification method; the current
// one is the authentication and assertion method. Publica-specific
// validity windows are in publicaKeyHistory (defined in ContextPublica).
func DIDDocument(d *DIDRecord) map[string]any {
	did := vc.DID(d.Account)
	var vms []map[string]any
	var hist []map[string]any
	for _, k := range d.Keys {
		id := vc.KeyRef(d.Account, k.N)
		vms = append(vms, map[string]any{"id": id, "type": "Multikey", "controller": did,
			"publicKeyMultibase": vc.MultikeyFromPublic(keyBytes(&k))})
		hist = append(hist, map[string]any{"id": id, "from": k.From, "until": k.Until, "reason": k.Reason})
	}
	services := []DIDService{}
	for _, sv := range d.Services {
		services = append(services, DIDService{ID: did + "#" + sv.ID, Type: ServiceType(sv.Type), ServiceEndpoint: sv.Endpoint})
	}
	doc := map[string]any{
		"@context":           DIDContexts,
		"id":                 did,
		"controller":         did,
		"verificationMethod": vms,
		"publicaKeyHistory":  hist,
		"service":            services,
	}
	if cur := d.Current(); cur != nil {
		ref := vc.KeyRef(d.Account, cur.N)
		doc["authentication"] = []string{ref}
		doc["assertionMethod"] = []string{ref}
	} else {
		doc["deactivated"] = true
		doc["authentication"] = []string{}
		doc["assertionMethod"] = []string{}
	}
	return doc
}
