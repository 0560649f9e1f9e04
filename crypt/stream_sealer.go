package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// NewDerivedSealer returns a sealer for small values that travel with a
// stream, such as a document's file name, its AES-256-GCM key derived from
// the 32-byte key with HKDF-SHA256 and purpose, so each purpose has a key of
// its own. purpose names the use and its version, e.g. "vigil document name
// v1". It returns ErrStreamKey for a key of the wrong length.
func NewDerivedSealer(key []byte, purpose string) (*Sealer, error) {
	if len(key) != 32 {
		return nil, ErrStreamKey
	}
	k, err := hkdf.Key(sha256.New, key, nil, purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("crypt: derive key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}
