package vigil

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
)

// Identifiers are UUIDs in text form. They are opaque and unguessable, so a
// URL never reveals how many records a school has, and version 7 keeps them
// in creation order for the database's indexes.
type (
	// GroupID identifies a trust or other group of schools.
	GroupID string
	// SchoolID identifies a school, the unit of tenancy.
	SchoolID string
	// PersonID identifies a person across all their schools.
	PersonID string
	// PupilID identifies a pupil within a school.
	PupilID string
	// ContactID identifies one of a pupil's contacts.
	ContactID string
	// CategoryID identifies a concern category within a school.
	CategoryID string
)

func (id GroupID) String() string    { return string(id) }
func (id SchoolID) String() string   { return string(id) }
func (id PersonID) String() string   { return string(id) }
func (id PupilID) String() string    { return string(id) }
func (id ContactID) String() string  { return string(id) }
func (id CategoryID) String() string { return string(id) }

// NewID returns a new random, time-ordered UUID (RFC 9562 version 7).
func NewID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ValidID reports whether s has the shape of an identifier Vigil issued:
// 36 characters, lowercase hexadecimal in 8-4-4-4-12 groups. Anything else in
// a URL is answered with "not found" before a query is made.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
