package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// words returns stand-in index tokens: the store treats tokens as opaque
// bytes, so plain words do.
func words(ws ...string) [][]byte {
	out := make([][]byte, len(ws))
	for i, w := range ws {
		out[i] = []byte(w)
	}
	return out
}

func referralIDs(rs []*store.SealedReferral) []vigil.ReferralID {
	var out []vigil.ReferralID
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func commIDs(cs []*store.SealedCommunication) []vigil.CommunicationID {
	var out []vigil.CommunicationID
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// Referrals and communications are found by their tokens only where the
// filter's reader may see them, with the other filters applied in the same
// query; a concern is never found by the words of a referral or
// communication about it; another school finds nothing.
func TestSearchReferralsAndCommunications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		oak, elm := f.Oak, f.Elm
		amara, ben := oak.Pupils["amara"], oak.Pupils["ben"]
		concern, bullying := commConcern(t, s, oak, "bullying", amara)
		other, _ := commConcern(t, s, oak, "child_protection", amara)
		if err := s.IndexText(oak.Ctx, concern.ID, "concern", string(concern.ID), words("plover")); err != nil {
			t.Fatal(err)
		}

		// Each referral is made (24 hours before its response is due) when
		// its communication took place: two hours and one hour ago.
		linked := newReferral(oak, amara, concern.ID, "police", time.Now().Add(22*time.Hour))
		unlinked := newReferral(oak, amara, "", "camhs", time.Now().Add(23*time.Hour))
		for _, r := range []*store.SealedReferral{linked, unlinked} {
			if err := s.CreateReferral(oak.Ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		linkedComm := newComm(oak, amara, concern.ID, time.Now().Add(-2*time.Hour))
		unlinkedComm := newComm(oak, amara, "", time.Now().Add(-time.Hour))
		for _, c := range []*store.SealedCommunication{linkedComm, unlinkedComm} {
			if err := s.CreateCommunication(oak.Ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		for _, ix := range []struct {
			kind, id string
			words    [][]byte
		}{
			{"referral", string(linked.ID), words("heron", "kestrel")},
			{"referral", string(unlinked.ID), words("heron", "osprey")},
			{"communication", string(linkedComm.ID), words("heron", "kestrel")},
			{"communication", string(unlinkedComm.ID), words("heron", "osprey")},
		} {
			if err := s.IndexRecord(oak.Ctx, ix.kind, ix.id, ix.words); err != nil {
				t.Fatalf("index %s: %v", ix.kind, err)
			}
		}

		dsl := store.Visibility{Person: oak.Staff["dsl"].ID, ViewAll: []vigil.CategoryID{bullying}}
		elsewhere := store.Visibility{Person: oak.Staff["dsl"].ID, ViewAll: []vigil.CategoryID{other.Pupils[0].Categories[0]}}
		reporter := store.Visibility{Person: oak.Staff["teacher"].ID, ViewOwn: []vigil.CategoryID{bullying}}
		year := amara.YearGroup
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			f     store.ReferralFilter
			want  []vigil.ReferralID
			comms []vigil.CommunicationID
		}{
			{"one word", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("heron")},
				[]vigil.ReferralID{linked.ID, unlinked.ID}, []vigil.CommunicationID{unlinkedComm.ID, linkedComm.ID}},
			{"every word", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("heron", "kestrel")},
				[]vigil.ReferralID{linked.ID}, []vigil.CommunicationID{linkedComm.ID}},
			{"a word of another record", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("kestrel", "osprey")}, nil, nil},
			{"the concern's word", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("plover")}, nil, nil},
			{"not unlinked", oak.Ctx, store.ReferralFilter{Visibility: dsl, Tokens: words("heron")},
				[]vigil.ReferralID{linked.ID}, []vigil.CommunicationID{linkedComm.ID}},
			{"not the concern's category", oak.Ctx, store.ReferralFilter{Visibility: elsewhere, Unlinked: true, Tokens: words("heron")},
				[]vigil.ReferralID{unlinked.ID}, []vigil.CommunicationID{unlinkedComm.ID}},
			{"the reporter only", oak.Ctx, store.ReferralFilter{Visibility: reporter, Tokens: words("heron")}, nil, nil},
			{"another pupil", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("heron"), Pupil: ben.ID}, nil, nil},
			{"the category", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("heron"), Category: bullying},
				[]vigil.ReferralID{linked.ID}, []vigil.CommunicationID{linkedComm.ID}},
			{"the year group", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("heron"), YearGroup: year},
				[]vigil.ReferralID{linked.ID, unlinked.ID}, []vigil.CommunicationID{unlinkedComm.ID, linkedComm.ID}},
			{"another year group", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("heron"), YearGroup: year + "0"}, nil, nil},
			{"later", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("heron"), From: time.Now().Add(time.Hour)}, nil, nil},
			{"earlier", oak.Ctx, store.ReferralFilter{Visibility: dsl, Unlinked: true, Tokens: words("heron"), To: time.Now().Add(-90 * time.Minute)},
				[]vigil.ReferralID{linked.ID}, []vigil.CommunicationID{linkedComm.ID}},
			{"another school", elm.Ctx, store.ReferralFilter{Visibility: store.Visibility{All: true}, Tokens: words("heron")}, nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.FindReferrals(tc.ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				gotIDs := referralIDs(got)
				slices.Sort(gotIDs)
				want := slices.Clone(tc.want)
				slices.Sort(want)
				if !slices.Equal(gotIDs, want) {
					t.Errorf("referrals = %v, want %v", gotIDs, want)
				}
				if n, err := s.CountReferrals(tc.ctx, tc.f); err != nil || n != len(tc.want) {
					t.Errorf("count = %d, %v; want %d", n, err, len(tc.want))
				}
				cf := store.CommunicationFilter{Visibility: tc.f.Visibility, Unlinked: tc.f.Unlinked, Pupil: tc.f.Pupil, Tokens: tc.f.Tokens,
					Category: tc.f.Category, YearGroup: tc.f.YearGroup, From: tc.f.From, To: tc.f.To, NewestFirst: true}
				cs, err := s.FindCommunications(tc.ctx, cf)
				if err != nil {
					t.Fatal(err)
				}
				if got := commIDs(cs); !slices.Equal(got, tc.comms) {
					t.Errorf("communications = %v, want %v (newest first)", got, tc.comms)
				}
			})
		}

		// A concern is found by its own words, never by those of a
		// referral or communication about it.
		all := store.Visibility{All: true}
		if ids, err := s.SearchConcerns(oak.Ctx, words("heron"), all, 50); err != nil || len(ids) != 0 {
			t.Errorf("concerns found by a referral's word: %v, %v", ids, err)
		}
		if ids, err := s.SearchConcerns(oak.Ctx, words("plover"), all, 50); err != nil || !slices.Equal(ids, []vigil.ConcernID{concern.ID}) {
			t.Errorf("concerns found by their own word: %v, %v", ids, err)
		}

		// Text added to a record adds to its tokens; indexing it again
		// replaces them.
		find := func(ws ...string) []vigil.ReferralID {
			t.Helper()
			rs, err := s.FindReferrals(oak.Ctx, store.ReferralFilter{Visibility: all, Tokens: words(ws...)})
			if err != nil {
				t.Fatal(err)
			}
			return referralIDs(rs)
		}
		if err := s.AddToIndex(oak.Ctx, "referral", string(linked.ID), words("gannet")); err != nil {
			t.Fatal(err)
		}
		if got := find("kestrel", "gannet"); !slices.Equal(got, []vigil.ReferralID{linked.ID}) {
			t.Errorf("after adding: %v", got)
		}
		if err := s.IndexRecord(oak.Ctx, "referral", string(linked.ID), words("tern")); err != nil {
			t.Fatal(err)
		}
		if got := find("kestrel"); len(got) != 0 {
			t.Errorf("old tokens kept after indexing again: %v", got)
		}
		if got := find("tern"); !slices.Equal(got, []vigil.ReferralID{linked.ID}) {
			t.Errorf("after indexing again: %v", got)
		}

		// Each index takes only its own kinds of record.
		if err := s.IndexRecord(oak.Ctx, "concern", string(concern.ID), words("x")); err == nil {
			t.Error("IndexRecord took a concern")
		}
		if err := s.AddToIndex(oak.Ctx, "note", string(concern.ID), words("x")); err == nil {
			t.Error("AddToIndex took a note")
		}
		if err := s.IndexText(oak.Ctx, concern.ID, "referral", string(linked.ID), words("x")); err == nil {
			t.Error("IndexText took a referral")
		}
	})
}

