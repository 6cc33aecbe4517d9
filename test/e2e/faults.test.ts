// Faults around a running proxy: Prometheus slow, failing, garbled and gone (through a fault proxy in
// front of the real Prometheus), kube-apiserver restarted, and SIGTERM in the middle of load. Runs
// after the other suites (it restarts kube-apiserver) and before loopback.test.ts (vitest.config.ts).
// Prometheus' faults reach a client through custom.metrics.k8s.io, whose every request queries it;
// metrics.k8s.io answers from the resource-metrics store's snapshot, whose own faults (stale past two
// periods, recovery) have a describe of their own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MetricValueList, NodeMetricsList, Status } from '../../shared/api-types.ts';
import { type FaultProxy, startFaultProxy } from '../harness/fault-proxy.ts';
import { eventually, getRaw, kubectl, nextEvaluationSecond, send, tlsAgent } from './helpers.ts';
import { AS_ADMIN, frontProxyClient, type ProxyInstance, startProxyInstance } from './proxy-instance.ts';

const NODES = '/apis/metrics.k8s.io/v1beta1/nodes';
/** A custom metric of the sample app's pods: one PromQL query a request (per settled second). */
const QPS = '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps';
const NAMESPACE = 'e2e-faults';
const DEADLINE_MS = 2000;
/** The fault instance's --metric-resolution: its snapshot is served for two of these after a failure. */
const PERIOD_MS = 5000;

let dir: string;
let faults: FaultProxy;
let proxy: ProxyInstance;
let agent: Agent;

const get = (path: string) => send(proxy.port, path, agent, { headers: AS_ADMIN });
const readyz = async () => (await send(proxy.port, '/readyz', agent)).text;

/** Sets a fault; it shows from the next evaluation second. */
async function fault(...args: Parameters<FaultProxy['set']>) {
  await faults.set(...args);
  await nextEvaluationSecond();
}

/** A timed request: its answer and how long it took. */
async function timed(path: string) {
  const t0 = performance.now();
  const answer = await get(path);
  return { ...answer, ms: performance.now() - t0 };
}

function expectStatus(
  answer: { status: number; body: unknown },
  code: number,
  reason: string,
  message: RegExp,
) {
  expect(answer.status).toBe(code);
  expect(answer.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  expect((answer.body as Status).message).toMatch(message);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-faults-'));
  kubectl(['create', 'namespace', NAMESPACE]);
  faults = await startFaultProxy(inject('prometheusUrl'));
  proxy = await startProxyInstance('e2e-faults-proxy', join(dir, 'proxy'), {
    prometheusUrl: faults.url,
    args: [`--prometheus-timeout=${DEADLINE_MS / 1000}s`],
    metricResolution: `${PERIOD_MS / 1000}s`,
  });
  agent = tlsAgent(proxy.ca, proxy.servername, frontProxyClient(dir));
});

