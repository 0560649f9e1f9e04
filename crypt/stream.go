package crypt

// Streaming authenticated encryption for documents of any size, in constant
// memory. The construction is STREAM (Hoang, Reyhanitabar, Rogaway and Vizár,
// "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance",
// 2015) over AES-256-GCM:
//
//	header  magic "VGLS" | version 1 | salt (16) | nonce prefix (7)    28 bytes
//	chunk i AES-256-GCM(fileKey, nonce = prefix | i (uint32, big-endian) | last,
//	                    plaintext 64 KiB (the last one 0..64 KiB),
//	                    additional data = header | caller's aad)
//
// fileKey is HKDF-SHA256(key, salt, "vigil stream v1"), fresh for every
// document because the salt is random, so nonces never repeat under one key.
// The chunk counter in the nonce catches reordered, dropped or duplicated
// chunks; the last-chunk flag catches a stream cut at a chunk boundary; the
// header in every chunk's additional data ties each chunk to its own document
// (a chunk swapped in from another document fails) and authenticates the
// header; the caller's aad (school, record and field) ties the whole document
// to where it belongs, so a document copied to another record fails.
//
// Only the final chunk may be shorter than 64 KiB, and a writer emits an empty
// final chunk only for an empty document, so every stream has exactly one
// chunk flagged last and it is the one that ends the input.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// StreamChunkSize is the plaintext length of every chunk but the last.
const StreamChunkSize = 64 << 10

const (
	streamMagic      = "VGLS"
	streamVersion    = 1
	streamSaltSize   = 16
	streamPrefixSize = 7
	// StreamHeaderSize is the length of the header that starts every stream.
	StreamHeaderSize = len(streamMagic) + 1 + streamSaltSize + streamPrefixSize
	// StreamOverhead is the length a sealed chunk adds to its plaintext.
	StreamOverhead  = 16
	streamNonceSize = 12
	streamInfo      = "vigil stream v1"
)

// ErrStreamKey is returned for a key that is not 32 bytes long.
var ErrStreamKey = errors.New("crypt: stream key must be 32 bytes")

// streamAEAD derives the file key from key and salt and returns its AES-GCM.
func streamAEAD(key, salt []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, ErrStreamKey
	}
	fileKey, err := hkdf.Key(sha256.New, key, salt, streamInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("crypt: derive stream key: %w", err)
	}
	block, err := aes.NewCipher(fileKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// streamAD returns the additional data of every chunk: the header, then the
// caller's aad. The header has a fixed length, so the two cannot run together.
func streamAD(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	return append(append(ad, header...), aad...)
}

// setNonce writes chunk i's nonce into nonce, whose first bytes hold the prefix.
func setNonce(nonce *[streamNonceSize]byte, i uint64, last bool) {
	binary.BigEndian.PutUint32(nonce[streamPrefixSize:], uint32(i))
	nonce[streamNonceSize-1] = 0
	if last {
		nonce[streamNonceSize-1] = 1
	}
}

// streamWriter seals what is written to it, one chunk at a time.
type streamWriter struct {
	w     io.Writer
	aead  cipher.AEAD
	ad    []byte
	nonce [streamNonceSize]byte
	i     uint64 // index of the next chunk
	buf   []byte // pending plaintext; capacity for a sealed chunk
	spare []byte // ReadFrom's second buffer, made on first use
	err   error  // sticky: once a write fails, the stream is broken
}

// NewStreamWriter writes the stream header to w and returns a writer that
// encrypts everything written to it under a fresh file key derived from the
// 32-byte key, bound to aad (for example the school, record and field). Close
// must be called to write the final chunk; without it the stream is refused as
// truncated. Close does not close w. The writer holds one chunk in memory
// whatever the document's size, and is not safe for concurrent use.
func NewStreamWriter(w io.Writer, key []byte, aad []byte) (io.WriteCloser, error) {
	header := make([]byte, StreamHeaderSize)
	copy(header, streamMagic)
	header[len(streamMagic)] = streamVersion
	salt := header[len(streamMagic)+1 : len(streamMagic)+1+streamSaltSize]
	prefix := header[len(streamMagic)+1+streamSaltSize:]
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+)
	_, _ = rand.Read(prefix)
	aead, err := streamAEAD(key, salt)
	if err != nil {
		return nil, err
	}
	s := &streamWriter{w: w, aead: aead, ad: streamAD(header, aad)}
	copy(s.nonce[:], prefix)
	s.buf = make([]byte, 0, StreamChunkSize+StreamOverhead)
	if _, err := w.Write(header); err != nil {
		return nil, fmt.Errorf("crypt: write stream header: %w", err)
	}
	return s, nil
}

