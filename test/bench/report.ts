// The benchmark's results as Markdown tables (what docs/performance.md shows), and the targets of
// issues 7, 15 and 16 checked against them.
import type { BenchResult, PacedScenarioResult, ScenarioResult } from './bench.ts';
import type { RunMeasurement } from './measure.ts';
import type { Comparison } from './plugin.ts';
import { RESOURCE_SERVERS, type ResourceBenchResult, type ResourceServerName } from './resource.ts';
import { type Contender, TUNED_ADAPTER_FLAGS } from './servers.ts';

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

/** The HPA's path, every request its own: distinct custom pods/* against the tuned adapter. */
const HEADLINE_SCENARIOS = ['custom-pods-distinct', 'custom-object-distinct'];

const LABELS: Record<Contender, string> = {
  cmetrics: 'cmetrics',
  adapter: 'adapter as shipped',
  adapterTuned: 'adapter tuned',
};

/** Prometheus queries per request of a run, from Prometheus' own counter. */
function queriesPerRequest(m: RunMeasurement): string {
  if (m.prometheusQueries === undefined || !m.requests) return '';
  const q = m.prometheusQueries / m.requests;
  return q >= 10 ? f1(q) : q.toFixed(q < 0.1 ? 3 : 2);
}

export function targets(r: BenchResult): Target[] {
  const out: Target[] = [];
  for (const s of r.scenarios.filter((x) => HEADLINE_SCENARIOS.includes(x.id))) {
    const c = s.runs.cmetrics;
    const a = s.runs.adapterTuned;
    out.push({
      name: `${s.id}: throughput`,
      goal: '≥ 10× adapter tuned',
      measured: ratio(c.throughput, a.throughput),
      met: c.throughput >= 10 * a.throughput,
    });
    out.push({
      name: `${s.id}: p99 latency`,
      goal: '≤ 1/10 of adapter tuned',
      measured: ratio(c.latencyMs.p99, a.latencyMs.p99),
      met: c.latencyMs.p99 * 10 <= a.latencyMs.p99,
    });
  }
  // RSS: after warm-up, and at the end of each load, against the lighter of the two adapters.
  const lighter = (m: Record<Contender, { rssMiB: number }>) =>
    Math.min(m.adapter.rssMiB, m.adapterTuned.rssMiB);
  out.push({
    name: 'RSS after warm-up',
    goal: '≤ adapter',
    measured: `${mib(r.idle.cmetrics.rssMiB)} vs ${mib(lighter(r.idle))} MiB`,
    met: r.idle.cmetrics.rssMiB <= lighter(r.idle),
  });
  const loads = [...r.scenarios, ...r.paced].map((s) => ({
    id: s.id,
    c: s.runs.cmetrics.memory?.rssMiB ?? 0,
    a: Math.min(s.runs.adapter.memory?.rssMiB ?? 0, s.runs.adapterTuned.memory?.rssMiB ?? 0),
  }));
  const above = loads.filter((l) => l.c > l.a);
  const worst = loads.reduce((w, l) => (l.c / l.a > w.c / w.a ? l : w), loads[0] ?? { id: '', c: 0, a: 1 });
  out.push({
    name: 'RSS under each load',
    goal: '≤ adapter',
    measured: above.length
      ? `above in ${above.length} of ${loads.length} (worst ${worst.id}: ${mib(worst.c)} vs ${mib(worst.a)} MiB)`
      : `below in all ${loads.length} (closest ${worst.id}: ${mib(worst.c)} vs ${mib(worst.a)} MiB)`,
    met: !above.length,
  });
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
  return `| ${label} | ${f1(m.throughput)} | ${f2(m.latencyMs.p50)} | ${f2(m.latencyMs.p99)} | ${cpuPerRequest} | ${queriesPerRequest(m)} | ${rss} | ${m.errors} |`;
}

const cpu = (m: RunMeasurement) => (m.cpuMs ?? 0) / Math.max(1, m.requests);

function ratioRow(label: string, c: RunMeasurement, a: RunMeasurement): string {
  return `| ${label} | ${ratio(c.throughput, a.throughput)} | ${ratio(c.latencyMs.p50, a.latencyMs.p50)} | ${ratio(c.latencyMs.p99, a.latencyMs.p99)} | ${ratio(cpu(c), cpu(a))} | | ${ratio(c.memory?.rssMiB ?? 0, a.memory?.rssMiB ?? 0)} | |`;
}