// Key events are listed per pupil and school, whatever the kind of item.
func TestFindKeyEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		oak, elm := f.Oak, f.Elm
		amara := oak.Pupils["amara"]
		r := newReferral(oak, amara, "", "camhs", time.Now().Add(time.Hour))
		if err := s.CreateReferral(oak.Ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.SetKeyEvent(oak.Ctx, amara.ID, string(r.ID), true, oak.Staff["dsl"].ID); err != nil {
			t.Fatal(err)
		}
		keys, err := s.FindKeyEvents(oak.Ctx, amara.ID)
		if err != nil || len(keys) != 1 || !keys[string(r.ID)] {
			t.Fatalf("key events = %v, %v", keys, err)
		}
		if keys, err := s.FindKeyEvents(oak.Ctx, oak.Pupils["ben"].ID); err != nil || len(keys) != 0 {
			t.Errorf("another pupil's key events = %v, %v", keys, err)
		}
		if keys, err := s.FindKeyEvents(elm.Ctx, amara.ID); err != nil || len(keys) != 0 {
			t.Errorf("another school's key events = %v, %v", keys, err)
		}
		if err := s.SetKeyEvent(oak.Ctx, amara.ID, string(r.ID), false, oak.Staff["dsl"].ID); err != nil {
			t.Fatal(err)
		}
		if keys, err := s.FindKeyEvents(oak.Ctx, amara.ID); err != nil || len(keys) != 0 {
			t.Errorf("after unmarking: %v, %v", keys, err)
		}
	})
}

