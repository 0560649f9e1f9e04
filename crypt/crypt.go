// Package crypt seals secrets with AES-256-GCM under keys derived from the
// operator's master key. Every sealed value is bound by additional data to
// where it belongs (table, row and field), so a ciphertext copied to another
// row or field fails to open.
//
// This package holds the service's own key for secrets that belong to a
// person rather than a school (TOTP secrets). The records vault adds one
// wrapped data key per school beside it.
package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
)

// MasterKeySize is the length of the master key in bytes.
const MasterKeySize = 32

// LoadMasterKey reads the master key file: exactly 32 bytes, readable by its
// owner only.
func LoadMasterKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the master key file %s can be read by other users (mode %v); run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	if len(key) != MasterKeySize {
		return nil, fmt.Errorf("the master key file %s must hold exactly %d bytes", path, MasterKeySize)
	}
	return key, nil
}

// Sealer seals and opens small secrets with one AES-256-GCM key.
type Sealer struct {
	aead cipher.AEAD
}

// NewPersonSealer returns the sealer for person-level secrets, its key
// derived from the master key with HKDF-SHA256.
func NewPersonSealer(master []byte) (*Sealer, error) {
	if len(master) != MasterKeySize {
		return nil, errors.New("crypt: master key must be 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, master, nil, "vigil person secrets v1", 32)
	if err != nil {
		return nil, fmt.Errorf("crypt: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// AAD names where a sealed value belongs, e.g. AAD("persons", id,
// "totp_secret").
func AAD(table, id, field string) []byte {
	return []byte("vigil|" + table + "|" + id + "|" + field)
}

// Seal encrypts plaintext bound to aad. The result is a random 96-bit nonce
// followed by the ciphertext and tag.
func (s *Sealer) Seal(plaintext, aad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, aad)
}

// ErrOpen is returned for a sealed value that is damaged, moved or sealed
// under another key. It says nothing about the content.
var ErrOpen = errors.New("crypt: sealed value cannot be opened")

// Open decrypts a value Seal made with the same aad.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrOpen
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
