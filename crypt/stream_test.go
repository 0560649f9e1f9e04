package crypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

const chunk = StreamChunkSize

// sealedChunk is the length of a sealed full chunk.
const sealedChunk = StreamChunkSize + StreamOverhead

func streamKey(t testing.TB) []byte {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return key
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

var docAAD = []byte("vigil|school-1|documents|doc-1|content")

// sealStream encrypts pt with Write calls of step bytes.
func sealStream(t testing.TB, key, aad, pt []byte, step int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewStreamWriter(&out, key, aad)
	if err != nil {
		t.Fatal(err)
	}
	for p := pt; len(p) > 0; {
		k := min(step, len(p))
		if n, err := w.Write(p[:k]); err != nil || n != k {
			t.Fatalf("Write = %d, %v", n, err)
		}
		p = p[k:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// openStream decrypts ct with Read calls of 1000 bytes, returning the
// plaintext read before any error.
func openStream(key, aad, ct []byte) ([]byte, error) {
	r, err := NewStreamReader(bytes.NewReader(ct), key, aad)
	if err != nil {
		return nil, err
	}
	var out []byte
	buf := make([]byte, 1000)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, err
		}
	}
}

// chunkAt returns the offsets of sealed chunk i in a stream.
func chunkAt(i int) (start, end int) {
	start = StreamHeaderSize + i*sealedChunk
	return start, start + sealedChunk
}

func TestStreamRoundTrip(t *testing.T) {
	t.Parallel()
	key := streamKey(t)
	for _, size := range []int{0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 1<<20 + 7} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			pt := randomBytes(size)
			chunks := max(1, (size+chunk-1)/chunk)
			wantLen := StreamHeaderSize + size + chunks*StreamOverhead

			// Write in odd pieces, read in small ones.
			ct := sealStream(t, key, docAAD, pt, 1000)
			if len(ct) != wantLen {
				t.Fatalf("sealed length %d, want %d", len(ct), wantLen)
			}
			got, err := openStream(key, docAAD, ct)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("open: %d bytes, %v", len(got), err)
			}

			// io.Copy both ways: ReadFrom and WriteTo.
			var buf bytes.Buffer
			w, err := NewStreamWriter(&buf, key, docAAD)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := io.Copy(w, io.MultiReader(bytes.NewReader(pt[:size/3]), bytes.NewReader(pt[size/3:]))); err != nil || n != int64(size) {
				t.Fatalf("io.Copy into writer = %d, %v", n, err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if buf.Len() != wantLen {
				t.Fatalf("ReadFrom sealed length %d, want %d", buf.Len(), wantLen)
			}
			if bytes.Equal(buf.Bytes(), ct) {
				t.Fatal("two seals of one document are equal: salt or nonce prefix reused")
			}
			r, err := NewStreamReader(&buf, key, docAAD)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if n, err := io.Copy(&out, r); err != nil || n != int64(size) || !bytes.Equal(out.Bytes(), pt) {
				t.Fatalf("io.Copy from reader = %d, %v", n, err)
			}
		})
	}
}

