package identity

import (
	"fmt"
	"strconv"

	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity/vc"
)

// ResolveDID reads account's DID record through r, which may prove every
// key it reads (the stored record, or its absence and the account): nil
// when there is no such account.
func ResolveDID(r Reader, account string) (*DIDRecord, error) {
	kv := &readerKV{r: r}
	d, err := New(authority.Keeper{}).Keeper.DID(kv, account)
	if err = kv.failed(err); err != nil {
		return nil, err
	}
	return d, nil
}

// CredentialJSONSchema is the JSON Schema (2020-12) that credentials of
// schema s conform to, published at vc.SchemaURL (W3C VC JSON Schema,
// credentialSchema type JsonSchema). The credential carries claim digests,
// not claims: the schema fixes the credential's shape and the number of
// digests, and lists the claims (names and types, as registered on chain)
// in x-publica-claims; json_schema_hash is the registered hash of the
// claims' own JSON Schema document.
func CredentialJSONSchema(s *Schema, url string) map[string]any {
	claims := make([]map[string]string, 0, len(s.Claims))
	for _, c := range s.Claims {
		claims = append(claims, map[string]string{"name": c.Name, "type": c.Type})
	}
	digests := map[string]any{"type": "array", "minItems": 1, "maxItems": len(s.Claims),
		"uniqueItems": true, "items": map[string]any{"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"}}
	return map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         url,
		"title":       fmt.Sprintf("Publica credential: %s version %d", s.ID, s.Version),
		"description": "A Publica credential of this schema: the issuer signs salted digests of the claims (selective disclosure), never the claims; the holder's file carries the disclosures.",
		"type":        "object",
		"required":    []string{"@context", "type", "issuer", "validFrom", "credentialSchema", "credentialSubject", "credentialStatus"},
		"properties": map[string]any{
			"@context": map[string]any{"type": "array", "prefixItems": []any{map[string]any{"const": vc.ContextV2}, map[string]any{"const": vc.ContextPublica}}},
			"type":     map[string]any{"type": "array", "contains": map[string]any{"const": vc.CredentialType}},
			"issuer":   map[string]any{"type": "string", "pattern": "^did:publica:[0-9a-f]{40}$"},
			"credentialSchema": map[string]any{"type": "object", "required": []string{"id", "type"},
				"properties": map[string]any{"id": map[string]any{"const": url}, "type": map[string]any{"const": vc.SchemaRefType}}},
			"credentialSubject": map[string]any{"type": "object", "required": []string{"id", "claimDigests"},
				"properties": map[string]any{
					"id":                map[string]any{"type": "string", "pattern": "^did:publica:[0-9a-f]{40}$"},
					"claimDigests":      digests,
					"commitmentDigests": digests,
				}},
			"credentialStatus": map[string]any{"type": "array", "minItems": 2, "maxItems": 2,
				"items": map[string]any{"type": "object", "required": []string{"type", "statusPurpose", "statusListIndex", "statusListCredential"},
					"properties": map[string]any{"type": map[string]any{"const": vc.StatusEntryType}}}},
		},
		"x-publica-schema":  map[string]any{"id": s.ID, "version": strconv.FormatUint(uint64(s.Version), 10), "registeredAtHeight": s.Height, "jsonSchemaHash": s.JSONSchemaHash},
		"x-publica-claims":  claims,
		"x-publica-context": string(vc.ContextPublica),
	}
}
