package audit

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// Reader is what Verify needs from the database.
type Reader interface {
	// AuditEventsFrom returns up to limit of the school's events after
	// afterSeq, oldest first, with their stored hashes.
	AuditEventsFrom(ctx context.Context, school vigil.SchoolID, afterSeq int64, limit int) ([]*vigil.AuditEvent, error)
	// AuditCheckpoints returns the school's stored checkpoints.
	AuditCheckpoints(ctx context.Context, school vigil.SchoolID) ([]Checkpoint, error)
}

// Result is what Verify found for one school.
type Result struct {
	School vigil.SchoolID
	Seq    int64  // the newest event's seq, 0 for an empty trail
	Head   string // its hash
	// Checkpoint is the newest checkpoint, nil for none; events after it
	// are vouched for by the chain alone.
	Checkpoint *Checkpoint
	// Problem names the first thing found wrong, "" when all holds.
	Problem string
}

// pageSize is how many events Verify reads at a time.
const pageSize = 1000

// Verify recomputes the school's chain from genesis and checks it against
// its checkpoints: those in the database and those in shipped (a copy of
// the checkpoint file; other schools' lines are ignored). Each checkpoint
// must be signed by pub, checkpoints at one event must agree, the chain's
// event at each checkpoint must have its head (a rewrite fails) and the
// chain must reach the newest checkpoint (a cut tail fails). pub may be nil
// when there are no checkpoints. An error means the check could not run; a
// finding is the Result's Problem.
func Verify(ctx context.Context, r Reader, school vigil.SchoolID, pub ed25519.PublicKey, shipped []Checkpoint) (*Result, error) {
	res := &Result{School: school}
	stored, err := r.AuditCheckpoints(ctx, school)
	if err != nil {
		return nil, err
	}
	type sourced struct {
		Checkpoint
		from string
	}
	var all []sourced
	for _, c := range stored {
		all = append(all, sourced{c, "in the database"})
	}
	for _, c := range shipped {
		if c.School == school {
			all = append(all, sourced{c, "in the checkpoint file"})
		}
	}
	bySeq := map[int64]sourced{}
	for _, c := range all {
		switch {
		case pub == nil:
			res.Problem = "cannot check the checkpoints' signatures: there is no audit signing key"
			return res, nil
		case !c.Valid(pub):
			res.Problem = fmt.Sprintf("the checkpoint at event %d %s has a bad signature (altered, or signed with another key)", c.Seq, c.from)
			return res, nil
		}
		if prev, ok := bySeq[c.Seq]; ok && prev.Head != c.Head {
			res.Problem = fmt.Sprintf("the checkpoints at event %d %s and %s disagree: the trail forked or was rewritten", c.Seq, prev.from, c.from)
			return res, nil
		}
		bySeq[c.Seq] = c
		if res.Checkpoint == nil || c.Seq > res.Checkpoint.Seq {
			cp := c.Checkpoint
			res.Checkpoint = &cp
		}
	}

	head, last := Genesis, int64(0)
	for {
		page, err := r.AuditEventsFrom(ctx, school, last, pageSize)
		if err != nil {
			return nil, err
		}
		for _, ev := range page {
			switch {
			case ev.Seq == last+2:
				res.Problem = fmt.Sprintf("event %d is missing (deleted)", last+1)
			case ev.Seq > last+1:
				res.Problem = fmt.Sprintf("events %d to %d are missing (deleted)", last+1, ev.Seq-1)
			case ev.PrevHash != head:
				res.Problem = fmt.Sprintf("event %d does not follow event %d (an event was inserted, deleted or replaced)", ev.Seq, last)
			}
			if res.Problem != "" {
				return res, nil
			}
			want, err := Hash(head, ev)
			if err != nil {
				return nil, err
			}
			if ev.Hash != want {
				res.Problem = fmt.Sprintf("event %d does not match its hash (changed or replaced)", ev.Seq)
				return res, nil
			}
			if c, ok := bySeq[ev.Seq]; ok && c.Head != want {
				res.Problem = fmt.Sprintf("event %d does not match the checkpoint signed at %s: the trail was rewritten",
					ev.Seq, c.Time.UTC().Format(time.RFC3339))
				return res, nil
			}
			head, last = want, ev.Seq
		}
		if len(page) < pageSize {
			break
		}
	}
	res.Seq, res.Head = last, head
	if c := res.Checkpoint; c != nil && last < c.Seq {
		res.Problem = fmt.Sprintf("events after %d are missing: the newest checkpoint is at %d", last, c.Seq)
	}
	return res, nil
}
