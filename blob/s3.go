package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/vigil-safeguarding/vigil"
)

// DefaultPartSize is the part size of an S3 upload, and so the most memory
// one upload in progress holds: 16 MiB. S3 allows parts of 5 MiB to 5 GiB
// and at most 10,000 of them, so objects of up to 156 GiB.
const DefaultPartSize = 16 << 20

const (
	minPartSize  = 5 << 20 // S3's smallest part but the last
	maxParts     = 10_000
	abortTimeout = 30 * time.Second
)

// S3Credentials is the access key pair an S3 store signs its requests with.
type S3Credentials struct {
	AccessKey, SecretKey string
}

// S3Config says where an S3 store keeps its objects.
type S3Config struct {
	Bucket    string
	Prefix    string // "" or a folder such as "vigil/"; objects are Prefix+key
	Endpoint  string // host or host:port; "" is Amazon S3
	Region    string // "" lets the client ask the service
	TLS       bool   // HTTPS; only a store on this machine should go without
	PathStyle bool   // bucket in the path (MinIO, Ceph, Garage), not the host name
	S3Credentials

	// PartSize is the upload part size, 5 MiB or more; 0 is DefaultPartSize.
	PartSize int
	// Transport carries the requests; nil is minio-go's default. Tests use
	// it to trust their server's certificate.
	Transport http.RoundTripper
}

// S3 is a Store in a bucket of an S3-compatible object store (Amazon S3,
// MinIO, Ceph RGW, Garage...). Each object is named Prefix+key: S3 needs no
// fan-out. The store only ever holds what PutDocument made, ciphertext.
//
// A Put reads its stream one part at a time into a buffer that grows to at
// most PartSize (16 MiB by default), so memory per upload in progress is
// bounded by PartSize whatever the object's size. An object that fits in one
// part goes up in one PUT; a longer one as a multipart upload, aborted if the
// stream fails or the context ends, so a failed Put stores nothing (the old
// object, if any, stays). Give the bucket a lifecycle rule that removes
// incomplete multipart uploads after a day, for the rare abort that itself
// fails.
type S3 struct {
	client   *minio.Client
	bucket   string
	prefix   string
	partSize int
}

// NewS3 connects to the store cfg names and checks that its bucket exists
// and the credentials may use it.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("blob: s3: bucket name %q: %w", cfg.Bucket, err)
	}
	if err := checkPrefix(cfg.Prefix); err != nil {
		return nil, err
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("blob: s3: an access key and a secret key are needed")
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < minPartSize || partSize > 5<<30 {
		return nil, fmt.Errorf("blob: s3: part size %d is outside 5 MiB to 5 GiB", partSize)
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	opts := &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.TLS,
		Region:    cfg.Region,
		Transport: cfg.Transport,
	}
	if cfg.PathStyle {
		opts.BucketLookup = minio.BucketLookupPath
	}
	client, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("blob: s3: endpoint %q: %w", endpoint, err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: s3: cannot reach bucket %s at %s: %w", cfg.Bucket, endpoint, err)
	} else if !ok {
		return nil, fmt.Errorf("blob: s3: there is no bucket %s at %s; create it first", cfg.Bucket, endpoint)
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix, partSize: partSize}, nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if !ValidKey(key) {
		return 0, ErrKey
	}
	r = ctxReader{ctx, r}
	buf, err := readPart(r, nil, s.partSize)
	if err != nil && err != io.EOF {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err == io.EOF { // the whole object is in buf: one PUT
		_, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(buf), int64(len(buf)),
			minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: true})
		if err != nil {
			return 0, fmt.Errorf("blob: put %s: %w", key, err)
		}
		return int64(len(buf)), nil
	}
	n, err := s.putMultipart(ctx, s.prefix+key, r, buf)
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	return n, nil
}

// putMultipart uploads buf, a full first part, and the rest of r as a
// multipart upload, reusing buf for every part.
func (s *S3) putMultipart(ctx context.Context, name string, r io.Reader, buf []byte) (n int64, err error) {
	core := minio.Core{Client: s.client}
	id, err := core.NewMultipartUpload(ctx, s.bucket, name, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil { // the upload's parts are stored until aborted
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
			defer cancel()
			_ = core.AbortMultipartUpload(actx, s.bucket, name, id)
		}
	}()
	var parts []minio.CompletePart
	for num, last := 1, false; ; num++ {
		if num > maxParts {
			return 0, fmt.Errorf("more than %d parts of %d bytes", maxParts, s.partSize)
		}
		p, err := core.PutObjectPart(ctx, s.bucket, name, id, num, bytes.NewReader(buf), int64(len(buf)), minio.PutObjectPartOptions{})
		if err != nil {
			return 0, fmt.Errorf("part %d: %w", num, err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: num, ETag: p.ETag})
		n += int64(len(buf))
		if last {
			break
		}
		var rerr error
		if buf, rerr = readPart(r, buf[:0], s.partSize); rerr == io.EOF {
			if len(buf) == 0 {
				break
			}
			last = true // a shorter part ends the object
		} else if rerr != nil {
			return 0, rerr
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if _, err := core.CompleteMultipartUpload(ctx, s.bucket, name, id, parts, minio.PutObjectOptions{}); err != nil {
		return 0, fmt.Errorf("complete: %w", err)
	}
	return n, nil
}

// readPart reads from r into buf until it holds size bytes (error nil) or r
// ends (io.EOF, buf holding what was left). The buffer grows by doubling, so
// a small object costs little memory and a large one at most size.
func readPart(r io.Reader, buf []byte, size int) ([]byte, error) {
	for len(buf) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(max(2*cap(buf), 64<<10), size))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// Get implements Store. The reader streams the object; it fails if ctx ends
// before it is read.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, ErrKey
	}
	rc, _, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if isNoSuchKey(err) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Document not found.")
	} else if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	return rc, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return ErrKey
	}
	err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{})
	if err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// Exists implements Store.
