package blob_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/blob/blobtest"
)

func TestS3(t *testing.T) {
	endpoint, ak, sk := blobtest.StartMinIO(t)
	cfg := blob.S3Config{
		Bucket:    blobtest.MinIOBucket,
		Endpoint:  "http://" + endpoint,
		AccessKey: ak,
		SecretKey: sk,
	}
	n := 0
	blobtest.Run(t, func(t *testing.T) blob.Store {
		// One server for the whole suite; a fresh prefix gives each case an
		// empty store.
		n++
		cfg := cfg
		cfg.Prefix = "case" + strconv.Itoa(n)
		s, err := blob.NewS3(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if want := "s3://" + cfg.Bucket + "/" + cfg.Prefix; s.String() != want {
			t.Errorf("String() = %q, want %q", s.String(), want)
		}
		return s
	})

	t.Run("NoTempLeftovers", func(t *testing.T) {
		client, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, "")})
		if err != nil {
			t.Fatal(err)
		}
		for obj := range client.ListObjects(t.Context(), cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				t.Fatal(obj.Err)
			}
			if strings.Contains(obj.Key, "/tmp/") {
				t.Errorf("temporary object left behind: %s", obj.Key)
			}
		}
	})

	t.Run("MissingBucket", func(t *testing.T) {
		cfg := cfg
		cfg.Bucket = "no-such-bucket"
		if _, err := blob.NewS3(t.Context(), cfg); err == nil {
			t.Fatal("NewS3 with a missing bucket succeeded")
		}
	})
}

// TestS3Named covers the named objects the audit log publishes its
// checkpoints as (PutNamed) and verify reads back (ListNamed).
func TestS3Named(t *testing.T) {
	endpoint, ak, sk := blobtest.StartMinIO(t)
	s, err := blob.NewS3(t.Context(), blob.S3Config{Bucket: blobtest.MinIOBucket, Prefix: "audit", Endpoint: "http://" + endpoint, AccessKey: ak, SecretKey: sk})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"00000000000000000002.checkpoint", "00000000000000000010.checkpoint", "other.txt"} {
		if err := s.PutNamed(t.Context(), name, []byte("note "+name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"", "../x", "/abs"} {
		if err := s.PutNamed(t.Context(), bad, []byte("x")); err == nil {
			t.Errorf("PutNamed(%q) accepted", bad)
		}
	}
	got, err := s.ListNamed(t.Context(), ".checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got["00000000000000000010.checkpoint"]) != "note 00000000000000000010.checkpoint" {
		t.Fatalf("ListNamed: %q", got)
	}
}
