package authority

// The authority module needs nothing from another module: it is the one
// the others lean on (accounts, roles and the quorum rule, through the
// interfaces each declares in its own expected_keepers.go).
