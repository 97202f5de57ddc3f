package server

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/blob/blobtest"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/store/storetest"
)

// TestScaleOutBackends runs the server the way a bank would: PostgreSQL for
// metadata and S3 (a real MinIO) for artifacts, and checks an artifact
// round-trips through the API, directly and by presigned URL.
func TestScaleOutBackends(t *testing.T) {
	endpoint, ak, sk := blobtest.StartMinIO(t)
	t.Setenv("AWS_ENDPOINT_URL", "http://"+endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", ak)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sk)
	t.Setenv("AWS_REGION", "us-east-1")
	schema := storetest.NewSchema(t)
	dsn := storetest.PostgresDSN()
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += sep + "search_path=" + schema
	ts := newTestServer(t, func(c *config.Config) {
		c.DB = dsn
		c.Artifacts = "s3://" + blobtest.MinIOBucket + "/steward"
		c.PresignTTL = 60e9
	})

	content := make([]byte, 3<<20)
	if _, err := rand.Read(content); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	req, _ := http.NewRequest("PUT", ts.URL+"/api/v1/blobs/"+digest, bytes.NewReader(content))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("put blob on S3: %d", resp.StatusCode)
	}
	resp, body := do(t, "POST", ts.URL+"/api/v1/models", map[string]string{"Content-Type": "application/json"}, `{"name":"pd"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create model on postgres: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "POST", ts.URL+"/api/v1/models/pd/versions", map[string]string{"Content-Type": "application/json"},
		`{"files":[{"path":"model.bin","digest":"`+digest+`","size":3145728}]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create version: %d %s", resp.StatusCode, body)
	}
	for _, q := range []string{"", "?presigned=true"} {
		resp, err := http.Get(ts.URL + "/api/v1/models/pd/versions/1/files/model.bin" + q)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, content) {
			t.Fatalf("download%s: status %d, %d bytes, equal=%v", q, resp.StatusCode, len(got), bytes.Equal(got, content))
		}
		if q != "" && resp.Request.URL.Host != endpoint {
			t.Fatalf("presigned download was not redirected to S3: served by %s", resp.Request.URL.Host)
		}
	}
}
