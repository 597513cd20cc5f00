// The benchmarks baseline: an empty script, run under looop's permission set.
