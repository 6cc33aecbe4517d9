// The soak itself, shared by `npm run soak` (the whole stack, for minutes) and the CI version
// (test/e2e/soak.test.ts): steady HPA-like load (many distinct custom and external metric requests:
// each HPA asks with its own selector) and `kubectl top`-like load (node and pod lists) straight to
// a cmetrics-proxy as the aggregator sends them, while faults (Prometheus or kube-apiserver
// restarted) come on schedule. Every answer is sorted by when it came: in a fault (from the fault's
// start until every kind of request was answered 200 again) or outside one; the proxy's resident
// memory and open file descriptors are sampled as it goes.
import { readdirSync } from 'node:fs';
import { type Dispatcher, request } from 'undici';
import { memory } from './procstat.ts';

export interface Fault {
  name: string;
  /** When it starts, from the start of the soak. */
  atMs: number;
  /** Brings the fault about and ends it (a restart): resolves once the restarted server is ready. */
  run(): Promise<void>;
}

export interface SoakOptions {
  /** The proxy's HTTPS port on 127.0.0.1, the client that presents the front proxy's certificate, and the X-Remote-* headers. */
  port: number;
  dispatcher: Dispatcher;
  headers: Record<string, string>;
  /** Pods the HPA-like requests may name, one at a time. */
  podNames: () => string[];
  pid: number;
  durationMs: number;
  warmupMs: number;
  requestsPerSecond: number;
  faults: Fault[];
  /** How long after a fault's end the proxy may take to answer every kind of request again. */
  recoveryMs?: number;
  log?: (line: string) => void;
}

interface Sample {
  atMs: number;
  rssMiB: number;
  fds: number;
}

export interface SoakReport {
  requests: number;
  /** Answers by code (0: no answer at all), outside faults and in them. */
  steady: Record<string, number>;
  inFaults: Record<string, number>;
  /** Failures in a fault that are not a 503 Status, and failures outside faults: how many, and the first few. */
  unclearFailures: { count: number; first: string[] };
  /**
   * 502s that relay Prometheus' own 503 (it listens before it is ready, and says so): the proxy
   * answers 502 for any error status from Prometheus, so these are counted apart, not as clear 503s.
   */
  relayedUnavailable: { count: number; first: string[] };
  failuresOutsideFaults: { count: number; first: string[] };
  faults: { name: string; startMs: number; endMs: number; recoveredMs: number | undefined }[];
  samples: Sample[];
  /** RSS: the median of the samples in the first minute after warm-up, and of the last minute. */
  rssAfterWarmupMiB: number;
  rssEndMiB: number;
  rssGrowthPercent: number;
  fdsAfterWarmup: number;
  fdsEnd: number;
  fdsMax: number;
}

type Kind = 'custom-pods' | 'custom-pod' | 'custom-object' | 'external' | 'top-nodes' | 'top-pods';
const KINDS: Kind[] = ['custom-pods', 'custom-pod', 'custom-object', 'external', 'top-nodes', 'top-pods'];

/**
 * HPA number `i`'s request of `kind`: its own selector (a requirement no pod and no series fails)
 * makes it distinct. A metric selector becomes PromQL matchers, so its key is a Prometheus label name.
 */
function soakPath(kind: Kind, i: number, pod: string | undefined): string {
  const own = encodeURIComponent(`app=custom-metrics-app,soak-hpa!=h${i % 500}`);
  const metricOwn = encodeURIComponent(`soak_hpa!=h${i % 500}`);
  switch (kind) {
    case 'custom-pods':
      return `/apis/custom.metrics.k8s.io/v1beta${1 + (i % 2)}/namespaces/default/pods/*/qps?labelSelector=${own}`;
    case 'custom-pod':
      return `/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/${pod ?? '*'}/qps`;
    case 'custom-object':
      return `/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/services/custom-metrics-app/http_requests?metricLabelSelector=${metricOwn}`;
    case 'external':
      return `/apis/external.metrics.k8s.io/v1beta1/namespaces/default/external_requests_per_second?labelSelector=${metricOwn}`;
    case 'top-nodes':
      return `/apis/metrics.k8s.io/v1beta1/nodes`;
    case 'top-pods':
      return `/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=${own}`;
  }
}

