package mail

import (
	"net/url"

	"github.com/tailor-app/tailor/sign"
)

// Unsubscribe links work without a session: the MAC (the server's signing
// key over the user and the kind of mail) is the proof. They never expire,
// since mails stay in inboxes; they can only turn a kind of mail off.

// UnsubscribePath is the page a link opens (GET shows a button, POST turns
// the kind off: RFC 8058's one-click POST, or the button).
const UnsubscribePath = "/unsubscribe"

func unsubscribeMAC(key []byte, userID, kind string) string {
	return sign.MAC(key, "unsubscribe", userID, kind)
}

// UnsubscribeQuery is the signed query of the link that turns off the
// user's mails of kind.
func UnsubscribeQuery(key []byte, userID, kind string) string {
	return "u=" + url.QueryEscape(userID) + "&k=" + url.QueryEscape(kind) + "&s=" + unsubscribeMAC(key, userID, kind)
}

// VerifyUnsubscribe reports whether sig signs the user and kind.
func VerifyUnsubscribe(key []byte, userID, kind, sig string) bool {
	return len(key) > 0 && sign.Valid(key, sig, "unsubscribe", userID, kind)
}
