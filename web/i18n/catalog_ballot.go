package i18n

// ballotCatalog holds the election pages: voting, the board, rolls, results, officials and trustees.
var ballotCatalog = []Message{}
