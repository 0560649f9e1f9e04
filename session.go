package vigil

import "time"

// Session is a signed-in browser. The cookie holds a random secret; the
// database keeps only its SHA-256 (TokenHash), so reading the database does
// not let anyone ride a session.
type Session struct {
	ID              string // public id, safe to show and to log
	TokenHash       string
	PersonID        PersonID
	CurrentSchoolID SchoolID // "" until the person chooses a school
	CreatedAt       time.Time
	LastSeenAt      time.Time
	ExpiresAt       time.Time // the absolute limit
	SteppedUpAt     time.Time // zero until a second factor is given
	IP              string
	UserAgent       string
}
