// Package audit keeps each school's audit trail honest: every event is
// chained to the one before it by a SHA-256 hash, the head of each chain is
// signed at checkpoints with a key kept apart from the database, and Verify
// recomputes the chains and checks them against the checkpoints.
//
// The package holds no SQL: the store computes each new event's hash with
// Hash inside the transaction that appends it, and hands events and
// checkpoints back through the small interfaces here.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// Genesis is the prev_hash of a school's first event: 32 zero bytes, in hex.
var Genesis = hex.EncodeToString(make([]byte, sha256.Size))

// canonicalTag versions the encoding, so a future change cannot be
// confused with this one.
const canonicalTag = "vigil-audit-event-v1"

// Hash returns the hex SHA-256 of the previous event's hash (as bytes)
// followed by the canonical encoding of ev. prev must be a hash this
// package made, or Genesis.
func Hash(prev string, ev *vigil.AuditEvent) (string, error) {
	p, err := hex.DecodeString(prev)
	if err != nil || len(p) != sha256.Size {
		return "", fmt.Errorf("audit: previous hash %.16q is not a SHA-256 in hex", prev)
	}
	h := sha256.New()
	h.Write(p)
	h.Write(Canonical(ev))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Canonical is a stable, unambiguous encoding of everything an event
// records except its hashes: each field is its length (4 bytes, big-endian)
// then its bytes, times are UTC RFC 3339 with nanoseconds, and the detail's
// keys are sorted.
func Canonical(ev *vigil.AuditEvent) []byte {
	var b []byte
	field := func(s string) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	field(canonicalTag)
	field(string(ev.SchoolID))
	field(strconv.FormatInt(ev.Seq, 10))
	field(ev.ID)
	field(ev.At.UTC().Format(time.RFC3339Nano))
	field(string(ev.PersonID))
	field(ev.SessionID)
	field(ev.Action)
	field(ev.ObjectType)
	field(ev.ObjectID)
	field(string(ev.PupilID))
	field(ev.IP)
	field(ev.UserAgent)
	keys := make([]string, 0, len(ev.Detail))
	for k := range ev.Detail {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	field(strconv.Itoa(len(keys)))
	for _, k := range keys {
		field(k)
		field(ev.Detail[k])
	}
	return b
}
