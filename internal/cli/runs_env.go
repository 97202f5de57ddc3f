package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newRunsEnvCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "env RUN_ID",
		Short: "Show the environment a run ran in",
		Long: `Show a run's captured environment: git commit, repository and dirty flag,
container image, hardware, duration, energy and CO₂, and its dependencies
(name, version, ecosystem). A run with nothing captured shows what its
MLflow git tags say.`,
		Example: `  steward runs env 4f1c2a9e
  steward runs env 4f1c2a9e -o json | jq '.dependencies[] | select(.name=="numpy")'`,
		Args: exactArgs("RUN_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			e, err := c.GetRunEnvironment(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.emit(cmd, e, func(w io.Writer) { writeEnvTable(w, e) })
		},
	}
}

// envFields are the scalar rows of an environment, in display order, for
// one environment or side by side for two.
func envFields(e *client.Environment) [][2]string {
	if e == nil {
		e = &client.Environment{}
	}
	var f [][2]string
	add := func(k, v string) { f = append(f, [2]string{k, v}) }
	if g := e.Git; g != nil {
		add("Git commit", g.Commit)
		add("Repository", orDash(g.RepoURL))
		add("Branch", orDash(g.Branch))
		add("Dirty", strconv.FormatBool(g.Dirty))
	} else {
		add("Git commit", "-")
		add("Repository", "-")
		add("Branch", "-")
		add("Dirty", "-")
	}
	if im := e.Image; im != nil {
		add("Image", orDash(im.Reference))
		add("Image digest", im.Digest)
	} else {
		add("Image", "-")
		add("Image digest", "-")
	}
	h := e.Hardware
	if h == nil {
		h = &client.Hardware{}
	}
	add("CPU", orDash(strings.TrimSpace(fmt.Sprintf("%s ×%d", h.CPU, h.CPUCount))))
	gpu := "-"
	if h.GPUCount > 0 || h.GPU != "" {
		gpu = fmt.Sprintf("%s ×%d", h.GPU, h.GPUCount)
	}
	add("GPU", gpu)
	mem := "-"
	if h.MemoryBytes > 0 {
		mem = size(h.MemoryBytes)
	}
	add("Memory", mem)
	add("Platform", orDash(e.Platform))
	dur := "-"
	if e.DurationMs != nil {
		dur = (time.Duration(*e.DurationMs) * time.Millisecond).String()
	}
	add("Duration", dur)
	kwh, co2 := "-", "-"
	if en := e.Energy; en != nil {
		if en.KWh != nil {
			kwh = strconv.FormatFloat(*en.KWh, 'g', 6, 64) + " kWh"
		}
		if en.CO2Kg != nil {
			co2 = strconv.FormatFloat(*en.CO2Kg, 'g', 6, 64) + " kg CO₂e"
		}
	}
	add("Energy", kwh)
	add("Emissions", co2)
	add("Dependencies", strconv.Itoa(len(e.Dependencies)))
	add("Source", orDash(e.Source))
	return f
}

func writeEnvTable(w io.Writer, e *client.Environment) {
	for _, kv := range envFields(e) {
		row(w, kv[0]+":", kv[1])
	}
	if len(e.Dependencies) > 0 {
		row(w, "")
		row(w, "ECOSYSTEM", "NAME", "VERSION")
		for _, d := range e.Dependencies {
			row(w, d.Ecosystem, d.Name, orDash(d.Version))
		}
	}
}

