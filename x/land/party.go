package land

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/tx"
)

// Parties (ISO 19152 LADM LA_Party): the people and bodies the register
// names. A clerk registers a party record and amends it; titles,
// mortgages, leases and caveats name a party by its id ("N1", "N2", ...).
// Every place that names a party also accepts a bare account id (40 hex
// digits), as records did before party records existed: such an account
// is a party of its own that only its key signs for and that has no name.

// Party kinds (LADM LA_PartyType).
const (
	PartyNaturalPerson = "natural-person"
	PartyOrganisation  = "organisation"
	PartyPublicBody    = "public-body"
	PartyGroup         = "group" // LA_GroupParty: members are parties
)

// PartyKinds lists the kinds a party record may have.
var PartyKinds = []string{PartyNaturalPerson, PartyOrganisation, PartyPublicBody, PartyGroup}

// Bounds of a party record.
const (
	MaxPartyAccounts    = 16
	MaxPartyMembers     = 64
	MaxPartyFormerNames = 64
)

// Party is one party record (land/party-record/<id>).
type Party struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Name is the name the register publishes: a deliberate public
	// field, as land registers name their proprietors and chargees.
	Name string `json:"name"`
	// NameSince is the height from which Name is the party's name.
	NameSince int64 `json:"name_since"`
	// FormerNames are the names the party had before, oldest first.
	FormerNames []FormerName `json:"former_names,omitempty"`
	// RegistrationNumber is an organisation's or public body's number in
	// its own register (a company number); never a person's national id.
	RegistrationNumber string `json:"registration_number,omitempty"`
	// AddressForService is where notices to the party are served.
	AddressForService string `json:"address_for_service,omitempty"`
	// Accounts may each sign for the party (sorted). None: the party
	// deals through a conveyancer and a land clerk signs for it on the
	// deed.
	Accounts []string `json:"accounts"`
	// Members of a group party (party ids, sorted).
	Members []string `json:"members,omitempty"`
	// IDCommitment is an optional salted commitment to an identifier the
	// clerk checked (SHA-256 of a secret salt and, say, a national id
	// number, in lowercase hex); the identifier itself is never on chain.
	IDCommitment string `json:"id_commitment,omitempty"`
	Document     string `json:"document,omitempty"`
	Registered   int64  `json:"registered"`
	Amended      int64  `json:"amended,omitempty"`
}

// FormerName is a name a party no longer has: from height From until the
// amendment at height Until, which gave Reason.
type FormerName struct {
	Name     string `json:"name"`
	From     int64  `json:"from"`
	Until    int64  `json:"until"`
	Reason   string `json:"reason"`
	Document string `json:"document,omitempty"`
}

// IsPartyID reports whether s is a party record id ("N" and a number).
func IsPartyID(s string) bool { return validRecordID("party", s, 'N') == nil }

// MsgRegisterParty (clerk) registers a party record; its id is the
// transaction's result.
type MsgRegisterParty struct {
	Kind               string   `json:"kind"`
	Name               string   `json:"name"`
	RegistrationNumber string   `json:"registration_number,omitempty"`
	AddressForService  string   `json:"address_for_service,omitempty"`
	Accounts           []string `json:"accounts,omitempty"`
	Members            []string `json:"members,omitempty"`
	IDCommitment       string   `json:"id_commitment,omitempty"`
	Document           string   `json:"document,omitempty"`
}

func (m *MsgRegisterParty) ValidateBasic() error {
	if !slices.Contains(PartyKinds, m.Kind) {
		return errs.InvalidMsg.Wrapf("party kind %q is not one of %s", m.Kind, strings.Join(PartyKinds, ", "))
	}
	if err := validPartyName(m.Name); err != nil {
		return err
	}
	if err := validRegNumber(m.Kind, m.RegistrationNumber); err != nil {
		return err
	}
	if err := validText("address for service", m.AddressForService, 256, false); err != nil {
		return err
	}
	if err := validAccounts(m.Accounts); err != nil {
		return err
	}
	if err := validMembers(m.Kind, m.Members); err != nil {
		return err
	}
	if err := validCommitment(m.IDCommitment); err != nil {
		return err
	}
	if m.Document != "" {
		return validDoc(m.Document)
	}
	return nil
}

// MsgAmendParty (clerk) amends a party record: only the fields given
// change (an empty list of accounts removes them all). A new name moves
// the old one to the record's former names with the reason.
type MsgAmendParty struct {
	Party              string    `json:"party"`
	Name               *string   `json:"name,omitempty"`
	RegistrationNumber *string   `json:"registration_number,omitempty"`
	AddressForService  *string   `json:"address_for_service,omitempty"`
	Accounts           *[]string `json:"accounts,omitempty"`
	Members            *[]string `json:"members,omitempty"`
	IDCommitment       *string   `json:"id_commitment,omitempty"`
	Reason             string    `json:"reason"`
	Document           string    `json:"document,omitempty"`
}

