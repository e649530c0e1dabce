// Package crashtest kills a real publica node with SIGKILL, again and
// again under a flood of signed transactions, and checks after every
// restart that nothing it acknowledged was lost and that every height's
// state still proves against the chain's headers. It is only tests; see
// crash_test.go.
package crashtest