func newRunsCaptureEnvCmd(g *globals) *cobra.Command {
	var (
		dir, image, imageDigest, energySource string
		kwh, co2                              float64
		noGit, noHardware                     bool
		files                                 []string
	)
	cmd := &cobra.Command{
		Use:   "capture-env RUN_ID",
		Short: "Record the environment of a run from this machine and source tree",
		Long: `Capture the environment a run ran in and record it on the run: the git
commit, remote URL and dirty flag of the repository at --dir, the
dependency files found there (requirements*.txt, environment.yml, go.mod,
package-lock.json, or those named with --file), this machine's CPU, GPU
(nvidia-smi, if present) and memory, and --image / --image-digest.

What is captured is fixed: running it again can add what was missing
(--kwh and --co2 at the end of a run) but not change a commit or a
dependency list. Model versions registered from the run inherit it.`,
		Example: `  steward runs capture-env 4f1c2a9e --dir . --image ghcr.io/acme/train:1.4 --image-digest sha256:...
  steward runs capture-env 4f1c2a9e --kwh 3.2 --co2 1.1 --energy-source codecarbon --no-git --no-hardware`,
		Args: exactArgs("RUN_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var in client.EnvironmentCapture
			ctx := cmd.Context()
			if !noGit {
				in.Git = gitInfo(ctx, dir)
			}
			if in.DependencyFiles, err = dependencyFiles(dir, files); err != nil {
				return err
			}
			if !noHardware {
				in.Hardware = hardwareInfo(ctx)
				in.Platform = runtime.GOOS + "/" + runtime.GOARCH
			}
			if imageDigest != "" {
				in.Image = &client.Image{Reference: image, Digest: imageDigest}
			} else if image != "" {
				return usageError{fmt.Errorf("--image needs --image-digest: the digest is what identifies the image")}
			}
			if cmd.Flags().Changed("kwh") || cmd.Flags().Changed("co2") {
				in.Energy = &client.Energy{Source: energySource}
				if cmd.Flags().Changed("kwh") {
					in.Energy.KWh = &kwh
				}
				if cmd.Flags().Changed("co2") {
					in.Energy.CO2Kg = &co2
				}
			}
			e, err := c.SetRunEnvironment(ctx, args[0], in)
			if err != nil {
				return err
			}
			return g.emit(cmd, e, func(w io.Writer) { writeEnvTable(w, e) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", ".", "source tree of the run (git repository, dependency files)")
	f.StringArrayVar(&files, "file", nil, "dependency file to send (repeatable; default: the ones found in --dir)")
	f.StringVar(&image, "image", "", "container image reference")
	f.StringVar(&imageDigest, "image-digest", "", "container image digest (sha256:...)")
	f.Float64Var(&kwh, "kwh", 0, "energy used, kWh")
	f.Float64Var(&co2, "co2", 0, "emissions, kg CO₂e")
	f.StringVar(&energySource, "energy-source", "", "what measured the energy (e.g. codecarbon)")
	f.BoolVar(&noGit, "no-git", false, "do not read git")
	f.BoolVar(&noHardware, "no-hardware", false, "do not describe this machine")
	return cmd
}

// gitInfo reads the repository at dir; nil outside a repository or
// without git.
func gitInfo(ctx context.Context, dir string) *client.Git {
	run := func(args ...string) (string, bool) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
		return strings.TrimSpace(string(out)), err == nil
	}
	commit, ok := run("rev-parse", "HEAD")
	if !ok || commit == "" {
		return nil
	}
	g := &client.Git{Commit: commit}
	g.RepoURL, _ = run("config", "--get", "remote.origin.url")
	g.Branch, _ = run("rev-parse", "--abbrev-ref", "HEAD")
	if g.Branch == "HEAD" {
		g.Branch = ""
	}
	status, _ := run("status", "--porcelain", "--untracked-files=no")
	g.Dirty = status != ""
	return g
}

// dependencyFiles reads the named files, or the known ones found in dir.
func dependencyFiles(dir string, named []string) ([]client.DependencyFile, error) {
	paths := named
	if len(paths) == 0 {
		for _, pattern := range []string{"requirements*.txt", "environment.yml", "environment.yaml", "conda.yaml", "go.mod", "package-lock.json"} {
			m, _ := filepath.Glob(filepath.Join(dir, pattern))
			paths = append(paths, m...)
		}
	}
	var out []client.DependencyFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, client.DependencyFile{Kind: filepath.Base(p), Content: string(b)})
	}
	return out, nil
}

// hardwareInfo describes this machine from what Linux and nvidia-smi say.
func hardwareInfo(ctx context.Context) *client.Hardware {
	h := &client.Hardware{CPUCount: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				h.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if f := strings.Fields(rest); len(f) == 2 && f[1] == "kB" {
					if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						h.MemoryBytes = n << 10
					}
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "nvidia-smi", "--query-gpu=name", "--format=csv,noheader").Output(); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				h.GPU = l
				h.GPUCount++
			}
		}
	}
	return h
}

func newRunsLinkDatasetCmd(g *globals) *cobra.Command {
	var context string
	cmd := &cobra.Command{
		Use:   "link-dataset RUN_ID NAME[@VERSION]...",
		Short: "Record registered dataset versions as a run's inputs",
		Long: `Record that a run consumed registered dataset versions (the newest without
@VERSION). MLflow clients see them as the run's dataset inputs. With
--context training (or evaluation), model versions registered from the run
are trained_on (evaluated_on) them in the lineage graph.`,
		Example: `  steward runs link-dataset 4f1c2a9e transactions@3 --context training
  steward runs link-dataset 4f1c2a9e holdout@1 --context evaluation`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var ins []client.RunInput
			for _, a := range args[1:] {
				name, v, err := parseDatasetRef(a)
				if err != nil {
					return err
				}
				ins = append(ins, client.RunInput{Name: name, Version: v, Context: context})
			}
			if err := c.LinkRunInputs(cmd.Context(), args[0], ins); err != nil {
				return err
			}
			g.hint(cmd, "Linked %d dataset version(s) to run %s", len(ins), args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&context, "context", "", "what the data was for: training, evaluation, …")
	return cmd
}