afterAll(async () => {
  await agent?.close();
  await proxy?.stop();
  await faults?.close();
  kubectl(['delete', 'namespace', NAMESPACE, '--wait=false', '--ignore-not-found']);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus faults', () => {
  it('answers through the fault proxy while nothing is wrong', async () => {
    const answer = await get(QPS);
    expect(answer.status).toBe(200);
    expect((answer.body as MetricValueList).kind).toBe('MetricValueList');
    expect(await readyz()).toContain('readyz check passed');
    expect(faults.seen.get('/api/v1/query')).toBeGreaterThan(0);
  });

  it('Prometheus slower than the deadline: 504 within it, /readyz fails', async () => {
    await fault({ kind: 'delay', ms: 3 * DEADLINE_MS });
    const answer = await timed(QPS);
    expectStatus(answer, 504, 'Timeout', /did not answer within 2 s/);
    expect(answer.ms).toBeLessThan(DEADLINE_MS + 1500);
    expect(await readyz()).toMatch(
      /\[-\]prometheus failed: .*did not answer within 2 s[\s\S]*readyz check failed/,
    );
  });

  it('Prometheus refusing queries with 503: 502 saying what Prometheus said', async () => {
    await fault(
      {
        kind: 'status',
        status: 503,
        body: JSON.stringify({
          status: 'error',
          errorType: 'unavailable',
          error: 'too many concurrent queries',
        }),
      },
      /^\/api\/v1\/query$/,
    );
    expectStatus(await get(QPS), 502, 'InternalError', /503 unavailable\): too many concurrent queries/);
    // Its readiness endpoint still answers: ready.
    expect(await readyz()).toContain('[+]prometheus ok');
  });

  it('Prometheus answering with a plain-text 500: 502', async () => {
    await fault(
      { kind: 'status', status: 500, body: 'upstream connect error', contentType: 'text/plain' },
      /^\/api\/v1\/query$/,
    );
    expectStatus(
      await get(QPS),
      502,
      'InternalError',
      /answered 500 with a body that is not JSON: upstream connect error/,
    );
  });

  it('Prometheus answers cut and garbled: 502', async () => {
    await fault({ kind: 'corrupt' }, /^\/api\/v1\/query$/);
    expectStatus(await get(QPS), 502, 'InternalError', /answered 200 with a body that is not JSON/);
  });

  it('Prometheus not ready: /readyz fails with its answer', async () => {
    await faults.set(
      { kind: 'status', status: 503, body: 'Service Unavailable', contentType: 'text/plain' },
      /^\/-\/ready$/,
    );
    expect(await readyz()).toMatch(
      /\[-\]prometheus failed: http:\/\/127\.0\.0\.1:\d+: 503 Service Unavailable/,
    );
  });

  it('Prometheus gone: 503 with Retry-After at once, /readyz fails, the metric list stays', async () => {
    await fault({ kind: 'down' });
    const answer = await timed(QPS);
    expectStatus(answer, 503, 'ServiceUnavailable', /is unreachable: .*ECONNREFUSED/);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.ms).toBeLessThan(DEADLINE_MS);
    const text = await eventually(
      'a relist fails and says so',
      async () => {
        const t = await readyz();
        return t.includes('last relist failed') ? t : undefined;
      },
      30_000,
    );
    expect(text).toMatch(/\[-\]prometheus failed: .*ECONNREFUSED/);
    expect(text).toMatch(/\[\+\]metric-discovery ok \(last relist failed, previous metric list in force/);
    const discovery = await get('/apis/custom.metrics.k8s.io/v1beta2');
    expect(discovery.status).toBe(200);
    expect(JSON.stringify(discovery.body)).toContain('pods/qps');
  });

  it('recovers without a restart once Prometheus is back', async () => {
    await faults.set({ kind: 'none' });
    const answer = await eventually('qps answered again', async () => {
      const a = await get(QPS);
      return a.status === 200 ? a : undefined;
    });
    expect((answer.body as MetricValueList).kind).toBe('MetricValueList');
    await eventually('readyz passes again', async () =>
      (await readyz()).includes('readyz check passed') ? true : undefined,
    );
    expect(proxy.proc.child.exitCode).toBeNull();
  });

  it('counted every failure in its own metrics', async () => {
    const metrics = (await get('/metrics')).text;
    for (const reason of ['timeout', 'unavailable', 'bad_response', 'unreachable'])
      expect(metrics).toMatch(
        new RegExp(`cmetrics_proxy_prometheus_errors_total\\{endpoint="query",reason="${reason}"\\} [1-9]`),
      );
    for (const code of ['502', '503', '504'])
      expect(metrics).toMatch(
        new RegExp(
          `cmetrics_proxy_requests_total\\{group="custom.metrics.k8s.io",resource="pods",code="${code}"\\} [1-9]`,
        ),
      );
  });
});