// Migration 00014 keeps the tokens there were, lets referrals and
// communications be indexed with no concern (and nothing else be), and
// going down again drops only their tokens. The data is written by the
// store at the newest version, taken down to 13 and up again, since the
// store of today may need columns of later migrations.
func TestSearchRecordsMigration(t *testing.T) {
	type db struct {
		dialect goose.Dialect
		dir     string
		url     string // for store.Open
		raw     *sql.DB
	}
	run := func(t *testing.T, d db) {
		ctx := context.Background()
		s, err := store.Open(ctx, d.url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		_, latest, err := s.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := goose.NewProvider(d.dialect, d.raw, os.DirFS(d.dir))
		if err != nil {
			t.Fatal(err)
		}
		f := storetest.Seed(t, s)
		oak := f.Oak
		c, _ := commConcern(t, s, oak, "bullying", oak.Pupils["amara"])
		if err := s.IndexText(oak.Ctx, c.ID, "concern", string(c.ID), words("plover", "heron")); err != nil {
			t.Fatal(err)
		}
		r := newReferral(oak, oak.Pupils["amara"], "", "camhs", time.Now().Add(time.Hour))
		if err := s.CreateReferral(oak.Ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.IndexRecord(oak.Ctx, "referral", string(r.ID), words("heron")); err != nil {
			t.Fatal(err)
		}
		insert := func(token string, source, concern any, kind string) error {
			_, err := d.raw.ExecContext(ctx, rebind(d.dialect, `INSERT INTO search_tokens (school_id, token, source_id, concern_id, kind) VALUES (?, ?, ?, ?, ?)`),
				string(oak.ID), []byte(token), source, concern, kind)
			return err
		}
		count := func() int {
			t.Helper()
			var n int
			if err := d.raw.QueryRowContext(ctx, `SELECT count(*) FROM search_tokens`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Down: the referral's token goes, the concern's two stay, and the
		// old constraints are back.
		if _, err := p.DownTo(ctx, 13); err != nil {
			t.Fatalf("down to 13: %v", err)
		}
		if n := count(); n != 2 {
			t.Fatalf("%d tokens at 13, want the concern's 2", n)
		}
		if err := insert("osprey", vigil.NewID(), nil, "referral"); err == nil {
			t.Error("a referral's token was taken at version 13")
		}

		// Up: the concern's tokens are kept; the new constraints hold.
		if _, err := p.UpTo(ctx, 14); err != nil {
			t.Fatalf("up to 14: %v", err)
		}
		if n := count(); n != 2 {
			t.Fatalf("%d tokens at 14, want the concern's 2", n)
		}
		for name, row := range map[string]struct {
			concern any
			kind    string
		}{
			"concern without its concern":    {nil, "concern"},
			"referral naming a concern":      {string(c.ID), "referral"},
			"communication naming a concern": {string(c.ID), "communication"},
			"unknown kind":                   {nil, "pupil"},
			"document naming the concern":    {string(c.ID), "document"},
		} {
			if err := insert("kite", vigil.NewID(), row.concern, row.kind); err == nil {
				t.Errorf("%s: taken", name)
			}
		}
		if err := insert("osprey", string(r.ID), nil, "referral"); err != nil {
			t.Errorf("a referral's token at 14: %v", err)
		}

		// And the store finds both again at the newest version.
		if _, err := p.UpTo(ctx, latest); err != nil {
			t.Fatalf("up to %d: %v", latest, err)
		}
		all := store.Visibility{All: true}
		if ids, err := s.SearchConcerns(oak.Ctx, words("plover", "heron"), all, 10); err != nil || !slices.Equal(ids, []vigil.ConcernID{c.ID}) {
			t.Errorf("the concern by its tokens: %v, %v", ids, err)
		}
		if rs, err := s.FindReferrals(oak.Ctx, store.ReferralFilter{Visibility: all, Tokens: words("osprey")}); err != nil || len(rs) != 1 {
			t.Errorf("the referral by its token: %v, %v", rs, err)
		}
	}

	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "vigil.db")
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite")
		if err != nil {
			t.Fatal(err)
		}
		raw.SetMaxOpenConns(1)
		t.Cleanup(func() { raw.Close() })
		run(t, db{dialect: goose.DialectSQLite3, dir: "migrations/sqlite", url: "sqlite:" + path, raw: raw})
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv(storetest.PostgresEnv)
		if base == "" {
			t.Skip(storetest.PostgresEnv + " not set; PostgreSQL skipped")
		}
		t.Parallel()
		url := storetest.NewPostgresSchema(t, base)
		raw, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		run(t, db{dialect: goose.DialectPostgres, dir: "migrations/postgres", url: url, raw: raw})
	})
}

// rebind turns ? placeholders into PostgreSQL's $1, $2...
func rebind(d goose.Dialect, q string) string {
	if d != goose.DialectPostgres {
		return q
	}
	out, n := make([]byte, 0, len(q)+8), 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, '$')
			out = strconv.AppendInt(out, int64(n), 10)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
