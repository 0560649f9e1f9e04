package audit_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/audit"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// trail is a store with audit events in two schools and the service's
// sequence, and a checkpointer writing to a file of its own.
type trail struct {
	s        *store.Store
	oak, elm vigil.SchoolID
	cp       *audit.Checkpointer
	pub      ed25519.PublicKey
}

func newTrail(t *testing.T, s *store.Store, events int) *trail {
	t.Helper()
	f := storetest.Seed(t, s)
	dir := t.TempDir()
	key, created, err := audit.LoadKey(filepath.Join(dir, "audit-signing.key"), true)
	if err != nil || !created {
		t.Fatalf("load key: %v, created %v", err, created)
	}
	tr := &trail{s: s, oak: f.Oak.ID, elm: f.Elm.ID, pub: key.Public().(ed25519.PublicKey),
		cp: &audit.Checkpointer{Store: s, Key: key, File: filepath.Join(dir, "audit-checkpoints.jsonl"),
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	tr.add(t, tr.oak, events)
	tr.add(t, tr.elm, events)
	tr.add(t, vigil.ServiceSchoolID, 5)
	return tr
}

// add appends n events of every shape to the school's trail.
func (tr *trail) add(t *testing.T, school vigil.SchoolID, n int) {
	t.Helper()
	for i := range n {
		ev := &vigil.AuditEvent{SchoolID: school, Action: vigil.AuditPupilViewed, ObjectType: "pupil", ObjectID: strconv.Itoa(i),
			IP: "192.0.2.7", UserAgent: "Mozilla/5.0 \xff bad bytes", Detail: map[string]string{"b": "2", "a": strconv.Itoa(i)}}
		if i%3 == 0 {
			ev.PersonID, ev.SessionID, ev.PupilID = vigil.PersonID(vigil.NewID()), vigil.NewID(), vigil.PupilID(vigil.NewID())
			ev.Detail = nil
		}
		if err := tr.s.AppendAudit(context.Background(), ev); err != nil {
			t.Fatalf("append audit: %v", err)
		}
	}
}

// verify checks every trail against the stored checkpoints and the file.
func (tr *trail) verify(t *testing.T) map[vigil.SchoolID]*audit.Result {
	t.Helper()
	shipped, err := audit.ReadFile(tr.cp.File)
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("read checkpoints: %v", err)
	}
	ids, err := tr.s.AuditSchools(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[vigil.SchoolID]*audit.Result{}
	for _, id := range ids {
		res, err := audit.Verify(context.Background(), tr.s, id, tr.pub, shipped)
		if err != nil {
			t.Fatalf("verify %s: %v", id, err)
		}
		out[id] = res
	}
	return out
}

// wantProblem fails unless school's trail has a problem containing want and
// every other trail holds.
func (tr *trail) wantProblem(t *testing.T, school vigil.SchoolID, want string) {
	t.Helper()
	for id, res := range tr.verify(t) {
		switch {
		case id == school && !strings.Contains(res.Problem, want):
			t.Errorf("school %s: problem %q, want %q", id, res.Problem, want)
		case id != school && res.Problem != "":
			t.Errorf("untouched school %s: %s", id, res.Problem)
		}
	}
}

func (tr *trail) checkpoint(t *testing.T) {
	t.Helper()
	if _, err := tr.cp.Checkpoint(context.Background()); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
}

func TestAuditChainVerifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tr := newTrail(t, s, 25)
		milestones := 0
		s.AuditMilestone = func() { milestones++ }
		// More than a page of events, in one transaction with the change
		// they record.
		ctx := vigil.SystemContext(context.Background(), tr.oak)
		err := s.RunInTx(ctx, func(ctx context.Context) error {
			for range 1000 {
				if err := s.AppendAudit(ctx, &vigil.AuditEvent{SchoolID: tr.oak, Action: vigil.AuditPupilsListed}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if milestones != 1 {
			t.Errorf("milestone called %d times at 1,025 events, want 1", milestones)
		}
		want := map[vigil.SchoolID]int64{tr.oak: 1025, tr.elm: 25, vigil.ServiceSchoolID: 5}
		for id, res := range tr.verify(t) {
			if res.Problem != "" || res.Seq != want[id] || res.Checkpoint != nil {
				t.Errorf("school %s: %+v, want %d events, no problem", id, res, want[id])
			}
		}

		tr.checkpoint(t)
		tr.add(t, tr.elm, 3)
		if n, err := tr.cp.Checkpoint(context.Background()); err != nil || n != 1 {
			t.Fatalf("second checkpoint: %d, %v; want only elm's moved head", n, err)
		}
		for id, res := range tr.verify(t) {
			if res.Problem != "" || res.Checkpoint == nil || res.Checkpoint.Seq != res.Seq {
				t.Errorf("school %s after checkpoints: %+v", id, res)
			}
		}
		shipped, err := audit.ReadFile(tr.cp.File)
		if err != nil || len(shipped) != 4 {
			t.Fatalf("checkpoint file: %d lines, %v; want 4", len(shipped), err)
		}
	})
}

func TestTamperAuditEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tr := newTrail(t, s, 20)
		storetest.Exec(t, s, "UPDATE audit_events SET action = ? WHERE school_id = ? AND seq = ?", "auth.sign_out", tr.oak, 7)
		tr.wantProblem(t, tr.oak, "event 7 does not match its hash (changed or replaced)")
	})
}

func TestTamperAuditDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tr := newTrail(t, s, 20)
		storetest.Exec(t, s, "DELETE FROM audit_events WHERE school_id = ? AND seq = ?", tr.elm, 9)
		tr.wantProblem(t, tr.elm, "event 9 is missing (deleted)")
		storetest.Exec(t, s, "DELETE FROM audit_events WHERE school_id = ? AND seq IN (10, 11)", tr.elm)
		tr.wantProblem(t, tr.elm, "events 9 to 11 are missing (deleted)")
	})
}

func TestTamperAuditInsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tr := newTrail(t, s, 20)
		ctx := context.Background()
		// A forger who knows the scheme makes room after event 10 and
		// chains a new event to it: the event after no longer follows.
		storetest.Exec(t, s, "UPDATE audit_events SET seq = seq + 1000 WHERE school_id = ? AND seq > 10", tr.oak)
		storetest.Exec(t, s, "UPDATE audit_events SET seq = seq - 999 WHERE school_id = ? AND seq > 1000", tr.oak)
		evs, err := s.AuditEventsFrom(ctx, tr.oak, 9, 1)
		if err != nil || len(evs) != 1 {
			t.Fatalf("read event 10: %v", err)
		}
		forged := &vigil.AuditEvent{SchoolID: tr.oak, Seq: 11, ID: vigil.NewID(), At: evs[0].At, Action: vigil.AuditPermissionChanged, PrevHash: evs[0].Hash}
		if forged.Hash, err = audit.Hash(forged.PrevHash, forged); err != nil {
			t.Fatal(err)
		}
		insert(t, s, forged)

		// A forged event at the end of elm's trail by someone who cannot
		// make the hash.
		head, err := s.AuditEventsFrom(ctx, tr.elm, 19, 1)
		if err != nil || len(head) != 1 {
			t.Fatalf("read event 20: %v", err)
		}
		tail := &vigil.AuditEvent{SchoolID: tr.elm, Seq: 21, ID: vigil.NewID(), At: time.Now(), Action: vigil.AuditSignIn,
			PrevHash: head[0].Hash, Hash: strings.Repeat("ab", 32)}
		insert(t, s, tail)

		res := tr.verify(t)
		if p := res[tr.oak].Problem; !strings.Contains(p, "event 12 does not follow event 11") {
			t.Errorf("oak: %q", p)
		}
		if p := res[tr.elm].Problem; !strings.Contains(p, "event 21 does not match its hash") {
			t.Errorf("elm: %q", p)
		}
		if p := res[vigil.ServiceSchoolID].Problem; p != "" {
			t.Errorf("service: %q", p)
		}
	})
}