describe('metrics.k8s.io while Prometheus is gone: the store', () => {
  /** The time of the samples a NodeMetricsList was answered from (one evaluation's). */
  const evaluatedMs = (list: NodeMetricsList) => Math.min(...list.items.map((i) => Date.parse(i.timestamp)));

  it('serves the last snapshot for two periods, then 503 and /readyz saying why', async () => {
    await eventually('nodes answered from a snapshot', async () =>
      (await get(NODES)).status === 200 ? true : undefined,
    );
    await faults.set({ kind: 'down' });
    const served: { atMs: number; evaluatedMs: number }[] = [];
    const refused = await eventually(
      'the snapshot refused once stale',
      async () => {
        const answer = await get(NODES);
        if (answer.status !== 200) return { ...answer, atMs: Date.now() };
        served.push({ atMs: Date.now(), evaluatedMs: evaluatedMs(answer.body as NodeMetricsList) });
        return undefined;
      },
      4 * PERIOD_MS,
      200,
    );
    // From memory while Prometheus is gone, never past two periods of the samples' time.
    expect(served.length).toBeGreaterThan(0);
    for (const s of served) expect(s.atMs - s.evaluatedMs).toBeLessThanOrEqual(2 * PERIOD_MS + 500);
    const last = served[served.length - 1] as (typeof served)[number];
    expect(refused.atMs - last.evaluatedMs).toBeGreaterThanOrEqual(2 * PERIOD_MS);
    const why =
      /resource metrics are \d+s old \(evaluated at [^)]+\), more than two periods of 5s; the last evaluation failed: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable: .*ECONNREFUSED/;
    expectStatus(refused, 503, 'ServiceUnavailable', why);
    expect(refused.headers['retry-after']).toBe('1');
    expect(await readyz()).toMatch(new RegExp(`\\[-\\]resource-metrics failed: ${why.source}`));
  });

  it('recovers by itself once Prometheus is back', async () => {
    await faults.set({ kind: 'none' });
    const list = await eventually(
      'nodes answered again',
      async () => {
        const a = await get(NODES);
        return a.status === 200 ? (a.body as NodeMetricsList) : undefined;
      },
      4 * PERIOD_MS,
      200,
    );
    expect(list.items.length).toBeGreaterThan(0);
    expect(Date.now() - evaluatedMs(list)).toBeLessThanOrEqual(2 * PERIOD_MS + 500);
    await eventually('readyz passes again', async () =>
      (await readyz()).includes('[+]resource-metrics ok') ? true : undefined,
    );
    const metrics = (await get('/metrics')).text;
    expect(metrics).toMatch(
      /cmetrics_proxy_requests_total\{group="metrics.k8s.io",resource="nodes",code="503"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /cmetrics_proxy_resource_metrics_evaluation_duration_seconds_count\{result="failure"\} [1-9]/,
    );
  });
});

describe('kube-apiserver restarted', () => {
  it('watches resume: objects made after the restart are seen, and answers are right again', async () => {
    const podsCached = async () => Number(/synced: .*\bpods (\d+)/.exec(await readyz())?.[1]);
    const before = await podsCached();
    expect(before).toBeGreaterThan(0);
    // Nodes without metrics (an earlier file's bulk-node) are left out, as metrics-server does.
    const answered = await get(NODES);
    expect(answered.status).toBe(200);
    const nodes = (answered.body as NodeMetricsList).items.map((i) => i.metadata.name).sort();
    expect(nodes).not.toEqual([]);
    const res = await request(`${inject('harnessControl')}/kube-apiserver/restart`, { method: 'POST' });
    expect(`${res.statusCode} ${await res.body.text()}`).toBe('200 restarted\n');
    await eventually('the pod watch failed and resumed', () =>
      /"msg":"watch resumed","resource":"pods"/.test(proxy.log()) ? true : undefined,
    );
    expect(proxy.log()).toMatch(/"msg":"watch failed; restarting","resource":"pods"/);
    kubectl([
      'run',
      'e2e-after-restart',
      '-n',
      NAMESPACE,
      '--image=registry.k8s.io/pause:3.10',
      '--restart=Never',
    ]);
    await eventually(
      'the new pod is in the cache',
      async () => ((await podsCached()) === before + 1 ? true : undefined),
      30_000,
    );
    const direct = await eventually('nodes answered after the restart', async () => {
      const a = await get(NODES);
      return a.status === 200 ? (a.body as NodeMetricsList) : undefined;
    });
    expect(direct.items.map((i) => i.metadata.name).sort()).toEqual(nodes);
    // And through the restarted aggregator, to the stack's own proxy.
    const viaAggregator = await eventually(
      'the aggregator serves node metrics again',
      () => {
        const r = getRaw<NodeMetricsList>(NODES);
        return r.ok ? r.body : undefined;
      },
      90_000,
      1000,
    );
    expect(viaAggregator.items.map((i) => i.metadata.name).sort()).toEqual(nodes);
  });
});

