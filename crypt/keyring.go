package crypt

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/search"
	"github.com/vigil-safeguarding/vigil/store"
)

// KeyWrapper wraps and unwraps school data keys. The master key is one; a
// KMS can be another. ID names the wrapping key, so each stored key says
// which wrapper opens it.
type KeyWrapper interface {
	ID() string
	Wrap(dataKey []byte, school vigil.SchoolID, version uint32) ([]byte, error)
	Unwrap(wrapped []byte, school vigil.SchoolID, version uint32) ([]byte, error)
}

// MasterKeyFromEnv decodes the master key given in an environment variable
// (VIGIL_MASTER_KEY): standard base64 of 32 bytes.
func MasterKeyFromEnv(value string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil || len(key) != MasterKeySize {
		return nil, errors.New("VIGIL_MASTER_KEY must be the base64 of exactly 32 bytes")
	}
	return key, nil
}

// MasterWrapper wraps school keys with AES-256-GCM under a key derived from
// the master key, bound to the school and version.
type MasterWrapper struct {
	aead cipher.AEAD
	id   string
}

// NewMasterWrapper returns the wrapper for a 32-byte master key.
func NewMasterWrapper(master []byte) (*MasterWrapper, error) {
	if len(master) != MasterKeySize {
		return nil, errors.New("crypt: master key must be 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, master, nil, "vigil school key wrap v1", 32)
	if err != nil {
		return nil, fmt.Errorf("crypt: derive key: %w", err)
	}
	fp, err := hkdf.Key(sha256.New, master, nil, "vigil master key id v1", 6)
	if err != nil {
		return nil, fmt.Errorf("crypt: derive key id: %w", err)
	}
	aead, err := keyAEAD(key)
	if err != nil {
		return nil, err
	}
	return &MasterWrapper{aead: aead, id: "master:" + hex.EncodeToString(fp)}, nil
}

// ID names the master key by a fingerprint that reveals nothing of it.
func (m *MasterWrapper) ID() string { return m.id }

func wrapAAD(school vigil.SchoolID, version uint32) []byte {
	return []byte("vigil|school_keys|" + string(school) + "|" + strconv.FormatUint(uint64(version), 10))
}

// Wrap seals a data key: a random nonce, then ciphertext and tag.
func (m *MasterWrapper) Wrap(dataKey []byte, school vigil.SchoolID, version uint32) ([]byte, error) {
	nonce := make([]byte, m.aead.NonceSize(), m.aead.NonceSize()+len(dataKey)+m.aead.Overhead())
	_, _ = rand.Read(nonce)
	return m.aead.Seal(nonce, nonce, dataKey, wrapAAD(school, version)), nil
}

// Unwrap opens what Wrap made for the same school and version.
func (m *MasterWrapper) Unwrap(wrapped []byte, school vigil.SchoolID, version uint32) ([]byte, error) {
	n := m.aead.NonceSize()
	if len(wrapped) < n+m.aead.Overhead() {
		return nil, ErrUnwrap
	}
	key, err := m.aead.Open(nil, wrapped[:n], wrapped[n:], wrapAAD(school, version))
	if err != nil {
		return nil, ErrUnwrap
	}
	return key, nil
}

// ErrUnwrap is returned for a school key the wrapper cannot open.
var ErrUnwrap = errors.New("crypt: school key cannot be unwrapped with this master key")

// ErrNoKey is returned for a value sealed with a key version the school
// does not have: destroyed, or never made.
var ErrNoKey = errors.New("crypt: the key this value was sealed with is not available")

func keyAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Sealed values are: format (1 byte), key version (4 bytes, big-endian),
// nonce (12 bytes), ciphertext and tag. The store reads the version from
// bytes 2 to 5 to find values still on an old key.
const (
	recordFormat     = 1
	recordHeaderSize = 5
	recordNonceSize  = 12
	recordTagSize    = 16
)

// SealedVersion returns the key version a sealed value names, or 0 if it is not
// a sealed value.
func SealedVersion(sealed []byte) uint32 {
	if len(sealed) < recordHeaderSize || sealed[0] != recordFormat {
		return 0
	}
	return binary.BigEndian.Uint32(sealed[1:recordHeaderSize])
}

// recordAAD binds a value to its header and its place: school, table, row
// and field, each length-prefixed so no two places share a binding.
func recordAAD(header []byte, school vigil.SchoolID, table, rowID, field string) []byte {
	parts := [...]string{"vigil record", string(school), table, rowID, field}
	n := len(header)
	for _, p := range parts {
		n += 4 + len(p)
	}
	b := make([]byte, 0, n)
	b = append(b, header...)
	for _, p := range parts {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}

// Vault seals and opens school records under the school's data keys. It
// keeps unwrapped keys in memory for TTL, then reads the keyring again, so
// a rotation by another process is picked up within seconds.
type Vault struct {
	store    *store.Store
	wrapper  KeyWrapper            // wraps new keys
	wrappers map[string]KeyWrapper // opens stored keys, by ID

	// TTL is how long a school's keys are used before the keyring is read
	// again. Grace is how long a retired version is kept, even when no value
	// uses it, so processes that have not yet read the keyring again stop
	// sealing with it first; it must exceed TTL.
	TTL, Grace time.Duration
	// Columns lists the fields sealed with school keys, for re-encryption.
	Columns []store.SealedColumn
	// Batch is how many values re-encryption changes per transaction.
	Batch int

	mu         sync.Mutex
	cache      map[vigil.SchoolID]*schoolKeys
	searchKeys map[vigil.SchoolID]search.Key
	now        func() time.Time
}

// SealedColumns lists every field the application seals with school keys,
// so that re-encryption after a rotation and `vigil keys status` find them
// all. A new sealed field must be added here.
var SealedColumns = []store.SealedColumn{
	{Table: "concerns", ID: "id", Fields: []string{"location", "body", "agencies", "body_map", "outcome"}},
	{Table: "concern_notes", ID: "id", Fields: []string{"body"}},
	{Table: "actions", ID: "id", Fields: []string{"body"}},
	{Table: "revisions", ID: "id", Fields: []string{"old", "reason"}},
	{Table: "documents", ID: "id", Fields: []string{"doc_key", "name"}},
	{Table: "referrals", ID: "id", Fields: []string{"contact", "details", "response", "outcome"}},
	{Table: "communications", ID: "id", Fields: []string{"with_name", "with_detail", "others", "body", "agreed"}},
	{Table: "mis_links", ID: "school_id", Fields: []string{"token"}},
}

// NewVault returns a vault over the keyring in s. w wraps new keys; w and
// older open existing ones (while a master key rotation is under way).
func NewVault(s *store.Store, w KeyWrapper, older ...KeyWrapper) *Vault {
	v := &Vault{store: s, wrapper: w, wrappers: map[string]KeyWrapper{w.ID(): w},
		TTL: 5 * time.Second, Grace: 15 * time.Second, Columns: SealedColumns, Batch: 200,
		cache: map[vigil.SchoolID]*schoolKeys{}, searchKeys: map[vigil.SchoolID]search.Key{}, now: time.Now}
	for _, o := range older {
		v.wrappers[o.ID()] = o
	}
	return v
}

// schoolKeys is one school's unwrapped keys as read at one moment.
type schoolKeys struct {
	at     time.Time
	active uint32 // 0: the school has no key yet
	aeads  map[uint32]cipher.AEAD
}

// keys returns the school's keys, reading the keyring if the cached copy is
// older than TTL or fresh is set.
func (v *Vault) keys(ctx context.Context, school vigil.SchoolID, fresh bool) (*schoolKeys, error) {
	v.mu.Lock()
	old := v.cache[school]
	v.mu.Unlock()
	if old != nil && !fresh && v.now().Sub(old.at) < v.TTL {
		return old, nil
	}
	rows, err := v.store.SchoolKeys(ctx, school)
	if err != nil {
		return nil, err
	}
	sk := &schoolKeys{at: v.now(), aeads: map[uint32]cipher.AEAD{}}
	for _, k := range rows {
		if k.State == store.KeyDestroyed {
			continue
		}
		if k.State == store.KeyActive {
			sk.active = k.Version
		}
		// A version's data key never changes (a master key rotation only
		// rewraps it), so one already unwrapped is kept.
		if old != nil && old.aeads[k.Version] != nil {
			sk.aeads[k.Version] = old.aeads[k.Version]
			continue
		}
		aead, err := v.unwrap(k)
		if err != nil {
			continue // left out: Seal or Open with it reports the key unavailable
		}
		sk.aeads[k.Version] = aead
	}
	v.mu.Lock()
	v.cache[school] = sk
	v.mu.Unlock()
	return sk, nil
}

func (v *Vault) unwrap(k store.SchoolKey) (cipher.AEAD, error) {
	w := v.wrappers[k.WrapperID]
	if w == nil {
		return nil, ErrUnwrap
	}
	key, err := w.Unwrap(k.Wrapped, k.School, k.Version)
	if err != nil {
		return nil, err
	}
	return keyAEAD(key)
}

// forget drops a school's cached keys.
func (v *Vault) forget(school vigil.SchoolID) {
	v.mu.Lock()
	delete(v.cache, school)
	v.mu.Unlock()
}

// newKey makes and wraps a random data key for the school's version.
func (v *Vault) newKey(school vigil.SchoolID, version uint32) ([]byte, string, error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	wrapped, err := v.wrapper.Wrap(key, school, version)
	if err != nil {
		return nil, "", fmt.Errorf("crypt: wrap school key: %w", err)
	}
	return wrapped, v.wrapper.ID(), nil
}

// active returns the school's active version and key, making the first key
// if the school has none.
func (v *Vault) active(ctx context.Context, school vigil.SchoolID) (uint32, cipher.AEAD, error) {
	if school == "" {
		return 0, nil, errors.New("crypt: no school to seal for")
	}
	sk, err := v.keys(ctx, school, false)
	if err != nil {
		return 0, nil, err
	}
	if sk.active != 0 {
		if aead := sk.aeads[sk.active]; aead != nil {
			return sk.active, aead, nil
		}
		return 0, nil, fmt.Errorf("crypt: the active key (version %d) cannot be unwrapped: %w", sk.active, ErrUnwrap)
	}
	wrapped, id, err := v.newKey(school, 1)
	if err != nil {
		return 0, nil, err
	}
	// The first key may be saved inside the caller's transaction, which may
	// yet roll back: it is used now but not cached.
	k, err := v.store.EnsureSchoolKey(ctx, store.SchoolKey{School: school, Version: 1, Wrapped: wrapped, WrapperID: id})
	if err != nil {
		return 0, nil, err
	}
	v.forget(school)
	aead, err := v.unwrap(k)
	if err != nil {
		return 0, nil, fmt.Errorf("crypt: the active key (version %d) cannot be unwrapped: %w", k.Version, err)
	}
	return k.Version, aead, nil
}

// Seal encrypts plaintext with the school's active key, bound to the
// school, table, row and field it is stored in.
func (v *Vault) Seal(ctx context.Context, school vigil.SchoolID, table, rowID, field string, plaintext []byte) ([]byte, error) {
	version, aead, err := v.active(ctx, school)
	if err != nil {
		return nil, err
	}
	return sealRecord(aead, version, school, table, rowID, field, plaintext), nil
}

func sealRecord(aead cipher.AEAD, version uint32, school vigil.SchoolID, table, rowID, field string, plaintext []byte) []byte {
	out := make([]byte, recordHeaderSize+recordNonceSize, recordHeaderSize+recordNonceSize+len(plaintext)+recordTagSize)
	out[0] = recordFormat
	binary.BigEndian.PutUint32(out[1:recordHeaderSize], version)
	_, _ = rand.Read(out[recordHeaderSize:])
	return aead.Seal(out, out[recordHeaderSize:], plaintext, recordAAD(out[:recordHeaderSize], school, table, rowID, field))
}

// Open decrypts a value Seal made for the same school, table, row and
// field. A damaged or moved value is ErrOpen; one sealed with a destroyed
// or unknown key version is ErrNoKey. Neither says anything of the content.
func (v *Vault) Open(ctx context.Context, school vigil.SchoolID, table, rowID, field string, sealed []byte) ([]byte, error) {
	version := SealedVersion(sealed)
	if version == 0 || len(sealed) < recordHeaderSize+recordNonceSize+recordTagSize {
		return nil, ErrOpen
	}
	sk, err := v.keys(ctx, school, false)
	if err != nil {
		return nil, err
	}
	aead := sk.aeads[version]
	if aead == nil && version > sk.active {
		// Perhaps a newer version another process has just made.
		if sk, err = v.keys(ctx, school, true); err != nil {
			return nil, err
		}
		aead = sk.aeads[version]
	}
	if aead == nil {
		return nil, ErrNoKey
	}
	return openRecord(aead, school, table, rowID, field, sealed)
}

func openRecord(aead cipher.AEAD, school vigil.SchoolID, table, rowID, field string, sealed []byte) ([]byte, error) {
	aad := recordAAD(sealed[:recordHeaderSize], school, table, rowID, field)
	out, err := aead.Open(nil, sealed[recordHeaderSize:recordHeaderSize+recordNonceSize], sealed[recordHeaderSize+recordNonceSize:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