// insert writes an event straight into the table, as an attacker with the
// database could.
func insert(t *testing.T, s *store.Store, ev *vigil.AuditEvent) {
	t.Helper()
	detail, _ := json.Marshal(ev.Detail)
	if ev.Detail == nil {
		detail = []byte("{}")
	}
	storetest.Exec(t, s, `INSERT INTO audit_events (school_id, seq, id, at, action, object_type, object_id, ip, user_agent, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.SchoolID, ev.Seq, ev.ID, ev.At.UTC(), ev.Action, ev.ObjectType, ev.ObjectID, ev.IP, ev.UserAgent, string(detail), ev.PrevHash, ev.Hash)
}

func TestTruncatedAuditCaught(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tr := newTrail(t, s, 45)
		tr.checkpoint(t)
		tr.wantProblem(t, "", "")
		// The newest events are cut: the chain that is left is sound, but
		// the checkpoints say it reached 45.
		storetest.Exec(t, s, "DELETE FROM audit_events WHERE school_id = ? AND seq > 41", tr.oak)
		tr.wantProblem(t, tr.oak, "events after 41 are missing: the newest checkpoint is at 45")
		// Cutting the stored checkpoints too leaves the shipped file.
		storetest.Exec(t, s, "DELETE FROM audit_checkpoints WHERE school_id = ?", tr.oak)
		tr.wantProblem(t, tr.oak, "events after 41 are missing: the newest checkpoint is at 45")
		// Every event gone.
		storetest.Exec(t, s, "DELETE FROM audit_events WHERE school_id = ?", tr.oak)
		tr.wantProblem(t, tr.oak, "events after 0 are missing: the newest checkpoint is at 45")
	})
}

func TestTamperAuditRewrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tr := newTrail(t, s, 12)
		tr.checkpoint(t)
		tr.add(t, tr.oak, 3)
		// A rewrite that recomputes every later hash passes the chain, but
		// not the checkpoint at event 12.
		evs, err := s.AuditEventsFrom(context.Background(), tr.oak, 0, 100)
		if err != nil || len(evs) != 15 {
			t.Fatalf("read: %d, %v", len(evs), err)
		}
		prev := audit.Genesis
		for _, ev := range evs {
			if ev.Seq == 5 {
				ev.Action = vigil.AuditSignOut
			}
			if ev.Hash, err = audit.Hash(prev, ev); err != nil {
				t.Fatal(err)
			}
			storetest.Exec(t, s, "UPDATE audit_events SET action = ?, prev_hash = ?, hash = ? WHERE school_id = ? AND seq = ?",
				ev.Action, prev, ev.Hash, tr.oak, ev.Seq)
			prev = ev.Hash
		}
		tr.wantProblem(t, tr.oak, "event 12 does not match the checkpoint signed at")
	})
}

func TestTamperCheckpointSignature(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tr := newTrail(t, s, 10)
		tr.checkpoint(t)
		b, err := os.ReadFile(tr.cp.File)
		if err != nil {
			t.Fatal(err)
		}
		// Move elm's shipped checkpoint back to event 8, to excuse a cut.
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if strings.Contains(l, string(tr.elm)) {
				l = strings.Replace(l, `"seq":10`, `"seq":8`, 1)
			}
			lines = append(lines, l)
		}
		if err := os.WriteFile(tr.cp.File, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		tr.wantProblem(t, tr.elm, "the checkpoint at event 8 in the checkpoint file has a bad signature")

		// A checkpoint signed with another key is refused too.
		other, _, err := audit.LoadKey(filepath.Join(t.TempDir(), "k"), true)
		if err != nil {
			t.Fatal(err)
		}
		tr.cp.Key = other
		tr.add(t, tr.oak, 1)
		tr.checkpoint(t)
		res := tr.verify(t)
		if p := res[tr.oak].Problem; !strings.Contains(p, "the checkpoint at event 11 in the database has a bad signature") {
			t.Errorf("oak: %q", p)
		}
	})
}

func TestTamperAuditKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit-signing.key")
	k1, created, err := audit.LoadKey(path, true)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	k2, created, err := audit.LoadKey(path, true)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("reload: %v %v", created, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := audit.LoadKey(path, false); err == nil || !strings.Contains(err.Error(), "can be read by other users") {
		t.Fatalf("group-readable key: %v", err)
	}
	if _, _, err := audit.LoadKey(filepath.Join(t.TempDir(), "none"), false); vigil.ErrorCode(err) != vigil.ENOTFOUND {
		t.Fatalf("missing key: %v", err)
	}
}
