package lineage

import (
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

func TestCheckEdge(t *testing.T) {
	for _, tc := range []struct {
		t        EdgeType
		from, to NodeType
		ok       bool
	}{
		{EdgeConsumed, NodeDatasetVersion, NodeRun, true},
		{EdgeConsumed, NodeCodeCommit, NodeRun, true},
		{EdgeConsumed, NodeDatasetVersion, NodePredictionBatch, true},
		{EdgeConsumed, NodeRun, NodeDatasetVersion, false},
		{EdgeProduced, NodeRun, NodeModelVersion, true},
		{EdgeProduced, NodeExternalJob, NodeDatasetVersion, true},
		{EdgeProduced, NodeDatasetVersion, NodeRun, false},
		{EdgeTrainedOn, NodeDatasetVersion, NodeModelVersion, true},
		{EdgeTrainedOn, NodeModelVersion, NodeDatasetVersion, false},
		{EdgeEvaluatedOn, NodeDatasetVersion, NodeModelVersion, true},
		{EdgeDerivedFrom, NodeDatasetVersion, NodeDatasetVersion, true},
		{EdgeDerivedFrom, NodeModelVersion, NodeModelVersion, true},
		{EdgeDerivedFrom, NodeDatasetVersion, NodeModelVersion, false},
		{EdgeDeployedAs, NodeModelVersion, NodeDeployment, true},
		{EdgeDeployedAs, NodeRun, NodeDeployment, false},
		{EdgePredictedBy, NodeDeployment, NodePredictionBatch, true},
		{EdgePredictedBy, NodePredictionBatch, NodeDeployment, false},
		{"feeds", NodeDatasetVersion, NodeRun, false},
	} {
		err := CheckEdge(tc.t, tc.from, tc.to)
		if (err == nil) != tc.ok {
			t.Errorf("%s %s→%s: got %v, want ok=%v", tc.t, tc.from, tc.to, err, tc.ok)
		}
		if err != nil && steward.ErrorCode(err) != steward.CodeInvalid {
			t.Errorf("%s %s→%s: code %s, want invalid_argument", tc.t, tc.from, tc.to, steward.ErrorCode(err))
		}
	}
}

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Ref
		ok   bool
	}{
		{"dataset_version:transactions@3", Ref{NodeDatasetVersion, "transactions@3"}, true},
		{"dataset_version:s3://lake/orders", Ref{NodeDatasetVersion, "s3://lake/orders"}, true},
		{"run:4f1c2a9e", Ref{NodeRun, "4f1c2a9e"}, true},
		{"model_version:fraud/3", Ref{NodeModelVersion, "fraud/3"}, true},
		{"table:orders", Ref{}, false},
		{"run:", Ref{}, false},
		{"run", Ref{}, false},
		{"run:a\x01b", Ref{}, false},
	} {
		got, err := ParseRef(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRef(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestMergeEnvironment(t *testing.T) {
	git := &Git{Commit: "0123456789abcdef", RepoURL: "https://github.com/acme/fraud"}
	deps := []Dependency{{"pypi", "numpy", "1.26.4"}}
	old := &Environment{Git: git, Dependencies: deps}
	for _, tc := range []struct {
		name string
		next *Environment
		code steward.Code
	}{
		{"adds energy and duration", &Environment{Energy: &Energy{KWh: ptr(1.5)}, DurationMs: ptr(int64(60000))}, ""},
		{"same git again", &Environment{Git: &Git{Commit: "0123456789abcdef", RepoURL: "https://github.com/acme/fraud"}}, ""},
		{"other commit", &Environment{Git: &Git{Commit: "fedcba9876543210"}}, steward.CodeConflict},
		{"other dependencies", &Environment{Dependencies: []Dependency{{"pypi", "numpy", "2.0.0"}}}, steward.CodeConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mergeEnvironment(old, tc.next)
			if steward.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want code %q", err, tc.code)
			}
			if err == nil && (got.Git != git || len(got.Dependencies) != 1) {
				t.Fatalf("merged lost what was captured: %+v", got)
			}
		})
	}
}

// TestValidateEnvironmentImageDigest: the image digest is a node key, so
// it is bounded by the longest OCI digest (sha512, 128 hex digits).
func TestValidateEnvironmentImageDigest(t *testing.T) {
	for _, tc := range []struct {
		name, digest string
		ok           bool
	}{
		{"sha256", "sha256:" + repeat("a"), true},
		{"sha512", "sha512:" + repeat("ab"), true},
		{"short", "sha256:abc", false},
		{"sha256 one digit short", "sha256:" + repeat("a")[1:], false},
		{"sha256 of sha512's length", "sha256:" + repeat("ab"), false},
		{"sha512 of sha256's length", "sha512:" + repeat("a"), false},
		{"unknown algorithm", "md5:" + repeat("a")[:32], false},
		{"not hex", "sha256:" + repeat("g"), false},
		{"longer than sha512", "sha512:" + repeat("ab") + "a", false},
		{"8000 hex digits", "sha256:" + strings.Repeat("a", 8000), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := Environment{Image: &Image{Digest: tc.digest}}
			err := env.validate()
			if (err == nil) != tc.ok {
				t.Fatalf("validate(%.20s…) = %v, want ok=%v", tc.digest, err, tc.ok)
			}
			if err == nil {
				return
			}
			if steward.ErrorCode(err) != steward.CodeInvalid || steward.ErrorDetails(err)["field"] != "image.digest" {
				t.Fatalf("got %v (details %v), want invalid_argument naming image.digest", err, steward.ErrorDetails(err))
			}
			if len(steward.ErrorMessage(err)) > 300 {
				t.Fatalf("message quotes the digest back: %.80s…", steward.ErrorMessage(err))
			}
		})
	}
}

