// Package sign makes the MACs of Tailor's signed links: the job card's
// poll and the share link (handlers), and a mail's unsubscribe link (mail).
// One scheme for all: HMAC-SHA256 with the server's signing key over the
// parts, each ended by a NUL, the first part naming the link's purpose so
// one link's MAC never verifies as another's.
package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// MAC signs parts with key: 18 bytes, URL-safe base64 (24 characters).
func MAC(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Valid reports whether sig is the MAC of parts, in constant time.
func Valid(key []byte, sig string, parts ...string) bool {
	return hmac.Equal([]byte(sig), []byte(MAC(key, parts...)))
}
