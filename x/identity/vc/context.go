package vc

import _ "embed"

// ContextDocument is the JSON-LD context named by ContextPublica
// (x/identity/vc/contexts/identity-v1.jsonld): every term Publica adds to
// credentials, presentations, DID documents and status list evidence, so
// JSON-LD processors in safe mode accept them. The portal serves it at
// ContextPath; its IRI never changes (a changed context is a new version).
//
//go:embed contexts/identity-v1.jsonld
var ContextDocument []byte

// ContextPath is where a portal serves ContextDocument.
const ContextPath = "/ns/identity/v1"

// ContextMediaType is the media type of a JSON-LD context.
const ContextMediaType = "application/ld+json"
