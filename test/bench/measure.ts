// What one load run cost a server (its CPU time and memory, from /proc), and the PromQL Prometheus
// logged meanwhile: shared by the custom/external scenarios (bench.ts) and metrics.k8s.io's (resource.ts).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { type LoadOptions, type LoadResult, runLoad, type Target } from './load.ts';
import { cpuMs, type Memory, memory } from './procstat.ts';

export interface RunMeasurement extends LoadResult {
  cpuMs?: number;
  memory?: Memory;
}

export async function measure(
  server: { proc: { pid: number } },
  target: Target,
  opts: LoadOptions,
): Promise<RunMeasurement> {
  const cpu0 = cpuMs(server.proc.pid);
  const result = await runLoad(target, opts);
  return { ...result, cpuMs: cpuMs(server.proc.pid) - cpu0, memory: memory(server.proc.pid) };
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
