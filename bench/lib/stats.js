'use strict';
/* Percentiles, the nearest-rank way, for every benchmark's figures. */

/** The p-th percentile (0-100) of `values` by nearest rank; NaN for none. */
function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Count, min, p50, p95, p99 and max of `values`. */
function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => percentile(s, p);
  return { n: s.length, min: s[0], p50: q(50), p95: q(95), p99: q(99), max: s[s.length - 1] };
}

module.exports = { percentile, stats };