describe('SIGTERM under load', () => {
  it('answers every request it took, refuses the rest before taking them, and exits 0', async () => {
    // Every query waits 300 ms in the fault proxy, so requests are under way when the signal comes
    // (custom metrics: each request queries Prometheus).
    await faults.set({ kind: 'delay', ms: 300 }, /^\/api\/v1\/query$/);
    const target = await startProxyInstance('e2e-sigterm-proxy', join(dir, 'sigterm'), {
      prometheusUrl: faults.url,
      args: ['--shutdown-delay-duration=1s', '--shutdown-timeout=15s'],
    });
    const loadAgent = tlsAgent(target.ca, target.servername, frontProxyClient(dir));
    const outcome = { ok: 0, refused: 0, cut: [] as string[] };
    let exited = false;
    void target.proc.exited.then(() => {
      exited = true;
    });
    const loop = async () => {
      while (!exited) {
        let res: Awaited<ReturnType<typeof request>>;
        try {
          res = await request(`https://127.0.0.1:${target.port}${QPS}`, {
            dispatcher: loadAgent,
            headers: AS_ADMIN,
          });
        } catch {
          // No answer at all: the connection was refused or closed before the request was taken
          // (the server's own count below proves none it took went unanswered).
          outcome.refused++;
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        try {
          const body = (await res.body.json()) as MetricValueList;
          if (res.statusCode === 200 && body.kind === 'MetricValueList') outcome.ok++;
          else outcome.cut.push(`${res.statusCode} ${JSON.stringify(body).slice(0, 200)}`);
        } catch (e) {
          outcome.cut.push(`body: ${(e as Error).message}`);
        }
      }
    };
    const loops = Array.from({ length: 12 }, loop);
    await eventually('load under way', () => (outcome.ok >= 24 ? true : undefined), 30_000, 50);
    const okBeforeSignal = outcome.ok;
    process.kill(target.proc.pid, 'SIGTERM');
    const code = await target.proc.exited;
    await Promise.all(loops);
    await loadAgent.close();
    const stopped = target
      .log()
      .split('\n')
      .find((l) => l.includes('"msg":"server stopped"'));
    expect(stopped, target.log().split('\n').slice(-20).join('\n')).toBeDefined();
    const counts = JSON.parse(stopped as string) as {
      accepted: number;
      answered: number;
      unfinished: number;
    };
    console.log(
      `[sigterm] ${outcome.ok} answered (${outcome.ok - okBeforeSignal} after the signal), ${outcome.refused} refused before being taken; server: ${JSON.stringify(counts)}`,
    );
    expect(code).toBe(0);
    expect(outcome.cut).toEqual([]);
    expect(counts.unfinished).toBe(0);
    expect(counts.answered).toBe(counts.accepted);
    // Every request the server took reached the client whole.
    expect(outcome.ok).toBe(counts.accepted);
    expect(outcome.ok - okBeforeSignal).toBeGreaterThan(0);
    expect(target.log()).toContain('"msg":"shutting down: readiness fails now"');
    await faults.set({ kind: 'none' });
  });
});
