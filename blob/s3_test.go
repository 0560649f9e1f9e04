package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/crypt"
)

const (
	testBucket = "vigil-docs"
	testPrefix = "school-docs/"
)

var testCreds = blob.S3Credentials{AccessKey: "vigil-test", SecretKey: "vigil-test-secret"}

// fakeS3 is an in-memory S3 service (gofakes3) for one test, served over
// TLS: over plain HTTP gofakes3 keeps the chunk signatures of a multipart
// part in the object, so only TLS gives back the bytes put.
type fakeS3 struct {
	endpoint  string
	transport http.RoundTripper
	raw       *minio.Client // beside the store: to look at and spoil objects
	parts     atomic.Int64  // part uploads seen
}

func startFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	f := &fakeS3{endpoint: strings.TrimPrefix(srv.URL, "https://")}
	f.transport = roundTripper(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			f.parts.Add(1)
		}
		return srv.Client().Transport.RoundTrip(r)
	})
	var err error
	f.raw, err = minio.New(f.endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(testCreds.AccessKey, testCreds.SecretKey, ""),
		Secure: true, Region: "us-east-1", BucketLookup: minio.BucketLookupPath, Transport: srv.Client().Transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (f *fakeS3) config(partSize int) blob.S3Config {
	return blob.S3Config{
		Bucket: testBucket, Prefix: testPrefix, Endpoint: f.endpoint, Region: "us-east-1",
		TLS: true, PathStyle: true, S3Credentials: testCreds, PartSize: partSize, Transport: f.transport,
	}
}

func (f *fakeS3) store(t *testing.T, partSize int) *blob.S3 {
	t.Helper()
	s, err := blob.NewS3(context.Background(), f.config(partSize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// list names every object in the bucket, under the prefix or not, and every
// unfinished multipart upload ("upload:" and its object's name).
func (f *fakeS3) list(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for o := range f.raw.ListObjects(ctx, testBucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		out = append(out, o.Key)
	}
	ups, err := minio.Core{Client: f.raw}.ListMultipartUploads(ctx, testBucket, "", "", "", "", 1000)
	if minio.ToErrorResponse(err).Code == "NoSuchUpload" { // gofakes3: none ever begun
		return out
	} else if err != nil {
		t.Fatal(err)
	}
	for _, u := range ups.Uploads {
		out = append(out, "upload:"+u.Key)
	}
	return out
}

// raw reads the object stored for key, straight from the service.
func (f *fakeS3) rawGet(t *testing.T, key string) []byte {
	t.Helper()
	o, err := f.raw.GetObject(context.Background(), testBucket, testPrefix+key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fakeS3) rawPut(t *testing.T, key string, b []byte) {
	t.Helper()
	if _, err := f.raw.PutObject(context.Background(), testBucket, testPrefix+key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestS3 runs the Store contract on S3, with the smallest part size so
// multipart uploads stay quick.
func TestS3(t *testing.T) {
	t.Parallel()
	storeContract(t, func(t *testing.T) (blob.Store, lister) {
		f := startFakeS3(t)
		return f.store(t, 5<<20), f.list
	})
}

// TestS3ObjectNames: an object is named prefix+key, nothing else.
func TestS3ObjectNames(t *testing.T) {
	t.Parallel()
	f := startFakeS3(t)
	s := f.store(t, 0)
	key := vigil.NewID()
	if _, err := s.Put(context.Background(), key, strings.NewReader("ciphertext")); err != nil {
		t.Fatal(err)
	}
	if got := f.list(t); len(got) != 1 || got[0] != testPrefix+key {
		t.Fatalf("objects: %v", got)
	}
	if f.parts.Load() != 0 {
		t.Fatalf("%d part uploads for a small object", f.parts.Load())
	}
}

// TestS3LargeDocument: a document larger than a part goes up as a multipart
// upload and comes back byte for byte.
func TestS3LargeDocument(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := startFakeS3(t)
	s := f.store(t, 0) // the default, 16 MiB
	key, school, doc := schoolKey(), vigil.NewID(), vigil.NewID()
	content := pdf(20<<20 + 12345)
	meta, err := blob.PutDocument(ctx, s, key, school, doc, "Case file.pdf", bytes.NewReader(content), 25<<20, blob.DocumentTypes)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Size != int64(len(content)) {
		t.Fatalf("meta %+v", meta)
	}
	if n := f.parts.Load(); n != 2 {
		t.Fatalf("%d part uploads, want 2", n)
	}
	if o, err := f.raw.StatObject(ctx, testBucket, testPrefix+doc, minio.StatObjectOptions{}); err != nil || o.Size != meta.Stored {
		t.Fatalf("stored %d bytes, Put said %d (%v)", o.Size, meta.Stored, err)
	}
	name, got := readAll(t, s, key, school, doc)
	if name != "Case file.pdf" || !bytes.Equal(got, content) {
		t.Fatalf("name %q, %d bytes back of %d", name, len(got), len(content))
	}
}

// TestS3FailedMultipartLeavesNothing: a stream that fails, or a context that
// ends, after the first part aborts the upload.
func TestS3FailedMultipartLeavesNothing(t *testing.T) {
	t.Parallel()
	f := startFakeS3(t)
	s := f.store(t, 5<<20)
	if _, err := s.Put(context.Background(), vigil.NewID(), &failingReader{n: 5<<20 + 1}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := io.MultiReader(bytes.NewReader(make([]byte, 5<<20+1)), cancelReader(cancel), strings.NewReader("more"))
	if _, err := s.Put(ctx, vigil.NewID(), r); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put cancelled part way: %v", err)
	}
	if n := f.parts.Load(); n < 2 {
		t.Fatalf("%d part uploads: the failures came before multipart", n)
	}
	if got := f.list(t); len(got) != 0 {
		t.Fatalf("left behind: %v", got)
	}
}

// cancelReader cancels when it is first read, and then ends.
type cancelReader context.CancelFunc

func (c cancelReader) Read([]byte) (int, error) { c(); return 0, io.EOF }

// TestS3TruncatedDocument: a stored document cut short anywhere fails to
// open or to read to the end, with crypt.ErrOpen, however the cut falls.
func TestS3TruncatedDocument(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := startFakeS3(t)
	s := f.store(t, 0)
	key, school, doc := schoolKey(), vigil.NewID(), vigil.NewID()
	if _, err := blob.PutDocument(ctx, s, key, school, doc, "a.pdf", bytes.NewReader(pdf(200_000)), 1<<20, blob.DocumentTypes); err != nil {
		t.Fatal(err)
	}
	good := f.rawGet(t, doc)
	for _, cut := range []int{3, 10, 100, 64 << 10, len(good) / 2, len(good) - 17, len(good) - 1} {
		f.rawPut(t, doc, good[:len(good)-cut])
		_, rc, err := blob.OpenDocument(ctx, s, key, school, doc)
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		if !errors.Is(err, crypt.ErrOpen) {
			t.Errorf("%d bytes cut: %v", cut, err)
		}
	}
	f.rawPut(t, doc, good)
	if _, got := readAll(t, s, key, school, doc); len(got) != 200_000 {
		t.Fatalf("the whole object again: %d bytes", len(got))
	}
}

func TestS3MissingDocument(t *testing.T) {
	t.Parallel()
	f := startFakeS3(t)
	s := f.store(t, 0)
	_, _, err := blob.OpenDocument(context.Background(), s, schoolKey(), vigil.NewID(), vigil.NewID())
	if vigil.ErrorCode(err) != vigil.ENOTFOUND || vigil.ErrorMessage(err) != "Document not found." {
		t.Fatalf("OpenDocument of a missing key: %v", err)
	}
}

// TestOpen: a folder or file: URL opens a Dir, an s3:// URL an S3 store.
func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for _, u := range []string{dir + "/a", "file://" + dir + "/b", "file://localhost" + dir + "/c"} {
		s, err := blob.Open(ctx, u, blob.S3Credentials{})
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if _, ok := s.(*blob.Dir); !ok {
			t.Fatalf("%s: %T", u, s)
		}
	}

	// Over plain HTTP, as no URL can name a test certificate to trust; a
	// small object goes up in one PUT, which gofakes3 reads correctly.
	backend := s3mem.New()
	if err := backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	u := "s3://" + testBucket + "/a/b/?endpoint=" + strings.TrimPrefix(srv.URL, "http://") + "&region=us-east-1&tls=false&path_style=true"
	s, err := blob.Open(ctx, u, testCreds)
	if err != nil {
		t.Fatal(err)
	}
	key := vigil.NewID()
	if _, err := s.Put(ctx, key, strings.NewReader("ciphertext")); err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, key); string(got) != "ciphertext" {
		t.Fatalf("Get = %q", got)
	}
	if _, err := backend.HeadObject(testBucket, "a/b/"+key); err != nil {
		t.Fatalf("object a/b/%s: %v", key, err)
	}
}

// TestOpenBadURLs: each mistake is named, and a secret in the URL is never
// repeated.
func TestOpenBadURLs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := startFakeS3(t)
	for _, tc := range []struct{ url, want string }{
		{"", "no blob store URL"},
		{"s3://", "no bucket"},
		{"s3:///docs", "no bucket"},
		{"s3://Bad_Bucket", "bucket name"},
		{"s3://b" + strings.Repeat("x", 70), "bucket name"},
		{"s3://vigil:hunter2secret@bucket/docs", "credentials do not go in the URL"},
		{"s3://bucket/docs?endpoint=https://minio.example:9000", "without https://"},
		{"s3://bucket/docs?endpoint=", "endpoint is HOST"},
		{"s3://bucket?tls=yes", "tls must be true or false"},
		{"s3://bucket?path_style=1", "path_style must be true or false"},
		{"s3://bucket?tls=true&tls=false", "tls given 2 times"},
		{"s3://bucket?secret_key=hunter2secret", `unknown setting "secret_key"`},
		{"s3://bucket/../etc", "prefix"},
		{"s3://bucket/a//b", "prefix"},
		{"s3://bucket/a b", "prefix"},
		{"s3://bucket/docs#x", "unexpected #x"},
		{"s3://bucket/%zz", "invalid URL escape"},
		{"gs://hunter2secret/docs", "gs: URLs are not supported"},
		{"https://user:hunter2secret@s3.example/docs", "https: URLs are not supported"},
		{"file://otherhost/docs", "a folder on this machine"},
		{"file:///docs?x=1", "a folder on this machine"},
		{"s3://bucket/docs?endpoint=" + f.endpoint, "access key and a secret key"},
	} {
		_, err := blob.Open(ctx, tc.url, blob.S3Credentials{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.url, err, tc.want)
		} else if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("%q: the error repeats a secret: %v", tc.url, err)
		}
	}
	// A bucket that is not there, and a store that does not answer.
	cfg := f.config(0)
	cfg.Bucket = "no-such-bucket"
	if _, err := blob.NewS3(ctx, cfg); err == nil || !strings.Contains(err.Error(), "there is no bucket no-such-bucket") {
		t.Errorf("missing bucket: %v", err)
	}
	cfg = f.config(0)
	cfg.PartSize = 1 << 20
	if _, err := blob.NewS3(ctx, cfg); err == nil || !strings.Contains(err.Error(), "part size") {
		t.Errorf("1 MiB parts: %v", err)
	}
	cfg = f.config(0)
	cfg.Endpoint = "127.0.0.1:1"
	cfg.Transport = nil
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := blob.NewS3(ctx, cfg); err == nil || !strings.Contains(err.Error(), "cannot reach bucket") {
		t.Errorf("unreachable: %v", err)
	}
}