// errWriterClosed is returned for a write after Close.
var errWriterClosed = errors.New("crypt: write to a closed stream")

// Write buffers p, sealing and writing each chunk once it is full and more
// follows: a full chunk is held back until then, since it may be the last.
func (s *streamWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n := 0
	for len(p) > 0 {
		if len(s.buf) == StreamChunkSize {
			if err := s.flush(false); err != nil {
				return n, err
			}
		}
		k := copy(s.buf[len(s.buf):StreamChunkSize], p)
		s.buf = s.buf[:len(s.buf)+k]
		p = p[k:]
		n += k
	}
	return n, nil
}

// ReadFrom reads r to its end straight into the chunk buffers, saving the
// copy Write would make; io.Copy uses it. An error reading r is returned
// without breaking the stream.
func (s *streamWriter) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if s.err != nil {
			return total, s.err
		}
		if len(s.buf) < StreamChunkSize {
			n, err := fill(r, s.buf[len(s.buf):StreamChunkSize])
			s.buf = s.buf[:len(s.buf)+n]
			total += int64(n)
			if err == io.EOF {
				return total, nil
			} else if err != nil {
				return total, err
			}
			continue
		}
		// The buffer is full: it is sealed as a middle chunk only once
		// more data is known to follow.
		if s.spare == nil {
			s.spare = make([]byte, 0, StreamChunkSize+StreamOverhead)
		}
		n, err := fill(r, s.spare[:StreamChunkSize])
		if n > 0 {
			if ferr := s.flush(false); ferr != nil {
				return total, ferr
			}
			s.buf, s.spare = s.spare[:n], s.buf[:0]
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		} else if err != nil {
			return total, err
		}
	}
}

// Close seals and writes the final chunk. Later writes fail.
func (s *streamWriter) Close() error {
	if s.err == errWriterClosed {
		return nil
	} else if s.err != nil {
		return s.err
	}
	if err := s.flush(true); err != nil {
		return err
	}
	s.err = errWriterClosed
	return nil
}

// flush seals the buffered plaintext in place as chunk s.i and writes it.
func (s *streamWriter) flush(last bool) error {
	if s.i > math.MaxUint32 || (!last && s.i == math.MaxUint32) {
		s.err = errors.New("crypt: stream too long")
		return s.err
	}
	setNonce(&s.nonce, s.i, last)
	sealed := s.aead.Seal(s.buf[:0], s.nonce[:], s.buf, s.ad)
	if _, err := s.w.Write(sealed); err != nil {
		s.err = fmt.Errorf("crypt: write stream chunk %d: %w", s.i, err)
		return s.err
	}
	s.i++
	s.buf = s.buf[:0]
	return nil
}

