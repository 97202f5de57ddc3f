package mlflowapi

import (
	"math"
	"sort"
	"strconv"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/tracking"
)

// The MLflow wire shapes (proto3 JSON: empty values are omitted).

type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func kvList(m map[string]string) []keyValue {
	if len(m) == 0 {
		return nil
	}
	out := make([]keyValue, 0, len(m))
	for k, v := range m {
		out = append(out, keyValue{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func kvMap(kvs []keyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

type experimentJSON struct {
	ExperimentID     string     `json:"experiment_id"`
	Name             string     `json:"name"`
	ArtifactLocation string     `json:"artifact_location,omitempty"`
	LifecycleStage   string     `json:"lifecycle_stage"`
	LastUpdateTime   int64      `json:"last_update_time"`
	CreationTime     int64      `json:"creation_time"`
	Tags             []keyValue `json:"tags,omitempty"`
}

func toExperiment(e *tracking.Experiment) experimentJSON {
	return experimentJSON{e.ID, e.Name, e.ArtifactLocation, e.LifecycleStage, e.UpdatedAt, e.CreatedAt, kvList(e.Tags)}
}

type runInfoJSON struct {
	RunUUID        string `json:"run_uuid"`
	ExperimentID   string `json:"experiment_id"`
	RunName        string `json:"run_name,omitempty"`
	UserID         string `json:"user_id"`
	Status         string `json:"status"`
	StartTime      int64  `json:"start_time"`
	EndTime        *int64 `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri"`
	LifecycleStage string `json:"lifecycle_stage"`
	RunID          string `json:"run_id"`
}

type metricJSON struct {
	Key       string         `json:"key"`
	Value     tracking.Float `json:"value"`
	Timestamp int64          `json:"timestamp"`
	Step      int64          `json:"step"`
}

type runDataJSON struct {
	Metrics []metricJSON `json:"metrics,omitempty"`
	Params  []keyValue   `json:"params,omitempty"`
	Tags    []keyValue   `json:"tags,omitempty"`
}

type datasetJSON struct {
	Name       string `json:"name"`
	Digest     string `json:"digest"`
	SourceType string `json:"source_type"`
	Source     string `json:"source"`
	Schema     string `json:"schema,omitempty"`
	Profile    string `json:"profile,omitempty"`
}

type datasetInputJSON struct {
	Tags    []keyValue  `json:"tags,omitempty"`
	Dataset datasetJSON `json:"dataset"`
}

type runInputsJSON struct {
	DatasetInputs []datasetInputJSON `json:"dataset_inputs,omitempty"`
}

type runJSON struct {
	Info   runInfoJSON    `json:"info"`
	Data   runDataJSON    `json:"data"`
	Inputs *runInputsJSON `json:"inputs,omitempty"`
}

func toRunInfo(r *tracking.Run) runInfoJSON {
	return runInfoJSON{r.ID, r.ExperimentID, r.Name, r.UserID, r.Status, r.StartTime, r.EndTime, r.ArtifactURI, r.LifecycleStage, r.ID}
}

// toRun converts a run; withInputs adds the "inputs" object, which MLflow
// returns from runs/get and runs/search but not from runs/create.
func toRun(r *tracking.Run, withInputs bool) runJSON {
	out := runJSON{Info: toRunInfo(r), Data: runDataJSON{Params: kvList(r.Params), Tags: kvList(r.Tags)}}
	for _, m := range r.Metrics {
		// MLflow's SQL store returns an infinite latest value as ±max float.
		if math.IsInf(float64(m.Value), 0) {
			m.Value = tracking.Float(math.Copysign(math.MaxFloat64, float64(m.Value)))
		}
		out.Data.Metrics = append(out.Data.Metrics, metricJSON(m))
	}
	if withInputs {
		out.Inputs = &runInputsJSON{}
		for _, in := range r.Inputs {
			tags := make([]keyValue, len(in.Tags))
			for i, t := range in.Tags {
				tags[i] = keyValue(t)
			}
			if len(tags) == 0 {
				tags = nil
			}
			out.Inputs.DatasetInputs = append(out.Inputs.DatasetInputs, datasetInputJSON{tags, datasetJSON(in.Dataset)})
		}
	}
	return out
}

type aliasJSON struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

type registeredModelJSON struct {
	Name                 string             `json:"name"`
	CreationTimestamp    int64              `json:"creation_timestamp"`
	LastUpdatedTimestamp int64              `json:"last_updated_timestamp"`
	Description          string             `json:"description,omitempty"`
	LatestVersions       []modelVersionJSON `json:"latest_versions,omitempty"`
	Tags                 []keyValue         `json:"tags,omitempty"`
	Aliases              []aliasJSON        `json:"aliases,omitempty"`
}

func toRegisteredModel(m *registry.Model, latest []*registry.Version) registeredModelJSON {
	out := registeredModelJSON{Name: m.Name, CreationTimestamp: m.CreatedAt, LastUpdatedTimestamp: m.UpdatedAt,
		Description: m.Description, Tags: kvList(m.Tags)}
	for _, v := range latest {
		out.LatestVersions = append(out.LatestVersions, toModelVersion(v))
	}
	names := make([]string, 0, len(m.Aliases))
	for a := range m.Aliases {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		out.Aliases = append(out.Aliases, aliasJSON{a, strconv.FormatInt(m.Aliases[a], 10)})
	}
	return out
}

type modelVersionJSON struct {
	Name                 string     `json:"name"`
	Version              string     `json:"version"`
	CreationTimestamp    int64      `json:"creation_timestamp"`
	LastUpdatedTimestamp int64      `json:"last_updated_timestamp"`
	UserID               string     `json:"user_id,omitempty"`
	CurrentStage         string     `json:"current_stage"`
	Description          string     `json:"description"`
	Source               string     `json:"source"`
	RunID                string     `json:"run_id,omitempty"`
	Status               string     `json:"status"`
	StatusMessage        string     `json:"status_message,omitempty"`
	Tags                 []keyValue `json:"tags,omitempty"`
	RunLink              string     `json:"run_link"`
	Aliases              []string   `json:"aliases,omitempty"`
}

// toModelVersion converts a version without its aliases (search results and
// latest_versions); toModelVersionWithAliases adds them (get, get-by-alias).
func toModelVersion(v *registry.Version) modelVersionJSON {
	return modelVersionJSON{Name: v.ModelName, Version: strconv.FormatInt(v.Version, 10), CreationTimestamp: v.CreatedAt,
		LastUpdatedTimestamp: v.UpdatedAt, CurrentStage: string(v.Stage), Description: v.Description, Source: v.Source,
		RunID: v.RunID, Status: v.Status, StatusMessage: v.StatusMessage, Tags: kvList(v.Tags), RunLink: v.RunLink}
}

func toModelVersionWithAliases(v *registry.Version) modelVersionJSON {
	out := toModelVersion(v)
	if len(v.Aliases) > 0 {
		out.Aliases = v.Aliases
	}
	return out
}
