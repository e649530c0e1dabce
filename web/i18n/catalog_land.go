package i18n

// landCatalog holds the land register pages: titles, parcels, dealings, maps, certificates, the clerk forms.
var landCatalog = []Message{}