func TestStreamWriterMisuse(t *testing.T) {
	t.Parallel()
	if _, err := NewStreamWriter(io.Discard, make([]byte, 16), nil); !errors.Is(err, ErrStreamKey) {
		t.Errorf("16-byte key: %v", err)
	}
	if _, err := NewStreamReader(bytes.NewReader(nil), make([]byte, 31), nil); !errors.Is(err, ErrStreamKey) {
		t.Errorf("31-byte key: %v", err)
	}
	w, err := NewStreamWriter(io.Discard, streamKey(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// TestTruncatedDocument cuts a four-chunk stream at every chunk boundary,
// inside every chunk and inside the header.
func TestTruncatedDocument(t *testing.T) {
	t.Parallel()
	key := streamKey(t)
	for _, size := range []int{3*chunk + 100, 4 * chunk, 0, 1} {
		ct := sealStream(t, key, docAAD, randomBytes(size), chunk)
		cuts := []int{0, 1, StreamHeaderSize - 1, StreamHeaderSize, len(ct) - 1, len(ct) - StreamOverhead}
		for i := 0; ; i++ {
			start, end := chunkAt(i)
			if start >= len(ct) {
				break
			}
			end = min(end, len(ct))
			cuts = append(cuts, start, start+1, (start+end)/2, end-1)
		}
		for _, cut := range cuts {
			if cut < 0 || cut >= len(ct) {
				continue
			}
			got, err := openStream(key, docAAD, ct[:cut])
			if !errors.Is(err, ErrOpen) {
				t.Errorf("size %d cut at %d of %d: %d bytes, err %v", size, cut, len(ct), len(got), err)
			}
		}
	}
}

// TestTruncatedAtFinalChunk drops exactly the final chunk, which may be full
// or short, leaving whole chunks that would verify as middle chunks.
func TestTruncatedAtFinalChunk(t *testing.T) {
	t.Parallel()
	key := streamKey(t)
	for _, size := range []int{2 * chunk, 2*chunk + 1, chunk + 1} {
		ct := sealStream(t, key, docAAD, randomBytes(size), 4096)
		_, end := chunkAt(0)
		got, err := openStream(key, docAAD, ct[:end])
		if !errors.Is(err, ErrOpen) || len(got) != 0 {
			t.Errorf("size %d without its final chunk: %d bytes, %v", size, len(got), err)
		}
	}
}

func TestTamperDocumentByte(t *testing.T) {
	t.Parallel()
	key := streamKey(t)
	ct := sealStream(t, key, docAAD, randomBytes(2*chunk+300), 777)
	var offsets []int
	for i := 0; i < StreamHeaderSize; i++ {
		offsets = append(offsets, i) // every header byte
	}
	for i := 0; i < 3; i++ {
		start, end := chunkAt(i)
		end = min(end, len(ct))
		offsets = append(offsets, start, start+1, (start+end)/2, end-StreamOverhead, end-1)
	}
	for _, off := range offsets {
		bad := bytes.Clone(ct)
		bad[off] ^= 0x01
		if _, err := openStream(key, docAAD, bad); !errors.Is(err, ErrOpen) {
			t.Errorf("flipped byte %d: %v", off, err)
		}
	}
	// A byte added after the final chunk.
	if _, err := openStream(key, docAAD, append(bytes.Clone(ct), 0)); !errors.Is(err, ErrOpen) {
		t.Errorf("appended byte: %v", err)
	}
}

// TestTamperNoUnverifiedPlaintext damages the third chunk: the reader hands
// out the two verified chunks, then an error, and nothing of the third.
func TestTamperNoUnverifiedPlaintext(t *testing.T) {
	t.Parallel()
	key := streamKey(t)
	pt := randomBytes(4 * chunk)
	ct := sealStream(t, key, docAAD, pt, chunk)
	start, _ := chunkAt(2)
	ct[start+10] ^= 0x80
	got, err := openStream(key, docAAD, ct)
	if !errors.Is(err, ErrOpen) {
		t.Fatalf("damaged chunk 2: %v", err)
	}
	if len(got) != 2*chunk || !bytes.Equal(got, pt[:2*chunk]) {
		t.Fatalf("got %d bytes before the error, want the %d verified", len(got), 2*chunk)
	}
	// The error sticks.
	r, _ := NewStreamReader(bytes.NewReader(ct), key, docAAD)
	_, _ = io.Copy(io.Discard, r)
	if n, err := r.Read(make([]byte, 10)); n != 0 || !errors.Is(err, ErrOpen) {
		t.Fatalf("Read after the error = %d, %v", n, err)
	}
}

func TestSwapChunkOrder(t *testing.T) {
	t.Parallel()
	key := streamKey(t)
	ct := sealStream(t, key, docAAD, randomBytes(3*chunk+5), chunk)
	c := func(i int) []byte { s, e := chunkAt(i); return ct[s:min(e, len(ct))] }
	header := ct[:StreamHeaderSize]
	for name, parts := range map[string][][]byte{
		"swap 0 and 1":    {header, c(1), c(0), c(2), c(3)},
		"swap 1 and 2":    {header, c(0), c(2), c(1), c(3)},
		"drop 1":          {header, c(0), c(2), c(3)},
		"duplicate 0":     {header, c(0), c(0), c(1), c(2), c(3)},
		"final moved":     {header, c(0), c(1), c(3), c(2)},
		"final only":      {header, c(3)},
		"final duplicate": {header, c(0), c(1), c(2), c(3), c(3)},
	} {
		if _, err := openStream(key, docAAD, bytes.Join(parts, nil)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := openStream(key, docAAD, ct); err != nil {
		t.Fatalf("the untouched stream: %v", err)
	}
}

func TestSwapChunksBetweenDocuments(t *testing.T) {
	t.Parallel()
	key := streamKey(t)
	a := sealStream(t, key, docAAD, randomBytes(3*chunk), chunk)
	b := sealStream(t, key, docAAD, randomBytes(3*chunk), chunk)
	for i := 0; i < 3; i++ {
		s, e := chunkAt(i)
		mixed := bytes.Clone(a)
		copy(mixed[s:e], b[s:e])
		if _, err := openStream(key, docAAD, mixed); !errors.Is(err, ErrOpen) {
			t.Errorf("chunk %d from another document: %v", i, err)
		}
	}
	// One document's header on the other's body.
	mixed := append(bytes.Clone(b[:StreamHeaderSize]), a[StreamHeaderSize:]...)
	if _, err := openStream(key, docAAD, mixed); !errors.Is(err, ErrOpen) {
		t.Errorf("header from another document: %v", err)
	}
}

func TestSwapStreamAAD(t *testing.T) {
	t.Parallel()
	key := streamKey(t)
	ct := sealStream(t, key, docAAD, []byte("Statement from the class teacher."), 100)
	for _, aad := range [][]byte{
		[]byte("vigil|school-1|documents|doc-2|content"), // another record
		[]byte("vigil|school-2|documents|doc-1|content"), // another school
		nil,
	} {
		if _, err := openStream(key, aad, ct); !errors.Is(err, ErrOpen) {
			t.Errorf("opened under %q: %v", aad, err)
		}
	}
	if _, err := openStream(streamKey(t), docAAD, ct); !errors.Is(err, ErrOpen) {
		t.Errorf("opened under another key: %v", err)
	}
}

func FuzzStreamReader(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	f.Add([]byte{})
	f.Add([]byte(streamMagic))
	f.Add(sealStream(f, key, docAAD, nil, 1))
	f.Add(sealStream(f, key, docAAD, []byte("hello"), 1))
	f.Add(sealStream(f, key, docAAD, randomBytes(chunk+3), 4096))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewStreamReader(bytes.NewReader(data), key, docAAD)
		if err != nil {
			return
		}
		n, err := io.Copy(io.Discard, r)
		if err == nil && int(n) > len(data) {
			t.Fatalf("%d bytes of plaintext from %d of input", n, len(data))
		}
	})
}

// patternReader yields n bytes of a repeating random pattern without holding
// them, as a large upload would arrive. It has no WriteTo, like a network
// body, so io.Copy uses the stream writer's ReadFrom.
type patternReader struct {
	pattern []byte
	off     int
	left    int64
}

var benchPattern = randomBytes(1<<20 + 13)

func newPatternReader(n int64) *patternReader {
	return &patternReader{pattern: benchPattern, left: n}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := 0
	for n < len(b) {
		k := copy(b[n:], p.pattern[p.off:])
		n += k
		p.off = (p.off + k) % len(p.pattern)
	}
	p.left -= int64(n)
	return n, nil
}

// TestStreamMemoryFlat streams 100 MB through a writer and a reader joined by
// a pipe and checks that the heap barely grows: the memory is one chunk or
// two, whatever the size.
func TestStreamMemoryFlat(t *testing.T) {
	const size = 100 << 20
	key := streamKey(t)
	measure := func(n int64) (alloc, peak uint64) {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := make(chan struct{})
		peakc := make(chan uint64)
		go func() { // sample the live heap while the stream runs
			var m runtime.MemStats
			var high uint64
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					peakc <- high
					return
				case <-tick.C:
					runtime.ReadMemStats(&m)
					high = max(high, m.HeapAlloc)
				}
			}
		}()
		pr, pw := io.Pipe()
		go func() {
			w, err := NewStreamWriter(pw, key, docAAD)
			if err == nil {
				_, err = io.Copy(w, newPatternReader(n))
			}
			if err == nil {
				err = w.Close()
			}
			pw.CloseWithError(err)
		}()
		r, err := NewStreamReader(pr, key, docAAD)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.Copy(io.Discard, r)
		if err != nil || got != n {
			t.Fatalf("streamed %d of %d bytes: %v", got, n, err)
		}
		close(stop)
		high := <-peakc
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if high > before.HeapAlloc {
			peak = high - before.HeapAlloc
		}
		return after.TotalAlloc - before.TotalAlloc, peak
	}
	smallAlloc, _ := measure(1 << 20)
	alloc, peak := measure(size)
	t.Logf("1 MiB: %d KiB allocated; 100 MiB: %d KiB allocated, live heap peak +%d KiB", smallAlloc>>10, alloc>>10, peak>>10)
	const limit = 4 << 20
	if alloc > limit || peak > limit {
		t.Fatalf("100 MiB stream allocated %d bytes, peak heap growth %d: want under %d", alloc, peak, limit)
	}
	if alloc > smallAlloc+(1<<20) {
		t.Fatalf("allocation grows with size: %d bytes for 1 MiB, %d for 100 MiB", smallAlloc, alloc)
	}
}

const benchSize = 100_000_000 // a 100 MB document; its last chunk is short

// rawSeal is the limit: AES-256-GCM sealing the same bytes from the same
// source in 64 KiB chunks with a counter nonce, nothing else.
func rawSeal(b *testing.B, aead cipher.AEAD) time.Duration {
	start := time.Now()
	src := newPatternReader(benchSize)
	buf := make([]byte, chunk, chunk+StreamOverhead)
	nonce := make([]byte, 12)
	for i := uint32(0); ; i++ {
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			nonce[7], nonce[8], nonce[9], nonce[10] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
			_, _ = io.Discard.Write(aead.Seal(buf[:0], nonce, buf[:n], docAAD))
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

func rawAEAD(b *testing.B) cipher.AEAD {
	block, err := aes.NewCipher(streamKey(b))
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return aead
}

// reportRatio reports the stream's throughput as a fraction of raw
// AES-256-GCM's in the same run: 1 means no overhead.
// bestOf times stream and raw alternately, three times each, and returns the
// fastest of each: on a shared machine the minimum is the figure least
// disturbed by other work, so one run gives a steady ratio.
func bestOf(stream, raw func() time.Duration) (time.Duration, time.Duration) {
	s, r := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range 3 {
		s, r = min(s, stream()), min(r, raw())
	}
	return s, r
}

// ns/op covers all six passes; the two throughputs are reported apart.
func reportRatio(b *testing.B, stream, raw time.Duration) {
	b.ReportMetric(raw.Seconds()/stream.Seconds(), "x-raw-aesgcm")
	b.ReportMetric(float64(b.N)*benchSize/stream.Seconds()/1e6, "stream-MB/s")
	b.ReportMetric(float64(b.N)*benchSize/raw.Seconds()/1e6, "raw-MB/s")
}

func BenchmarkStreamEncrypt100MB(b *testing.B) {
	key := streamKey(b)
	aead := rawAEAD(b)
	b.ReportAllocs()
	encrypt := func() time.Duration {
		start := time.Now()
		w, err := NewStreamWriter(io.Discard, key, docAAD)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(w, newPatternReader(benchSize)); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	encrypt() // warm up both, so one run (-benchtime 1x) compares like with like
	rawSeal(b, aead)
	var stream, raw time.Duration
	for b.Loop() {
		s, r := bestOf(encrypt, func() time.Duration { return rawSeal(b, aead) })
		stream, raw = stream+s, raw+r
	}
	reportRatio(b, stream, raw)
}

// BenchmarkStreamDecrypt100MB decrypts a 100 MB document from a file, as a
// blob is read from disk, against raw AES-256-GCM opening the same file's
// chunks with the same key, read the same way.
func BenchmarkStreamDecrypt100MB(b *testing.B) {
	key := streamKey(b)
	path := filepath.Join(b.TempDir(), "doc")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := NewStreamWriter(f, key, docAAD)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(w, newPatternReader(benchSize)); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	decrypt := func() time.Duration {
		start := time.Now()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		r, err := NewStreamReader(f, key, docAAD)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != benchSize {
			b.Fatalf("decrypted %d bytes: %v", n, err)
		}
		return time.Since(start)
	}
	decrypt() // warm up both, so one run (-benchtime 1x) compares like with like
	rawOpen(b, path, key)
	var stream, raw time.Duration
	for b.Loop() {
		s, r := bestOf(decrypt, func() time.Duration { return rawOpen(b, path, key) })
		stream, raw = stream+s, raw+r
	}
	reportRatio(b, stream, raw)
}

// rawOpen opens the file's chunks with bare AES-256-GCM: the header read and
// the key derived once, then one ReadFull and one Open per chunk.
func rawOpen(b *testing.B, path string, key []byte) time.Duration {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	header := make([]byte, StreamHeaderSize)
	if _, err := io.ReadFull(f, header); err != nil {
		b.Fatal(err)
	}
	aead, err := streamAEAD(key, header[5:21])
	if err != nil {
		b.Fatal(err)
	}
	ad := streamAD(header, docAAD)
	var nonce [streamNonceSize]byte
	copy(nonce[:], header[21:])
	buf := make([]byte, sealedChunk)
	for i := uint64(0); ; i++ {
		n, err := io.ReadFull(f, buf)
		last := err == io.ErrUnexpectedEOF // benchSize leaves a short last chunk
		if err != nil && !last {
			b.Fatal(err)
		}
		setNonce(&nonce, i, last)
		if _, err := aead.Open(buf[:0], nonce[:], buf[:n], ad); err != nil {
			b.Fatal(err)
		}
		if last {
			break
		}
	}
	return time.Since(start)
}
