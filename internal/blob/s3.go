package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 stores objects in an S3-compatible bucket under
//
//	<prefix>/sha256/<ab>/<full hex>   committed objects (see Digest.key)
//	<prefix>/tmp/<random>             Puts in progress
//
// Operators should add a lifecycle rule that expires <prefix>/tmp/ and aborts
// incomplete multipart uploads after a day: a crash mid-Put leaves them behind.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string // without leading or trailing "/"; may be empty
}

var _ Store = (*S3)(nil)

// s3PartSize is the multipart part size for Put. Put does not know the length
// in advance, so minio-go buffers one part at a time: peak memory is about
// 16 MiB per concurrent Put. With S3's limit of 10,000 parts this caps an
// object at ~156 GiB.
const s3PartSize = 16 << 20

// NewS3 connects to the bucket in cfg and checks that it exists, so a
// misconfiguration fails at startup rather than on the first upload.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3: bucket is required")
	}
	endpoint, useSSL := "s3.amazonaws.com", true
	if cfg.Endpoint != "" {
		var err error
		if endpoint, useSSL, err = parseEndpoint(cfg.Endpoint); err != nil {
			return nil, err
		}
		if endpoint == cfg.Endpoint { // bare host: the config decides
			useSSL = cfg.UseSSL
		}
	}
	creds := credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	if cfg.AccessKey == "" {
		creds = credentials.NewIAM("")
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:        creds,
		Secure:       useSSL,
		Region:       cfg.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 %s: %w", cfg, err)
	}
	s := &S3{client: client, bucket: cfg.Bucket, prefix: trimSlashes(cfg.Prefix)}
	ok, err := client.BucketExists(ctx, s.bucket)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: bucket does not exist", s)
	}
	return s, nil
}

func (s *S3) String() string {
	return S3Config{Bucket: s.bucket, Prefix: s.prefix}.String()
}

// Put uploads to a temporary key while hashing, then, once the digest is
// verified, copies server-side to the final key. Objects therefore only ever
// appear under their digest complete and verified.
func (s *S3) Put(ctx context.Context, r io.Reader, want Digest, maxSize int64) (Info, error) {
	want, err := parseWant(want)
	if err != nil {
		return Info{}, err
	}
	tmp := s.path("tmp/" + newID())
	// The temporary key is removed on every path, even if ctx is cancelled.
	defer s.removeDetached(ctx, tmp)

	hr := newHashingReader(ctx, r, maxSize)
	_, err = s.client.PutObject(ctx, s.bucket, tmp, hr, -1, minio.PutObjectOptions{
		PartSize:    s3PartSize,
		ContentType: "application/octet-stream",
	})
	if hr.exceeded {
		return Info{}, fmt.Errorf("s3 put: %w: exceeds limit of %d bytes", ErrTooLarge, maxSize)
	}
	if err != nil {
		return Info{}, fmt.Errorf("s3 put: %w", err)
	}
	info, err := hr.info(want)
	if err != nil {
		return Info{}, fmt.Errorf("s3 put: %w", err)
	}

	key, _ := info.Digest.key() // computed digests are always valid
	if _, err := s.client.StatObject(ctx, s.bucket, s.path(key), minio.StatObjectOptions{}); err == nil {
		return info, nil // dedup
	} else if !isNoSuchKey(err) {
		return Info{}, fmt.Errorf("s3 put: %w", err)
	}
	// ComposeObject rather than CopyObject: a single CopyObject is limited to
	// 5 GiB, ComposeObject switches to multipart copy above that.
	_, err = s.client.ComposeObject(ctx,
		minio.CopyDestOptions{Bucket: s.bucket, Object: s.path(key)},
		minio.CopySrcOptions{Bucket: s.bucket, Object: tmp})
	if err != nil {
		return Info{}, fmt.Errorf("s3 put: copy to %s: %w", key, err)
	}
	return info, nil
}

// Open checks existence first because GetObject is lazy and would only
// report a missing object on the first Read.
func (s *S3) Open(ctx context.Context, d Digest) (io.ReadSeekCloser, Info, error) {
	info, err := s.Stat(ctx, d)
	if err != nil {
		return nil, Info{}, err
	}
	key, _ := d.key()
	obj, err := s.client.GetObject(ctx, s.bucket, s.path(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s.wrap("open", d, err)
	}
	return obj, info, nil
}

func (s *S3) Stat(ctx context.Context, d Digest) (Info, error) {
	key, err := d.key()
	if err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, s.path(key), minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.wrap("stat", d, err)
	}
	return Info{Digest: Digest(digestPrefix + d.Hex()), Size: oi.Size}, nil
}

// Delete stats first because S3 deletes succeed for missing keys, and the
// contract promises ErrNotFound.
func (s *S3) Delete(ctx context.Context, d Digest) error {
	if _, err := s.Stat(ctx, d); err != nil {
		return err
	}
	key, _ := d.key()
	if err := s.client.RemoveObject(ctx, s.bucket, s.path(key), minio.RemoveObjectOptions{}); err != nil {
		return s.wrap("delete", d, err)
	}
	return nil
}

func (s *S3) PresignGet(ctx context.Context, d Digest, ttl time.Duration) (string, error) {
	key, err := d.key()
	if err != nil {
		return "", err
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, s.path(key), ttl, nil)
	if err != nil {
		return "", fmt.Errorf("s3 presign %s: %w", d, err)
	}
	return u.String(), nil
}

func (s *S3) path(key string) string {
	if s.prefix == "" {
		return key
	}
	return s.prefix + "/" + key
}

// removeDetached deletes a temporary key with a context that survives the
// caller's cancellation, since cleanup matters most when a Put was aborted.
func (s *S3) removeDetached(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
}

func (s *S3) wrap(op string, d Digest, err error) error {
	if isNoSuchKey(err) {
		return fmt.Errorf("s3 %s %s: %w", op, d, ErrNotFound)
	}
	return fmt.Errorf("s3 %s %s: %w", op, d, err)
}

func isNoSuchKey(err error) bool {
	return minio.ToErrorResponse(err).Code == minio.NoSuchKey
}

func trimSlashes(s string) string {
	for len(s) > 0 && s[0] == '/' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// PutNamed writes a small object under a fixed name below the prefix,
// outside the content-addressed layout: the audit log publishes its signed
// checkpoints this way (a prefix of their own, e.g. s3://bucket/audit).
func (s *S3) PutNamed(ctx context.Context, name string, data []byte) error {
	if name == "" || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return fmt.Errorf("s3 put: bad object name %q", name)
	}
	_, err := s.client.PutObject(ctx, s.bucket, s.path(name), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "text/plain; charset=utf-8"})
	if err != nil {
		return fmt.Errorf("s3 put %s: %w", name, err)
	}
	return nil
}

// ListNamed returns the names (relative to the prefix) and contents of the
// objects below the prefix whose name ends in suffix.
func (s *S3) ListNamed(ctx context.Context, suffix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	prefix := s.path("")
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: false}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("s3 list: %w", obj.Err)
		}
		if !strings.HasSuffix(obj.Key, suffix) {
			continue
		}
		o, err := s.client.GetObject(ctx, s.bucket, obj.Key, minio.GetObjectOptions{})
		if err != nil {
			return nil, fmt.Errorf("s3 get %s: %w", obj.Key, err)
		}
		b, err := io.ReadAll(o)
		o.Close()
		if err != nil {
			return nil, fmt.Errorf("s3 get %s: %w", obj.Key, err)
		}
		out[strings.TrimPrefix(obj.Key, prefix)] = b
	}
	return out, nil
}
