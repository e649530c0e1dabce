package genesis

import (
	"crypto/ed25519"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land"
)

// DemoParty is a party record of the development genesis: a named
// person or body whose accounts are demo keys (public, like every demo
// key), so that every page of a demo shows names.
type DemoParty struct {
	Kind, Name, RegistrationNumber, Address string
	// Keys are the demo keys (by name) that may sign for the party.
	Keys []string
}

// DemoParties are registered at genesis as N1, N2, ... in this order.
// The citizens after carol and the bank's key are the demo town's own
// keys (`make demo`); the city council has no key: a clerk signs for it
// on the deed, as for anyone who deals through a conveyancer.
var DemoParties = []DemoParty{
	{Kind: land.PartyNaturalPerson, Name: "Alice Citizen", Address: "1 Mill Lane, Millbrook", Keys: []string{"citizen-alice"}},
	{Kind: land.PartyNaturalPerson, Name: "Bob Citizen", Address: "2 Mill Lane, Millbrook", Keys: []string{"citizen-bob"}},
	{Kind: land.PartyNaturalPerson, Name: "Carol Citizen", Address: "3 Mill Lane, Millbrook", Keys: []string{"citizen-carol"}},
	{Kind: land.PartyNaturalPerson, Name: "Dan Citizen", Keys: []string{"citizen-dan"}},
	{Kind: land.PartyNaturalPerson, Name: "Erin Citizen", Keys: []string{"citizen-erin"}},
	{Kind: land.PartyNaturalPerson, Name: "Frank Citizen", Keys: []string{"citizen-frank"}},
	{Kind: land.PartyNaturalPerson, Name: "Grace Citizen", Keys: []string{"citizen-grace"}},
	{Kind: land.PartyOrganisation, Name: "Nordbank plc", RegistrationNumber: "SC100001", Address: "1 Bank Street, Millbrook",
		Keys: []string{"millbrook-bank"}},
	{Kind: land.PartyPublicBody, Name: "City Council", Address: "Town Hall, Market Street, Millbrook"},
}

// DemoPartyID is the id of the demo party the demo key signs for ("N1"
// for citizen-alice), or "" if none.
func DemoPartyID(key string) string {
	for i, p := range DemoParties {
		for _, k := range p.Keys {
			if k == key {
				return "N" + strconv.Itoa(i+1)
			}
		}
	}
	return ""
}

// DemoPartyNamed is the id of the demo party with that name, or "".
func DemoPartyNamed(name string) string {
	for i, p := range DemoParties {
		if p.Name == name {
			return "N" + strconv.Itoa(i+1)
		}
	}
	return ""
}

// landGenesis is the development land genesis: default params and the
// demo parties.
func landGenesis() land.Genesis {
	g := land.Genesis{Params: land.DefaultParams(), Sequences: map[string]uint64{"N": uint64(len(DemoParties))}}
	for i, d := range DemoParties {
		accounts := []string{}
		for _, k := range d.Keys {
			accounts = append(accounts, tx.AccountID(DemoKey{Name: k}.PrivateKey().Public().(ed25519.PublicKey)))
		}
		slices.Sort(accounts)
		p := land.Party{ID: "N" + strconv.Itoa(i+1), Kind: d.Kind, Name: d.Name, NameSince: 1, RegistrationNumber: d.RegistrationNumber,
			AddressForService: d.Address, Accounts: accounts, Registered: 1}
		g.Parties = append(g.Parties, p)
	}
	return g
}

func landState() json.RawMessage {
	g := landGenesis()
	b, err := json.Marshal(g)
	if err != nil {
		panic(err) // plain structs always marshal
	}
	return b
}
