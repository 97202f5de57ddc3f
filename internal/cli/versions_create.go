package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newVersionsCreateCmd(g *globals) *cobra.Command {
	var (
		model, path string
		in          client.VersionCreate
		tags        []string
	)
	cmd := &cobra.Command{
		Use:   "create --model MODEL --path DIR|FILE",
		Short: "Upload files and register them as the model's next version",
		Long: `Upload a directory (every regular file under it, keeping relative paths)
or a single file, then register it as the next version of MODEL.

Each file is hashed first; files the workspace already holds are not sent
again, so re-registering mostly unchanged weights is cheap. Files over
64 MiB go through resumable uploads that survive dropped connections.
Symbolic links to files are followed; other special files are refused.

The version's manifest digest is checked against the one computed locally
and printed: record it, it identifies exactly these bytes. --run-id links
the version to the tracking run that produced it; --source records where
it came from (a git commit, a training job URL).`,
		Example: `  steward versions create --model fraud-detector --path ./model
  steward versions create --model fraud-detector --path model.onnx \
      --run-id 4f1c2a --source git@github.com:acme/fraud.git#a1b2c3 \
      --description "Retrained on March data" --tag dataset=2024-03`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if in.Tags, err = parseTags(tags); err != nil {
				return err
			}
			ctx := cmd.Context()
			// Fail before hashing gigabytes if the model does not exist.
			if _, err := c.GetModel(ctx, model); err != nil {
				return err
			}
			bar := g.newProgress(cmd, "Uploading")
			bar.Note("Hashing " + path + " ...")
			in.Files, err = c.UploadDir(ctx, path, bar.Update)
			bar.Finish()
			if err != nil {
				return err
			}
			v, err := c.CreateVersion(ctx, model, in)
			if err != nil {
				return err
			}
			if want := client.ManifestDigest(in.Files); v.ManifestDigest != want {
				return fmt.Errorf("server registered version %d with manifest digest %s, but the uploaded files hash to %s", v.Version, v.ManifestDigest, want)
			}
			return g.emitVersion(cmd, v)
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "model to add the version to (required)")
	f.StringVar(&path, "path", "", "directory or file to upload (required)")
	f.StringVar(&in.Source, "source", "", "where the files came from (URL, git ref, job id)")
	f.StringVar(&in.RunID, "run-id", "", "tracking run that produced the version")
	f.StringVar(&in.Description, "description", "", "what changed in this version")
	f.StringArrayVar(&tags, "tag", nil, "tag as key=value (repeatable)")
	_ = cmd.MarkFlagRequired("model")
	_ = cmd.MarkFlagRequired("path")
	return cmd
}
