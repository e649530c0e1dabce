package i18n

// otherCatalog holds the remaining pages: explorer, audit, keys, documents, demo, errors.
var otherCatalog = []Message{}