const RELAYED_UNAVAILABLE = /^Status: Prometheus at \S+ answered 503\b/;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? (() => undefined);
  const recoveryMs = opts.recoveryMs ?? 90_000;
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const report: SoakReport = {
    requests: 0,
    steady: {},
    inFaults: {},
    unclearFailures: { count: 0, first: [] },
    relayedUnavailable: { count: 0, first: [] },
    failuresOutsideFaults: { count: 0, first: [] },
    faults: [],
    samples: [],
    rssAfterWarmupMiB: 0,
    rssEndMiB: 0,
    rssGrowthPercent: 0,
    fdsAfterWarmup: 0,
    fdsEnd: 0,
    fdsMax: 0,
  };
  /** The fault under way, and the kinds answered 200 since it ended. */
  let current: { fault: SoakReport['faults'][number]; ended: boolean; recovered: Set<Kind> } | undefined;
  const note = (failures: { count: number; first: string[] }, line: string) => {
    failures.count++;
    if (failures.first.length < 20) failures.first.push(line);
  };

  const one = async (i: number) => {
    const kind = KINDS[i % KINDS.length] as Kind;
    const pods = opts.podNames();
    const path = soakPath(kind, Math.floor(i / KINDS.length), pods[i % Math.max(1, pods.length)]);
    const sentMs = now();
    let code = 0;
    let detail = '';
    try {
      const res = await request(`https://127.0.0.1:${opts.port}${path}`, {
        dispatcher: opts.dispatcher,
        headers: opts.headers,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      code = res.statusCode;
      const text = await res.body.text();
      if (code !== 200) {
        const status = JSON.parse(text) as { kind?: string; code?: number; message?: string };
        detail = status.kind === 'Status' && status.code === code ? `Status: ${status.message}` : text;
      }
    } catch (e) {
      detail = (e as Error).message;
    }
    report.requests++;
    const inFault = current !== undefined && sentMs >= current.fault.startMs;
    const counts = inFault ? report.inFaults : report.steady;
    counts[code] = (counts[code] ?? 0) + 1;
    if (code === 200) {
      if (current?.ended) {
        current.recovered.add(kind);
        if (current.recovered.size === KINDS.length) {
          current.fault.recoveredMs = now();
          log(
            `  ${current.fault.name}: every kind of request answered 200 again at ${(now() / 1000).toFixed(1)} s`,
          );
          current = undefined;
        }
      }
      return;
    }
    const line = `${(sentMs / 1000).toFixed(1)} s ${code} ${path}: ${detail.slice(0, 300)}`;
    if (!inFault) note(report.failuresOutsideFaults, line);
    else if (code === 502 && RELAYED_UNAVAILABLE.test(detail)) note(report.relayedUnavailable, line);
    else if (code !== 503 || !detail.startsWith('Status:')) note(report.unclearFailures, line);
  };

  const sample = () => {
    const s = {
      atMs: now(),
      rssMiB: memory(opts.pid).rssMiB,
      fds: readdirSync(`/proc/${opts.pid}/fd`).length,
    };
    report.samples.push(s);
    return s;
  };

  const faults = [...opts.faults].sort((a, b) => a.atMs - b.atMs);
  const faultsDone = (async () => {
    for (const fault of faults) {
      await new Promise((r) => setTimeout(r, Math.max(0, fault.atMs - now())));
      if (now() >= opts.durationMs) return;
      const entry = {
        name: fault.name,
        startMs: now(),
        endMs: 0,
        recoveredMs: undefined as number | undefined,
      };
      report.faults.push(entry);
      current = { fault: entry, ended: false, recovered: new Set() };
      log(`  ${fault.name} at ${(entry.startMs / 1000).toFixed(1)} s`);
      await fault.run();
      entry.endMs = now();
      const ongoing = current;
      ongoing.ended = true;
      log(`  ${fault.name}: restarted at ${(entry.endMs / 1000).toFixed(1)} s`);
      // Not recovered within the bound: later failures count as after recovery.
      setTimeout(() => {
        if (current === ongoing) current = undefined;
      }, recoveryMs).unref();
    }
  })();

  // Steady rate: one request every 1000/rps ms, not waiting for answers (as independent HPAs do).
  const intervalMs = 1000 / opts.requestsPerSecond;
  const inFlight = new Set<Promise<void>>();
  let i = 0;
  let nextSample = 0;
  while (now() < opts.durationMs) {
    const p = one(i++).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (now() >= nextSample) {
      const s = sample();
      if (nextSample % 60_000 < 10_000)
        log(
          `  ${(s.atMs / 60_000).toFixed(2).padStart(6)} min  RSS ${s.rssMiB.toFixed(1)} MiB  fds ${s.fds}  requests ${report.requests}  in flight ${inFlight.size}`,
        );
      nextSample += 10_000;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, i * intervalMs - now())));
  }
  await Promise.all(inFlight);
  await faultsDone;
  sample();

  const afterWarmup = report.samples.filter(
    (s) => s.atMs >= opts.warmupMs && s.atMs < opts.warmupMs + 60_000,
  );
  const last = report.samples.filter((s) => s.atMs >= opts.durationMs - 60_000);
  report.rssAfterWarmupMiB = median(afterWarmup.map((s) => s.rssMiB));
  report.rssEndMiB = median(last.map((s) => s.rssMiB));
  report.rssGrowthPercent = (100 * (report.rssEndMiB - report.rssAfterWarmupMiB)) / report.rssAfterWarmupMiB;
  report.fdsAfterWarmup = median(afterWarmup.map((s) => s.fds));
  report.fdsEnd = median(last.map((s) => s.fds));
  report.fdsMax = Math.max(...report.samples.map((s) => s.fds));
  return report;
}

/** The report in a few lines. */
export function soakSummary(r: SoakReport): string {
  const codes = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, v]) => `${k === '0' ? 'no answer' : k}: ${v}`)
      .join(', ') || 'none';
  const failures = (f: { count: number; first: string[] }) =>
    f.count ? `${f.count}, the first:\n    ${f.first.join('\n    ')}` : 'none';
  return [
    `requests ${r.requests}; outside faults ${codes(r.steady)}; in faults ${codes(r.inFaults)}`,
    ...r.faults.map(
      (f) =>
        `fault ${f.name}: ${(f.startMs / 1000).toFixed(1)} s → restarted ${(f.endMs / 1000).toFixed(1)} s → recovered ${f.recoveredMs === undefined ? 'never' : `${(f.recoveredMs / 1000).toFixed(1)} s`}`,
    ),
    `RSS after warm-up ${r.rssAfterWarmupMiB.toFixed(1)} MiB, at the end ${r.rssEndMiB.toFixed(1)} MiB (${r.rssGrowthPercent.toFixed(1)} %), max ${Math.max(...r.samples.map((s) => s.rssMiB)).toFixed(1)} MiB`,
    `open fds after warm-up ${r.fdsAfterWarmup}, at the end ${r.fdsEnd}, max ${r.fdsMax}`,
    `failures in faults that are not a 503 Status: ${failures(r.unclearFailures)}`,
    `502s in faults relaying Prometheus' own 503 (starting up): ${failures(r.relayedUnavailable)}`,
    `failures outside faults (before, between and after them): ${failures(r.failuresOutsideFaults)}`,
  ].join('\n');
}