function scenarioRows(s: ScenarioResult): string[] {
  const { cmetrics: c, adapter: a, adapterTuned: t } = s.runs;
  return [
    runRow(`**${s.title}** — cmetrics`, c),
    runRow(`… ${LABELS.adapter}`, a),
    runRow(`… ${LABELS.adapterTuned}`, t),
    ...(s.bare?.cmetrics ? [runRow("… cmetrics' PromQL, bare", s.bare.cmetrics)] : []),
    ...(s.bare?.adapter ? [runRow("… adapter's PromQL, bare", s.bare.adapter)] : []),
    ratioRow('… cmetrics / adapter tuned', c, t),
    ratioRow('… cmetrics / adapter as shipped', c, a),
  ];
}

function pacedRows(p: PacedScenarioResult): string[] {
  return (Object.keys(LABELS) as Contender[]).map((name, i) => {
    const m = p.runs[name];
    const label = i === 0 ? `**${p.title}** — ${LABELS[name]}` : `… ${LABELS[name]}`;
    const cpuPerSync = m.requests ? f2(m.cpuMs / m.requests) : '';
    return `| ${label} | ${f1(p.hpas / p.syncSeconds)} | ${f1(m.throughput)} | ${f2(m.latencyMs.p50)} | ${f2(m.latencyMs.p99)} | ${cpuPerSync} | ${queriesPerRequest(m)} | ${mib(m.memory.rssMiB)} (${mib(m.memory.peakRssMiB)}) | ${m.missed} of ${m.due} | ${m.errors} |`;
  });
}

/** The headline: every request distinct, cmetrics against the tuned adapter. */
function headlineRows(r: BenchResult): string[] {
  return r.scenarios
    .filter((s) => s.distinct)
    .map((s) => {
      const { cmetrics: c, adapterTuned: t, adapter: a } = s.runs;
      return `| ${s.title} | ${f1(c.throughput)} | ${f1(t.throughput)} | **${ratio(c.throughput, t.throughput)}** | ${ratio(c.latencyMs.p99, t.latencyMs.p99)} | ${ratio(c.throughput, a.throughput)} | ${queriesPerRequest(c)} / ${queriesPerRequest(t)} | ${mib(c.memory?.rssMiB)} / ${mib(t.memory?.rssMiB)} |`;
    });
}

const RESOURCE_LABELS: Record<ResourceServerName, string> = {
  cmetrics: 'cmetrics',
  metricsServer: 'metrics-server',
  adapter: 'adapter',
};

/** metrics.k8s.io beside metrics-server, with issue 15's goals against it. */
function resourceSection(r: ResourceBenchResult): string[] {
  const goals = r.scenarios.flatMap((s) => {
    const c = s.runs.cmetrics;
    const m = s.runs.metricsServer;
    return [
      `| ${s.id}: throughput ≥ metrics-server's | ${f1(c.throughput)} vs ${f1(m.throughput)} req/s | ${c.throughput >= m.throughput ? 'yes' : '**no**'} |`,
      `| ${s.id}: p99 ≤ 1.0× metrics-server's | ${f2(c.latencyMs.p99)} vs ${f2(m.latencyMs.p99)} ms | ${c.latencyMs.p99 <= m.latencyMs.p99 ? 'yes' : '**no**'} |`,
    ];
  });
  const rss = (name: ResourceServerName) => Math.round(r.idle[name].rssMiB);
  return [
    '### metrics.k8s.io: cmetrics, metrics-server, adapter',
    '',
    `Each server driven directly as the aggregator would; metrics-server v0.8.0 scraping the same kwok nodes every ${r.metricsServerResolution}. metrics-server sends Prometheus nothing: no query count.`,
    '',
    '| scenario / server | req/s | p50 ms | p99 ms | CPU ms/req | Prometheus queries/req | RSS MiB (peak) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.scenarios.flatMap((s) =>
      RESOURCE_SERVERS.map((name, i) =>
        runRow(i ? `… ${RESOURCE_LABELS[name]}` : `**${s.title}** — ${RESOURCE_LABELS[name]}`, s.runs[name]),
      ),
    ),
    '',
    `RSS once all three serve every scenario, before the load: ${RESOURCE_SERVERS.map((n) => `${RESOURCE_LABELS[n]} ${rss(n)} MiB`).join(', ')}.`,
    '',
    "PromQL cmetrics sends Prometheus under a fixed request rate (the four scenarios in turn): four per evaluation of its store, by its own count; beside it every query Prometheus' query log shows meanwhile (the stack's own proxy and HPA too):",
    '',
    '| req/s | seconds | requests | errors | cmetrics queries | queries/min | all logged |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...r.paced.map(
      (p) =>
        `| ${p.perSecond} | ${f1(p.seconds)} | ${p.requests} | ${p.errors} | ${p.queries} | ${f1(p.queriesPerMinute)} | ${p.logged} |`,
    ),
    '',
    '| goal (issue 15) | measured | met |',
    '|---|---|---|',
    ...goals,
    `| RSS ≤ metrics-server's | ${rss('cmetrics')} vs ${rss('metricsServer')} MiB | ${rss('cmetrics') <= rss('metricsServer') ? 'yes' : '**no**'} |`,
    '',
  ];
}