func (s *S3) Exists(ctx context.Context, key string) (bool, error) {
	if !ValidKey(key) {
		return false, ErrKey
	}
	_, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if isNoSuchKey(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return true, nil
}

func isNoSuchKey(err error) bool {
	var e minio.ErrorResponse
	return errors.As(err, &e) && e.Code == minio.NoSuchKey
}

// prefixRE is a folder path of plain segments, each ending in a slash.
var prefixRE = regexp.MustCompile(`^([A-Za-z0-9_-][A-Za-z0-9._-]*/)*$`)

func checkPrefix(p string) error {
	if !prefixRE.MatchString(p) || strings.Contains(p, "../") || len(p) > 512 {
		return fmt.Errorf("blob: s3: prefix %q must be folder names of letters, digits, '.', '_' and '-', each followed by '/'", p)
	}
	return nil
}

// Open returns the store a blob URL names:
//
//   - a folder path, or file:PATH (file:///var/lib/vigil/blobs): Dir;
//   - s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&tls=true|false&path_style=true|false:
//     S3, signing with creds. endpoint defaults to Amazon S3, tls to true and
//     path_style to false; PREFIX may be empty.
//
// Credentials never go in the URL, which may be logged.
func Open(ctx context.Context, rawURL string, creds S3Credentials) (Store, error) {
	switch {
	case rawURL == "":
		return nil, errors.New("blob: no blob store URL given")
	case strings.HasPrefix(rawURL, "s3://"):
		cfg, err := ParseS3URL(rawURL)
		if err != nil {
			return nil, err
		}
		cfg.S3Credentials = creds
		return NewS3(ctx, cfg)
	case strings.HasPrefix(rawURL, "file:"):
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("blob: file URL: %w", err)
		}
		path := u.Path
		if u.Opaque != "" {
			path = u.Opaque // file:relative/path
		}
		if (u.Host != "" && u.Host != "localhost") || u.User != nil || u.RawQuery != "" || u.Fragment != "" || path == "" {
			return nil, errors.New("blob: a file URL is file:PATH or file:///PATH, a folder on this machine")
		}
		return NewDir(path)
	case schemeRE.MatchString(rawURL):
		scheme, _, _ := strings.Cut(rawURL, ":") // not the rest: it may hold a secret
		return nil, fmt.Errorf("blob: %s: URLs are not supported; the blob store must be a folder, file:PATH or s3://BUCKET/PREFIX", scheme)
	}
	return NewDir(rawURL)
}

// schemeRE matches the start of any other URL.
var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// ParseS3URL reads an s3:// blob URL (see Open) into a config without
// credentials.
func ParseS3URL(rawURL string) (S3Config, error) {
	bad := func(format string, a ...any) (S3Config, error) {
		return S3Config{}, fmt.Errorf("blob: s3 URL: "+format, a...)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return bad("%v", errors.Unwrap(err)) // the URL itself is in err; it may hold a secret
	}
	if u.Scheme != "s3" {
		return bad("must start with s3://")
	}
	if u.User != nil {
		return bad("credentials do not go in the URL; set VIGIL_S3_ACCESS_KEY and VIGIL_S3_SECRET_KEY")
	}
	if u.Fragment != "" {
		return bad("unexpected #%s", u.Fragment)
	}
	cfg := S3Config{Bucket: u.Host, TLS: true}
	if cfg.Bucket == "" {
		return bad("no bucket: use s3://BUCKET/PREFIX")
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return bad("bucket name %q: %v", cfg.Bucket, err)
	}
	if p := strings.TrimPrefix(u.Path, "/"); p != "" {
		cfg.Prefix = strings.TrimSuffix(p, "/") + "/"
		if err := checkPrefix(cfg.Prefix); err != nil {
			return S3Config{}, err
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("query: %v", err)
	}
	flag := func(name string, v *bool) error {
		switch q.Get(name) {
		case "true":
			*v = true
		case "false":
			*v = false
		default:
			return fmt.Errorf("blob: s3 URL: %s must be true or false", name)
		}
		return nil
	}
	for name, vs := range q {
		if len(vs) != 1 {
			return bad("%s given %d times", name, len(vs))
		}
		switch name {
		case "endpoint":
			cfg.Endpoint = vs[0]
			if strings.Contains(cfg.Endpoint, "/") || cfg.Endpoint == "" {
				return bad("endpoint is HOST or HOST:PORT, without https:// (set tls=false for plain HTTP)")
			}
		case "region":
			cfg.Region = vs[0]
		case "tls":
			err = flag(name, &cfg.TLS)
		case "path_style":
			err = flag(name, &cfg.PathStyle)
		default:
			return bad("unknown setting %q (endpoint, region, tls, path_style)", name)
		}
		if err != nil {
			return S3Config{}, err
		}
	}
	return cfg, nil
}
