// The benchmark's results as Markdown tables (what docs/performance.md shows), and the targets of
// issue 7 checked against them.
import type { BenchResult, ScenarioResult } from './bench.ts';
import type { RunMeasurement } from './measure.ts';
import type { Comparison } from './plugin.ts';
import { resourceMarkdown } from './resource.ts';

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const ratio = (c: number, a: number) => (a > 0 ? `${f2(c / a)}×` : 'n/a');
const longest = (queries: string[]) => Math.max(0, ...queries.map((q) => Buffer.byteLength(q)));
const mib = (n: number | undefined) => (n === undefined ? '' : Math.round(n).toString());

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

/** Custom metrics are the HPA's path: the pods/* and Object scenarios. */
const CUSTOM_SCENARIOS = ['custom-pods', 'custom-object'];

export function targets(r: BenchResult): Target[] {
  const out: Target[] = [];
  for (const s of r.scenarios.filter((x) => CUSTOM_SCENARIOS.includes(x.id))) {
    const c = s.runs.cmetrics;
    const a = s.runs.adapter;
    out.push({
      name: `${s.id}: throughput`,
      goal: '≥ 10× adapter',
      measured: ratio(c.throughput, a.throughput),
      met: c.throughput >= 10 * a.throughput,
    });
    out.push({
      name: `${s.id}: p99 latency`,
      goal: '≤ 1/10 of adapter',
      measured: ratio(c.latencyMs.p99, a.latencyMs.p99),
      met: c.latencyMs.p99 * 10 <= a.latencyMs.p99,
    });
  }
  for (const o of r.overhead) {
    const overhead = o.p50Ms.cmetrics - o.p50Ms.cmetricsBare;
    out.push({
      name: `${o.id}: overhead over the bare query, p50, no cached answer`,
      goal: '≤ 1 ms',
      measured: `${f2(overhead)} ms`,
      met: overhead <= 1,
    });
  }
  const biggest = r.relist[r.relist.length - 1];
  if (biggest) {
    const c = biggest.memory.cmetrics.peakRssMiB;
    const a = biggest.memory.adapter.peakRssMiB;
    out.push({
      name: `peak RSS at ${biggest.series.toLocaleString('en')} series`,
      goal: '≤ 1/10 of adapter',
      measured: `${mib(c)} vs ${mib(a)} MiB (${ratio(c, a)})`,
      met: c * 10 <= a,
    });
  }
  for (const c of r.plugin) {
    if (c.goal === undefined) continue;
    out.push({
      name: `plugin: ${c.measure}`,
      goal: `≤ ${c.goal.toFixed(1)}× \`${c.reference.command}\``,
      measured: `${f1(c.cmetrics.ms)} vs ${f1(c.reference.ms)} ms (${ratio(c.cmetrics.ms, c.reference.ms)})`,
      met: c.cmetrics.ms <= c.goal * c.reference.ms,
    });
  }
  return out;
}

function sameOutput(c: Comparison): string {
  if (c.sameOutput === undefined) return '';
  if (!c.sameOutput) return ` (same output: NO, ${c.firstDifference})`;
  const moved = c.valuesMoved;
  return moved
    ? ` (same pods; a value moved in ${moved.runs} run(s), first ${moved.first})`
    : ' (same output: yes)';
}

function runRow(label: string, m: RunMeasurement): string {
  const cpuPerRequest = m.cpuMs === undefined || !m.requests ? '' : f2(m.cpuMs / m.requests);
  const rss = m.memory ? `${mib(m.memory.rssMiB)} (${mib(m.memory.peakRssMiB)})` : '';
  return `| ${label} | ${f1(m.throughput)} | ${f2(m.latencyMs.p50)} | ${f2(m.latencyMs.p99)} | ${cpuPerRequest} | ${rss} | ${m.errors} |`;
}

function scenarioRows(s: ScenarioResult): string[] {
  const { cmetrics: c, adapter: a } = s.runs;
  const cpu = (m: RunMeasurement) => (m.cpuMs ?? 0) / Math.max(1, m.requests);
  return [
    runRow(`**${s.title}** — cmetrics`, c),
    runRow('… adapter', a),
    runRow("… cmetrics' PromQL, bare", s.runs.cmetricsBare),
    runRow("… adapter's PromQL, bare", s.runs.adapterBare),
    `| … cmetrics / adapter | ${ratio(c.throughput, a.throughput)} | ${ratio(c.latencyMs.p50, a.latencyMs.p50)} | ${ratio(c.latencyMs.p99, a.latencyMs.p99)} | ${ratio(cpu(c), cpu(a))} | ${ratio(c.memory?.rssMiB ?? 0, a.memory?.rssMiB ?? 0)} | |`,
  ];
}

