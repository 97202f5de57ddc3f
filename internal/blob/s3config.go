package blob

import (
	"fmt"
	"net/url"
	"strings"
)

// S3Config configures an S3 store. Endpoint is "host[:port]" (a URL is also
// accepted, in which case its scheme decides UseSSL); empty means AWS S3.
// If AccessKey is empty, credentials come from the instance or pod role
// (EC2/ECS metadata, EKS web identity).
type S3Config struct {
	Bucket       string
	Prefix       string
	Endpoint     string
	Region       string
	AccessKey    string
	SecretKey    string
	SessionToken string
	UseSSL       bool
	PathStyle    bool
}

// String describes the location without credentials.
func (c S3Config) String() string {
	if c.Prefix == "" {
		return "s3://" + c.Bucket
	}
	return "s3://" + c.Bucket + "/" + c.Prefix
}

// S3ConfigFromURL parses "s3://bucket[/prefix]" and fills the rest from the
// standard AWS environment variables, read through getenv so callers (and
// tests) decide where the environment comes from.
func S3ConfigFromURL(rawURL string, getenv func(string) string) (S3Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return S3Config{}, fmt.Errorf("s3 url: %w", err)
	}
	if u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return S3Config{}, fmt.Errorf("s3 url %q: want s3://bucket[/prefix]", u.Redacted())
	}
	cfg := S3Config{
		Bucket:       u.Host,
		Prefix:       strings.Trim(u.Path, "/"),
		Region:       first(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		AccessKey:    getenv("AWS_ACCESS_KEY_ID"),
		SecretKey:    getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken: getenv("AWS_SESSION_TOKEN"),
		UseSSL:       true,
	}
	if ep := first(getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL")); ep != "" {
		cfg.Endpoint, cfg.UseSSL, err = parseEndpoint(ep)
		if err != nil {
			return S3Config{}, err
		}
	}
	return cfg, nil
}

// parseEndpoint accepts "https://host:port" or a bare "host:port" (HTTPS).
func parseEndpoint(ep string) (host string, useSSL bool, err error) {
	if !strings.Contains(ep, "://") {
		return ep, true, nil
	}
	u, err := url.Parse(ep)
	if err != nil {
		return "", false, fmt.Errorf("s3 endpoint: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return "", false, fmt.Errorf("s3 endpoint %q: want http(s)://host[:port]", u.Redacted())
	}
	return u.Host, u.Scheme == "https", nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