// fill reads from r until p is full or r fails; at the end of r it returns
// io.EOF with however many bytes it read.
func fill(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k, err := r.Read(p[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// streamReader opens a stream chunk by chunk.
type streamReader struct {
	r       io.Reader
	aead    cipher.AEAD
	ad      []byte
	nonce   [streamNonceSize]byte
	i       uint64 // index of the next chunk
	buf     []byte // one sealed chunk and the first byte of the next
	pt      []byte // verified plaintext not yet returned; within buf
	peek    byte   // first byte of the next chunk, read to learn there is one
	hasPeek bool
	done    bool  // the final chunk has been opened
	err     error // sticky
}

// NewStreamReader reads the stream header from r and returns a reader of the
// plaintext NewStreamWriter sealed under the same key and aad. Each chunk is
// verified before any of its plaintext is returned. A damaged header, a
// damaged, reordered, dropped, duplicated or foreign chunk, the wrong key or
// aad, and a stream that ends without its final chunk all give an error that
// wraps ErrOpen, and every later Read returns it again. The reader holds one
// chunk in memory whatever the document's size.
func NewStreamReader(r io.Reader, key []byte, aad []byte) (io.Reader, error) {
	if len(key) != 32 {
		return nil, ErrStreamKey
	}
	header := make([]byte, StreamHeaderSize)
	if _, err := io.ReadFull(r, header); err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("crypt: stream header cut short: %w", ErrOpen)
	} else if err != nil {
		return nil, fmt.Errorf("crypt: read stream header: %w", err)
	}
	if string(header[:len(streamMagic)]) != streamMagic || header[len(streamMagic)] != streamVersion {
		return nil, fmt.Errorf("crypt: not a version %d stream: %w", streamVersion, ErrOpen)
	}
	salt := header[len(streamMagic)+1 : len(streamMagic)+1+streamSaltSize]
	aead, err := streamAEAD(key, salt)
	if err != nil {
		return nil, err
	}
	s := &streamReader{r: r, aead: aead, ad: streamAD(header, aad)}
	copy(s.nonce[:], header[len(streamMagic)+1+streamSaltSize:])
	s.buf = make([]byte, StreamChunkSize+StreamOverhead+1)
	return s, nil
}

// Read returns verified plaintext.
func (s *streamReader) Read(p []byte) (int, error) {
	for len(s.pt) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		if s.done {
			return 0, io.EOF
		}
		if err := s.next(); err != nil {
			s.err = err
			return 0, err
		}
	}
	n := copy(p, s.pt)
	s.pt = s.pt[n:]
	return n, nil
}

// WriteTo writes the verified plaintext to w straight from the chunk buffer,
// saving the copy Read would make; io.Copy uses it.
func (s *streamReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(s.pt) > 0 {
			n, err := w.Write(s.pt)
			total += int64(n)
			s.pt = s.pt[n:]
			if err != nil {
				return total, err
			}
			continue
		}
		if s.err != nil {
			return total, s.err
		}
		if s.done {
			return total, nil
		}
		if err := s.next(); err != nil {
			s.err = err
			return total, err
		}
	}
}

// next reads and opens the next chunk in place. A chunk is the last when the
// input ends before one byte more than a full sealed chunk could be read.
func (s *streamReader) next() error {
	const full = StreamChunkSize + StreamOverhead
	n := 0
	if s.hasPeek {
		s.buf[0], n, s.hasPeek = s.peek, 1, false
	}
	k, err := fill(s.r, s.buf[n:full+1])
	n += k
	if err != nil && err != io.EOF {
		return fmt.Errorf("crypt: read stream chunk %d: %w", s.i, err)
	}
	last := n <= full
	if !last {
		s.peek, s.hasPeek = s.buf[full], true
		n = full
	}
	if n < StreamOverhead || s.i > math.MaxUint32 {
		return fmt.Errorf("crypt: stream ends without its final chunk: %w", ErrOpen)
	}
	setNonce(&s.nonce, s.i, last)
	pt, err := s.aead.Open(s.buf[:0], s.nonce[:], s.buf[:n], s.ad)
	if err != nil {
		return fmt.Errorf("crypt: stream chunk %d cannot be opened: %w", s.i, ErrOpen)
	}
	s.i++
	s.pt, s.done = pt, last
	return nil
}