export function markdown(r: BenchResult): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(
    `Run of ${r.date}; load average at the start: \`${r.loadavg}\`. Concurrency ${o.concurrency}, ${o.durationMs / 1000} s per run; ${o.benchPods.toLocaleString('en')} pods in the bench namespace, ${o.totalPods.toLocaleString('en')} Running pods in all; Prometheus scrapes every ${r.scrapeIntervalSeconds} s.`,
    '',
    '### Load',
    '',
    '| scenario / server | req/s | p50 ms | p99 ms | CPU ms/req | RSS MiB (peak) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.scenarios.flatMap(scenarioRows),
    '',
    `RSS once both serve every scenario, before the load: cmetrics ${mib(r.idle.cmetrics.rssMiB)} MiB, adapter ${mib(r.idle.adapter.rssMiB)} MiB.`,
    '',
    ...resourceMarkdown(r.resource),
    "### PromQL per request (from Prometheus' query log)",
    '',
    '| scenario | cmetrics: queries, longest | adapter: queries, longest |',
    '|---|---:|---:|',
    ...r.scenarios.map(
      (s) =>
        `| ${s.id} | ${s.queries.cmetrics.length}, ${longest(s.queries.cmetrics)} B | ${s.queries.adapter.length}, ${longest(s.queries.adapter)} B |`,
    ),
    '',
    '### Overhead over the bare query (concurrency 1, each request on a fresh evaluation second, p50 ms)',
    '',
    '| scenario | cmetrics | its PromQL bare | overhead | adapter | its PromQL bare | overhead |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.overhead.map(
      (x) =>
        `| ${x.id} | ${f2(x.p50Ms.cmetrics)} | ${f2(x.p50Ms.cmetricsBare)} | ${f2(x.p50Ms.cmetrics - x.p50Ms.cmetricsBare)} | ${f2(x.p50Ms.adapter)} | ${f2(x.p50Ms.adapterBare)} | ${f2(x.p50Ms.adapter - x.p50Ms.adapterBare)} |`,
    ),
    '',
    '### Discovery (relist) at scale',
    '',
    `Series backfilled with promtool into a Prometheus of their own; the cluster emptied of the bench's pods; each server alone, from process start until its discovery lists every metric; memory read after a second relist (interval ${o.relistIntervalSeconds} s).`,
    '',
    '| series | metrics | cmetrics: discovery complete | adapter: discovery complete | cmetrics RSS MiB (peak) | adapter RSS MiB (peak) | peak ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...r.relist.map(
      (x) =>
        `| ${x.series.toLocaleString('en')} | ${x.metrics} | ${f1(x.discoveryMs.cmetrics / 1000)} s | ${f1(x.discoveryMs.adapter / 1000)} s | ${mib(x.memory.cmetrics.rssMiB)} (${mib(x.memory.cmetrics.peakRssMiB)}) | ${mib(x.memory.adapter.rssMiB)} (${mib(x.memory.adapter.peakRssMiB)}) | ${ratio(x.memory.cmetrics.peakRssMiB, x.memory.adapter.peakRssMiB)} |`,
    ),
    '',
    '### Plugin',
    '',
    'The shipped linux/amd64 executable on PATH, run by kubectl as users run it; runs alternate with the reference, median wall-clock ms. `top` runs each start on a fresh evaluation second of the proxy.',
    '',
    '| measure | kubectl-cmetrics | reference | ratio | goal | load average |',
    '|---|---:|---:|---:|---:|---|',
    ...r.plugin.map(
      (c) =>
        `| ${c.measure}${sameOutput(c)}: \`${c.cmetrics.command}\` | ${f1(c.cmetrics.ms)} | ${f1(c.reference.ms)} (\`${c.reference.command}\`) | ${ratio(c.cmetrics.ms, c.reference.ms)} | ${c.goal === undefined ? '' : `≤ ${c.goal.toFixed(1)}×`} | ${c.loadavg.split(' ').slice(0, 3).join(' ')} |`,
    ),
    '',
    '### Targets',
    '',
    '| target | goal | measured | met |',
    '|---|---|---|---|',
    ...targets(r).map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`),
    '',
    '### Conformance: differences between the answers',
    '',
    '| request | field | class | why | items | example (cmetrics / adapter) |',
    '|---|---|---|---|---:|---|',
    ...r.conformance.flatMap((c) =>
      c.differences.length
        ? c.differences.map(
            (d) =>
              `| ${c.request} | \`${d.field}\` | ${d.class} | ${d.why} | ${d.count} | ${d.example.item}: \`${d.example.cmetrics ?? '—'}\` / \`${d.example.adapter ?? '—'}\` |`,
          )
        : [`| ${c.request} | — | identical | | | |`],
    ),
    '',
  );
  return lines.join('\n');
}
