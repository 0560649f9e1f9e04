package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// Throttling of guesses (security.md fig. 15): a few free tries, then a
// delay that doubles with each failure, capped. Failures are forgotten a day
// after the last one. The keys are per account (a hash of the email, so an
// unknown email is throttled exactly like a known one), per address (more
// generous: a whole school may share one address), and per person for
// second-factor codes.
type throttleRule struct {
	free   int           // failures before any delay
	cap    time.Duration // longest delay
	lockAt int           // failures at which the delay becomes lockout
	lock   time.Duration // the lockout
}

var (
	accountRule = throttleRule{free: 5, cap: 15 * time.Minute, lockAt: 100, lock: time.Hour}
	addressRule = throttleRule{free: 50, cap: 15 * time.Minute, lockAt: 1000, lock: time.Hour}
	codeRule    = throttleRule{free: 5, cap: 15 * time.Minute, lockAt: 50, lock: time.Hour}
)

const forgetFailures = 24 * time.Hour

// delay returns how long to refuse further tries after n failures.
func (r throttleRule) delay(n int) time.Duration {
	if n >= r.lockAt {
		return r.lock
	}
	if n < r.free {
		return 0
	}
	d := time.Duration(math.Pow(2, float64(min(n-r.free, 20)))) * time.Second
	return min(d, r.cap)
}

func accountKey(email string) string {
	sum := sha256.Sum256([]byte(vigil.NormalizeEmail(email)))
	return "account:" + hex.EncodeToString(sum[:16])
}

// addressKey groups IPv6 addresses by /64, which one household or school
// usually holds.
func addressKey(ip string) string {
	if p := net.ParseIP(ip); p != nil && p.To4() == nil {
		return "ip:" + p.Mask(net.CIDRMask(64, 128)).String()
	}
	return "ip:" + ip
}

func codeKey(person vigil.PersonID) string { return "code:" + string(person) }

// checkThrottle refuses with ETHROTTLED while any key is locked.
func (a *App) checkThrottle(ctx context.Context, keys ...string) error {
	now := a.Now()
	for _, k := range keys {
		t, err := a.Store.FindThrottle(ctx, k)
		if err != nil {
			return err
		}
		if t.LockedUntil.After(now) {
			return errThrottled(t.LockedUntil.Sub(now))
		}
	}
	return nil
}

func (a *App) recordFailure(ctx context.Context, key string, r throttleRule) error {
	_, err := a.Store.RecordFailure(ctx, key, forgetFailures, r.delay)
	return err
}

// errThrottled says how long to wait, rounded up to a whole second or
// minute.
func errThrottled(wait time.Duration) error {
	msg := fmt.Sprintf("Too many attempts. Wait %d seconds and try again.", int(math.Ceil(wait.Seconds())))
	if wait > 90*time.Second {
		msg = fmt.Sprintf("Too many attempts. Wait %d minutes and try again.", int(math.Ceil(wait.Minutes())))
	}
	return &vigil.Error{Code: vigil.ETHROTTLED, Message: msg}
}
