package i18n

// identityCatalog holds the credential pages: wallet, issuers, status lists, DIDs, presentations.
var identityCatalog = []Message{}