func TestValidateDatasetCreate(t *testing.T) {
	a := File{Path: "part-0.parquet", Digest: "sha256:" + repeat("a"), Size: 10}
	b := File{Path: "part-1.parquet", Digest: "sha256:" + repeat("b"), Size: 20}
	manifest := ManifestDigest([]File{a, b})
	for _, tc := range []struct {
		name string
		in   DatasetCreate
		kind string
		code steward.Code
	}{
		{"manifest", DatasetCreate{URI: "s3://x/y", Digest: manifest, Files: []File{b, a}}, DigestManifest, ""},
		{"single file content", DatasetCreate{URI: "file:///d.csv", Digest: a.Digest, Files: []File{a}}, DigestContent, ""},
		{"digest only", DatasetCreate{URI: "s3://x/y", Digest: a.Digest}, DigestContent, ""},
		{"manifest mismatch", DatasetCreate{URI: "s3://x/y", Digest: a.Digest, Files: []File{a, b}}, "", steward.CodeDigestMismatch},
		{"content mismatch", DatasetCreate{URI: "s3://x/y", Digest: b.Digest, DigestKind: DigestContent, Files: []File{a}}, "", steward.CodeDigestMismatch},
		{"no uri", DatasetCreate{Digest: a.Digest}, "", steward.CodeInvalid},
		{"bad digest", DatasetCreate{URI: "s3://x", Digest: "md5:abc"}, "", steward.CodeInvalid},
		{"unsafe path", DatasetCreate{URI: "s3://x", Digest: a.Digest, Files: []File{{Path: "../etc/passwd", Digest: a.Digest}}}, "", steward.CodeInvalid},
		{"size disagrees", DatasetCreate{URI: "s3://x", Digest: manifest, Size: 7, Files: []File{a, b}}, "", steward.CodeInvalid},
		{"duplicate column", DatasetCreate{URI: "s3://x", Digest: a.Digest, Schema: []Column{{"id", "int"}, {"id", "int"}}}, "", steward.CodeInvalid},
		{"negative rows", DatasetCreate{URI: "s3://x", Digest: a.Digest, RowCount: ptr(int64(-1))}, "", steward.CodeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := validateDatasetCreate("transactions", &in)
			if steward.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want code %q", err, tc.code)
			}
			if err == nil && in.DigestKind != tc.kind {
				t.Fatalf("digest kind %q, want %q", in.DigestKind, tc.kind)
			}
		})
	}
	if _, err := validateDatasetCreate("tx@1", &DatasetCreate{URI: "s3://x", Digest: a.Digest}); steward.ErrorCode(err) != steward.CodeInvalid {
		t.Fatalf("name with @: %v", err)
	}
}

func repeat(s string) string {
	out := ""
	for range 64 {
		out += s
	}
	return out
}
