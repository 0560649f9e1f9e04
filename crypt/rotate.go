package crypt

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
)

// Rotate makes a new version of the school's key (the first, then a second,
// if it has none) and makes it active: new values use it at once, in this
// process, and in others within TTL. Reencrypt then moves old values and
// destroys the old version. It returns the new version.
func (v *Vault) Rotate(ctx context.Context, school vigil.SchoolID) (uint32, error) {
	if _, _, err := v.active(ctx, school); err != nil {
		return 0, err
	}
	version, err := v.store.RotateSchoolKey(ctx, school, func(version uint32) ([]byte, string, error) {
		return v.newKey(school, version)
	})
	v.forget(school)
	if err != nil {
		return 0, err
	}
	return version, nil
}

// Progress is what one Reencrypt pass of a school did.
type Progress struct {
	Active     uint32   // the version values are moved to
	Resealed   int      // values moved to the active version
	Unreadable int      // values whose key is gone or that fail to open: left as they are
	Destroyed  []uint32 // versions destroyed
	Retiring   []uint32 // versions still retiring: in use, or retired less than Grace ago
}

// Reencrypt moves every value of the school's sealed columns that is not
// on the active key version onto it, in batches of Batch values per
// transaction, then destroys each retiring version that no value uses and
// that retired more than Grace ago. Writers may keep writing meanwhile: a
// value changed under a batch is left as the writer saved it. report, if
// not nil, is told after each batch.
func (v *Vault) Reencrypt(ctx context.Context, school vigil.SchoolID, report func(table, field string, resealed int)) (Progress, error) {
	var p Progress
	sk, err := v.keys(ctx, school, true)
	if err != nil {
		return p, err
	}
	keys, err := v.store.SchoolKeys(ctx, school)
	if err != nil {
		return p, err
	}
	var retiring []uint32
	for _, k := range keys {
		if k.State == store.KeyRetiring {
			retiring = append(retiring, k.Version)
		}
	}
	p.Active = sk.active
	if sk.active == 0 || len(retiring) == 0 {
		return p, nil
	}
	to := sk.aeads[sk.active]
	if to == nil {
		return p, fmt.Errorf("crypt: the active key (version %d) cannot be unwrapped: %w", sk.active, ErrUnwrap)
	}
	for _, c := range v.Columns {
		for _, field := range c.Fields {
			after := ""
			for {
				last, n, err := v.store.ResealBatch(ctx, school, c, field, sk.active, after, v.Batch, func(id string, sealed []byte) ([]byte, error) {
					from := sk.aeads[SealedVersion(sealed)]
					if from == nil || len(sealed) < recordHeaderSize+recordNonceSize+recordTagSize {
						p.Unreadable++
						return nil, nil
					}
					plain, err := openRecord(from, school, c.Table, id, field, sealed)
					if err != nil {
						p.Unreadable++
						return nil, nil
					}
					return sealRecord(to, sk.active, school, c.Table, id, field, plain), nil
				})
				if err != nil {
					return p, err
				}
				if last == "" {
					break
				}
				p.Resealed += n
				if report != nil {
					report(c.Table, field, p.Resealed)
				}
				after = last
			}
		}
	}
	before := v.now().Add(-v.Grace)
	for _, version := range retiring {
		ok, err := v.store.DestroySchoolKey(ctx, school, version, before, v.Columns)
		if err != nil {
			return p, err
		}
		if ok {
			p.Destroyed = append(p.Destroyed, version)
		} else {
			p.Retiring = append(p.Retiring, version)
		}
	}
	if len(p.Destroyed) > 0 {
		v.forget(school)
	}
	return p, nil
}

// ReencryptAll runs Reencrypt for every school with a retiring key.
func (v *Vault) ReencryptAll(ctx context.Context, log *slog.Logger) error {
	schools, err := v.store.FindSchools(ctx)
	if err != nil {
		return err
	}
	for _, sc := range schools {
		p, err := v.Reencrypt(ctx, sc.ID, nil)
		if err != nil {
			return fmt.Errorf("re-encrypt school %s: %w", sc.Slug, err)
		}
		if p.Resealed > 0 || len(p.Destroyed) > 0 || p.Unreadable > 0 {
			log.Info("school key rotation", slog.String("school", sc.Slug), slog.Int("resealed", p.Resealed),
				slog.Int("unreadable", p.Unreadable), slog.Any("destroyed", p.Destroyed), slog.Any("retiring", p.Retiring))
		}
	}
	return nil
}

// RunReencryption calls ReencryptAll every interval until ctx ends, so a
// rotation started by `vigil keys rotate` finishes even if that command
// stopped early.
func (v *Vault) RunReencryption(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := v.ReencryptAll(ctx, log); err != nil && ctx.Err() == nil {
				log.Warn("school key rotation", slog.Any("err", err))
			}
		}
	}
}

// Rewrap wraps each of the school's live keys under to, the new master key
// (or KMS key), unwrapping with whichever of the vault's wrappers wrapped
// it. Keys already under to are left. It returns how many changed.
func (v *Vault) Rewrap(ctx context.Context, school vigil.SchoolID, to KeyWrapper) (int, error) {
	n, err := v.store.RewrapSchoolKeys(ctx, school, func(k store.SchoolKey) ([]byte, string, bool, error) {
		if k.WrapperID == to.ID() {
			return nil, "", false, nil
		}
		w := v.wrappers[k.WrapperID]
		if w == nil {
			return nil, "", false, fmt.Errorf("crypt: key version %d is wrapped by %s, which this vault does not hold", k.Version, k.WrapperID)
		}
		key, err := w.Unwrap(k.Wrapped, school, k.Version)
		if err != nil {
			return nil, "", false, fmt.Errorf("crypt: key version %d: %w", k.Version, err)
		}
		wrapped, err := to.Wrap(key, school, k.Version)
		if err != nil {
			return nil, "", false, err
		}
		return wrapped, to.ID(), true, nil
	})
	v.forget(school)
	if err != nil {
		return n, err
	}
	changed, err := v.rewrapSearchKey(ctx, school, to)
	if changed {
		n++
	}
	return n, err
}