export function markdown(r: BenchResult): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(
    `Run of ${r.date}; load average at the start: \`${r.loadavg}\`. Concurrency ${o.concurrency}, ${o.durationMs / 1000} s per run; ${o.benchPods.toLocaleString('en')} pods in the bench namespace, ${o.totalPods.toLocaleString('en')} Running pods in all; Prometheus scrapes every ${r.scrapeIntervalSeconds} s.`,
    '',
    '### Every request distinct: cmetrics against the tuned adapter',
    '',
    '| scenario | cmetrics req/s | adapter tuned req/s | throughput ratio | p99 ratio | vs adapter as shipped | Prometheus queries/req (cmetrics / tuned) | RSS MiB (cmetrics / tuned) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...headlineRows(r),
    '',
    '### Load',
    '',
    `Closed loop, ${o.concurrency} connections. "Adapter tuned" runs with ${TUNED_ADAPTER_FLAGS.map((f) => `\`${f}\``).join(' ')}. Prometheus queries per request are counted by Prometheus itself (\`prometheus_engine_query_duration_seconds_count{slice="inner_eval"}\` before and after the run).`,
    '',
    '| scenario / server | req/s | p50 ms | p99 ms | CPU ms/req | Prometheus queries/req | RSS MiB (peak) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.scenarios.flatMap(scenarioRows),
    '',
    `RSS once all serve every scenario, before the load: cmetrics ${mib(r.idle.cmetrics.rssMiB)} MiB, adapter as shipped ${mib(r.idle.adapter.rssMiB)} MiB, adapter tuned ${mib(r.idle.adapterTuned.rssMiB)} MiB.`,
    '',
    '### Paced at the HPA rate',
    '',
    `Open loop: N HPAs each ask for their own metric every ${r.paced[0]?.syncSeconds ?? 15} s, evenly spread, at most ${r.paced[0]?.workers ?? 5} in flight (the HPA controller's workers); latency counts from when a sync was due, so waiting for a worker is in it. ${o.pacedDurationMs / 1000} s per run; "missed" syncs were still waiting at the end.`,
    '',
    '| HPAs / server | syncs/s due | served/s | p50 ms | p99 ms | CPU ms/sync | Prometheus queries/sync | RSS MiB (peak) | missed | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.paced.flatMap(pacedRows),
    '',
    ...resourceSection(r.resource),
    "### PromQL per request (from Prometheus' query log)",
    '',
    '| scenario | cmetrics: queries, longest | adapter: queries, longest |',
    '|---|---:|---:|',
    ...r.scenarios.map(
      (s) =>
        `| ${s.id} | ${s.queries.cmetrics.length}, ${longest(s.queries.cmetrics)} B | ${s.queries.adapter.length}, ${longest(s.queries.adapter)} B |`,
    ),
    '',
    '### Overhead over the bare query (concurrency 1, each answer and each bare query first in its own evaluation second, p50 ms)',
    '',
    'The overhead is the answer less its PromQL sent bare to Prometheus; part of it is the round trip to the server itself (TLS and HTTP, measured on the same connection with `/healthz`).',
    '',
    '| scenario | cmetrics | its PromQL bare | overhead | of which round trip | adapter | its PromQL bare | overhead | of which round trip |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.overhead.map(
      (x) =>
        `| ${x.id} | ${f2(x.p50Ms.cmetrics)} | ${f2(x.p50Ms.cmetricsBare)} | ${f2(x.p50Ms.cmetrics - x.p50Ms.cmetricsBare)} | ${f2(x.p50Ms.cmetricsRoundTrip)} | ${f2(x.p50Ms.adapter)} | ${f2(x.p50Ms.adapterBare)} | ${f2(x.p50Ms.adapter - x.p50Ms.adapterBare)} | ${f2(x.p50Ms.adapterRoundTrip)} |`,
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