func (m *MsgAmendParty) ValidateBasic() error {
	if err := validRecordID("party", m.Party, 'N'); err != nil {
		return err
	}
	if m.Name == nil && m.RegistrationNumber == nil && m.AddressForService == nil && m.Accounts == nil &&
		m.Members == nil && m.IDCommitment == nil {
		return errs.InvalidMsg.Wrapf("the amendment changes nothing")
	}
	if err := validText("reason", m.Reason, 512, true); err != nil {
		return err
	}
	if m.Name != nil {
		if err := validPartyName(*m.Name); err != nil {
			return err
		}
	}
	if m.RegistrationNumber != nil {
		if err := validRegNumber("", *m.RegistrationNumber); err != nil {
			return err
		}
	}
	if m.AddressForService != nil {
		if err := validText("address for service", *m.AddressForService, 256, false); err != nil {
			return err
		}
	}
	if m.Accounts != nil {
		if err := validAccounts(*m.Accounts); err != nil {
			return err
		}
	}
	if m.Members != nil {
		if err := validMembers("", *m.Members); err != nil {
			return err
		}
	}
	if m.IDCommitment != nil {
		if err := validCommitment(*m.IDCommitment); err != nil {
			return err
		}
	}
	if m.Document != "" {
		return validDoc(m.Document)
	}
	return nil
}

// validPartyName: 1..200 bytes of printable UTF-8, no surrounding spaces.
func validPartyName(s string) error {
	if err := validText("party name", s, 200, true); err != nil {
		return err
	}
	if strings.TrimSpace(s) != s {
		return errs.InvalidMsg.Wrapf("party name %q has leading or trailing spaces", s)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return errs.InvalidMsg.Wrapf("party name %q holds a control character", s)
		}
	}
	return nil
}

var regNumberRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ./-]{0,63}$`)

// validRegNumber: an organisation's or public body's number; kind "" (an
// amendment) is checked against the record by the handler.
func validRegNumber(kind, s string) error {
	if s == "" {
		return nil
	}
	if kind == PartyNaturalPerson || kind == PartyGroup {
		return errs.InvalidMsg.Wrapf("a %s has no registration number (a person's identity number goes only into id_commitment, salted and hashed)", kind)
	}
	if !regNumberRe.MatchString(s) {
		return errs.InvalidMsg.Wrapf("registration number %q must be 1..64 letters, digits, spaces, '.', '/' or '-'", s)
	}
	return nil
}

func validAccounts(list []string) error {
	if len(list) > MaxPartyAccounts {
		return errs.InvalidMsg.Wrapf("%d accounts; a party has at most %d", len(list), MaxPartyAccounts)
	}
	for i, a := range list {
		if !tx.ValidAccountID(a) {
			return errs.InvalidMsg.Wrapf("account %q is not a 40-hex-digit account id", a)
		}
		if slices.Contains(list[:i], a) {
			return errs.InvalidMsg.Wrapf("account %s listed twice", a)
		}
	}
	return nil
}

// validMembers: a group names 2..64 member parties; other kinds none.
// kind "" (an amendment) is checked against the record by the handler.
func validMembers(kind string, list []string) error {
	if kind != "" && kind != PartyGroup {
		if len(list) > 0 {
			return errs.InvalidMsg.Wrapf("only a group party has members")
		}
		return nil
	}
	if kind == PartyGroup && len(list) < 2 || len(list) > MaxPartyMembers {
		return errs.InvalidMsg.Wrapf("a group has 2..%d member parties; %d given", MaxPartyMembers, len(list))
	}
	for i, p := range list {
		if err := validRecordID("member party", p, 'N'); err != nil {
			return err
		}
		if slices.Contains(list[:i], p) {
			return errs.InvalidMsg.Wrapf("member party %s listed twice", p)
		}
	}
	return nil
}

func validCommitment(s string) error {
	if s == "" {
		return nil
	}
	if validDoc(s) != nil {
		return errs.InvalidMsg.Wrapf("id_commitment must be 64 lowercase hex digits (SHA-256 of a salt and the identifier), not the identifier itself")
	}
	return nil
}

// validPartyRecord checks a stored party record (genesis).
func validPartyRecord(p *Party) error {
	msg := MsgRegisterParty{Kind: p.Kind, Name: p.Name, RegistrationNumber: p.RegistrationNumber, AddressForService: p.AddressForService,
		Accounts: p.Accounts, Members: p.Members, IDCommitment: p.IDCommitment, Document: p.Document}
	if err := msg.ValidateBasic(); err != nil {
		return err
	}
	if !slices.IsSorted(p.Accounts) || !slices.IsSorted(p.Members) {
		return errs.InvalidMsg.Wrapf("accounts and members must be sorted")
	}
	if p.Accounts == nil {
		return errs.InvalidMsg.Wrapf("accounts must be a list (empty for none)")
	}
	if len(p.FormerNames) > MaxPartyFormerNames {
		return errs.InvalidMsg.Wrapf("%d former names; at most %d", len(p.FormerNames), MaxPartyFormerNames)
	}
	for _, f := range p.FormerNames {
		if err := validPartyName(f.Name); err != nil {
			return err
		}
		if f.Until < f.From || f.Until > p.NameSince {
			return errs.InvalidMsg.Wrapf("former name %q from %d until %d is out of order", f.Name, f.From, f.Until)
		}
	}
	return nil
}

// PartyIDs lists, once each in order of first mention, the party records
// (ids "N…") the title names: owners, lenders, lessees and caveators.
// Bare account parties are not listed: they have no record.
func (t *Title) PartyIDs() []string {
	var out []string
	for _, id := range titlePartyIDs(t) {
		if IsPartyID(id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
