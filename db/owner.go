package db

// Owner scopes a query to the objects of one user, or of every user (admins
// and the SQLite side of the pipeline). The zero Owner matches nothing: a
// scope built from a missing user fails closed instead of reading everyone's.
type Owner struct {
	id  string
	all bool
}

// AllOwners reads every owner's objects.
var AllOwners = Owner{all: true}

// OwnedBy scopes to one user's objects; OwnedBy("") matches nothing.
func OwnedBy(userID string) Owner { return Owner{id: userID} }

// All reports whether the scope reads every owner's objects.
func (o Owner) All() bool { return o.all }

// ownerMatch is the SQL predicate of an Owner on a table's owner_id column;
// its two arguments come from Owner.args.
const ownerMatch = "(? OR owner_id = ?)"

// args returns before followed by ownerMatch's arguments: "every owner" and
// the one owner id. The zero Owner gives (false, ""), and no row has an
// empty owner_id.
func (o Owner) args(before ...any) []any { return append(before, o.all, o.id) }

// String encodes the scope for a signed link: "*" for every owner, else the
// owner's id ("" for the zero Owner).
func (o Owner) String() string {
	if o.all {
		return "*"
	}
	return o.id
}

// ParseOwner reads what String wrote.
func ParseOwner(s string) Owner {
	if s == "*" {
		return AllOwners
	}
	return OwnedBy(s)
}
