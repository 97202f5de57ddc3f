package blob_test

import (
	"testing"

	"github.com/steward-registry/steward/internal/blob"
)

func TestS3ConfigFromURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		env     map[string]string
		want    blob.S3Config
		wantErr bool
	}{
		{
			name: "aws defaults",
			url:  "s3://models",
			env:  map[string]string{"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": "TOK"},
			want: blob.S3Config{Bucket: "models", Region: "eu-west-1", AccessKey: "AK", SecretKey: "SK", SessionToken: "TOK", UseSSL: true},
		},
		{
			name: "prefix and http endpoint",
			url:  "s3://models/steward/blobs/",
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://minio:9000", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "ignored"},
			want: blob.S3Config{Bucket: "models", Prefix: "steward/blobs", Endpoint: "minio:9000", Region: "us-east-1"},
		},
		{
			name: "s3-specific endpoint wins",
			url:  "s3://b/p",
			env:  map[string]string{"AWS_ENDPOINT_URL_S3": "https://s3.example.com", "AWS_ENDPOINT_URL": "http://other"},
			want: blob.S3Config{Bucket: "b", Prefix: "p", Endpoint: "s3.example.com", UseSSL: true},
		},
		{name: "wrong scheme", url: "gs://b/p", wantErr: true},
		{name: "no bucket", url: "s3:///p", wantErr: true},
		{name: "credentials in url", url: "s3://ak:sk@b/p", wantErr: true},
		{name: "bad endpoint", url: "s3://b", env: map[string]string{"AWS_ENDPOINT_URL": "ftp://x"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := blob.S3ConfigFromURL(tt.url, func(k string) string { return tt.env[k] })
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
