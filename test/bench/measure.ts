// What one load run cost a server (its CPU time and memory, from /proc) and Prometheus (the queries its
// engine evaluated), and the PromQL Prometheus logged: shared by the custom/external scenarios
// (bench.ts) and metrics.k8s.io's (resource.ts).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { LoadResult } from './load.ts';
import { cpuMs, type Memory, memory } from './procstat.ts';
import type { ServingProcess } from './servers.ts';

export interface RunMeasurement extends LoadResult {
  cpuMs?: number;
  memory?: Memory;
  /** Queries Prometheus' engine evaluated during the run (its own counter). */
  prometheusQueries?: number;
}

/** A run with the server's CPU time over it and its memory at its end. */
export async function measure<T extends LoadResult>(
  server: ServingProcess,
  run: () => Promise<T>,
): Promise<T & { cpuMs: number; memory: Memory }> {
  const cpu0 = cpuMs(server.proc.pid);
  const result = await run();
  return { ...result, cpuMs: cpuMs(server.proc.pid) - cpu0, memory: memory(server.proc.pid) };
}

/** A run with the queries Prometheus evaluated during it. */
export async function countQueries<T extends LoadResult>(
  prometheusUrl: string,
  run: () => Promise<T>,
): Promise<T & { prometheusQueries: number }> {
  const before = await engineQueries(prometheusUrl);
  const result = await run();
  return { ...result, prometheusQueries: (await engineQueries(prometheusUrl)) - before };
}

/**
 * Queries Prometheus' engine evaluated since it started, from its own /metrics: the count of
 * prometheus_engine_query_duration_seconds{slice="inner_eval"} (prometheus promql/engine.go), one
 * per query however it came (series requests are not queries and do not count).
 */
async function engineQueries(prometheusUrl: string): Promise<number> {
  const res = await fetch(`${prometheusUrl}/metrics`);
  const text = await res.text();
  const m = /^prometheus_engine_query_duration_seconds_count\{slice="inner_eval"\} (\S+)$/m.exec(text);
  if (!m) throw new Error(`Prometheus at ${prometheusUrl} exposes no inner_eval query count`);
  return Number(m[1]);
}

/** The PromQL logged since byte `offset` of Prometheus' query log. */
export function queriesSince(queryLog: string, offset: number): string[] {
  const size = statSync(queryLog).size;
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(queryLog, 'r');
  try {
    readSync(fd, buf, 0, buf.length, offset);
  } finally {
    closeSync(fd);
  }
  return buf
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { params: { query: string } }).params.query);
}
