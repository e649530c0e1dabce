package client

import rpcclient "github.com/cometbft/cometbft/rpc/client"

func rpcQueryOpts(height int64, prove bool) rpcclient.ABCIQueryOptions {
	return rpcclient.ABCIQueryOptions{Height: height, Prove: prove}
}
