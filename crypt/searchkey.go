package crypt

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/search"
)

// searchKeyVersion is the version a school's search secret is wrapped
// under. Data key versions start at 1, so a wrapped search secret can never
// be mistaken for, or swapped with, a data key.
const searchKeyVersion = 0

// SearchKey returns the school's blind-index key. It comes from a random
// secret of the school's own, wrapped by the master key and kept apart from
// its data keys: rotating the data key leaves the index as it is, and
// knowing the search key opens no record. The first call for a school
// makes the secret.
func (v *Vault) SearchKey(ctx context.Context, school vigil.SchoolID) (search.Key, error) {
	v.mu.Lock()
	k, ok := v.searchKeys[school]
	v.mu.Unlock()
	if ok {
		return k, nil
	}
	wrapped, id, err := v.store.SchoolSearchKey(ctx, school)
	if err != nil {
		return search.Key{}, err
	}
	if wrapped == nil {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		w, err := v.wrapper.Wrap(secret, school, searchKeyVersion)
		if err != nil {
			return search.Key{}, fmt.Errorf("crypt: wrap search key: %w", err)
		}
		if _, err := v.store.SaveSchoolSearchKey(ctx, school, w, v.wrapper.ID(), false); err != nil {
			return search.Key{}, err
		}
		// Another process may have saved one first: read what was kept.
		if wrapped, id, err = v.store.SchoolSearchKey(ctx, school); err != nil {
			return search.Key{}, err
		}
	}
	w := v.wrappers[id]
	if w == nil {
		return search.Key{}, ErrUnwrap
	}
	secret, err := w.Unwrap(wrapped, school, searchKeyVersion)
	if err != nil {
		return search.Key{}, err
	}
	k = search.DeriveKey(secret, string(school), 1)
	v.mu.Lock()
	v.searchKeys[school] = k
	v.mu.Unlock()
	return k, nil
}

// rewrapSearchKey wraps the school's search secret under to.
func (v *Vault) rewrapSearchKey(ctx context.Context, school vigil.SchoolID, to KeyWrapper) (bool, error) {
	wrapped, id, err := v.store.SchoolSearchKey(ctx, school)
	if err != nil || wrapped == nil || id == to.ID() {
		return false, err
	}
	w := v.wrappers[id]
	if w == nil {
		return false, fmt.Errorf("crypt: the search key is wrapped by %s, which this vault does not hold", id)
	}
	secret, err := w.Unwrap(wrapped, school, searchKeyVersion)
	if err != nil {
		return false, fmt.Errorf("crypt: search key: %w", err)
	}
	nw, err := to.Wrap(secret, school, searchKeyVersion)
	if err != nil {
		return false, err
	}
	return v.store.SaveSchoolSearchKey(ctx, school, nw, to.ID(), true)
}
