package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// recorder collects request latencies per operation label. Workers record
// into their own sample and merge once at the end, so recording costs an
// append, not a lock. Percentiles come from the sorted full sample (nearest
// rank): exact, and at a few hundred thousand requests per run it is cheap.
type recorder struct {
	mu   sync.Mutex
	lat  map[string][]time.Duration
	errs map[string]int
	msgs map[string]string // first error message per label
}

func newRecorder() *recorder {
	return &recorder{lat: map[string][]time.Duration{}, errs: map[string]int{}, msgs: map[string]string{}}
}

// sample is one worker's private share.
type sample struct {
	lat  map[string][]time.Duration
	errs map[string]int
	msgs map[string]string
}

func newSample() *sample {
	return &sample{lat: map[string][]time.Duration{}, errs: map[string]int{}, msgs: map[string]string{}}
}

func (s *sample) ok(label string, d time.Duration) { s.lat[label] = append(s.lat[label], d) }

func (s *sample) fail(label string, err error) {
	s.errs[label]++
	if _, ok := s.msgs[label]; !ok {
		s.msgs[label] = err.Error()
	}
}

func (r *recorder) merge(s *sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range s.lat {
		r.lat[k] = append(r.lat[k], v...)
	}
	for k, v := range s.errs {
		r.errs[k] += v
	}
	for k, v := range s.msgs {
		if _, ok := r.msgs[k]; !ok {
			r.msgs[k] = v
		}
	}
}

// summary is the figures of one label.
type summary struct {
	Label              string
	Count, Errors      int
	PerSec             float64
	P50, P90, P99, Max time.Duration
	Mean               time.Duration
}

func summarize(label string, ds []time.Duration, errs int, window time.Duration) summary {
	s := summary{Label: label, Count: len(ds), Errors: errs}
	if window > 0 {
		s.PerSec = float64(len(ds)) / window.Seconds()
	}
	if len(ds) == 0 {
		return s
	}
	slices.Sort(ds)
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	s.Mean = total / time.Duration(len(ds))
	s.P50, s.P90, s.P99, s.Max = pct(ds, 0.50), pct(ds, 0.90), pct(ds, 0.99), ds[len(ds)-1]
	return s
}

// pct is the nearest-rank percentile of sorted ds.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// report prints one row per label and an "all" row when there are several.
func (r *recorder) report(w io.Writer, window time.Duration) []summary {
	labels := make([]string, 0, len(r.lat))
	for k := range r.lat {
		labels = append(labels, k)
	}
	for k := range r.errs {
		if _, ok := r.lat[k]; !ok {
			labels = append(labels, k)
		}
	}
	sort.Strings(labels)
	var out []summary
	var all []time.Duration
	allErrs := 0
	for _, l := range labels {
		out = append(out, summarize(l, r.lat[l], r.errs[l], window))
		all = append(all, r.lat[l]...)
		allErrs += r.errs[l]
	}
	if len(labels) > 1 {
		out = append(out, summarize("all", all, allErrs, window))
	}
	fmt.Fprintf(w, "%-26s %9s %9s %9s %9s %9s %9s %9s %7s\n", "operation", "requests", "req/s", "mean", "p50", "p90", "p99", "max", "errors")
	for _, s := range out {
		fmt.Fprintf(w, "%-26s %9d %9.1f %9s %9s %9s %9s %9s %7d\n", s.Label, s.Count, s.PerSec,
			ms(s.Mean), ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), s.Errors)
	}
	for _, l := range labels {
		if m, ok := r.msgs[l]; ok {
			fmt.Fprintf(w, "  first error of %s: %s\n", l, strings.TrimSpace(m))
		}
	}
	return out
}

// ms formats a duration in milliseconds with three significant-ish digits.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0fms", f)
	case f >= 10:
		return fmt.Sprintf("%.1fms", f)
	default:
		return fmt.Sprintf("%.2fms", f)
	}
}
