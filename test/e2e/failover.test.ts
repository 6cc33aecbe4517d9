// A backend of two Prometheus servers holding the same data (an HA pair without Thanos): the stack's,
// behind a fault proxy, and a second one scraping the same targets. A proxy of its own, given both in
// --prometheus-url, keeps answering while the first is slow or gone, says so in /readyz and /metrics,
// goes back to it once it is back, and answers a Status that says what to do when both are gone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MetricValueList, Status } from '../../shared/api-types.ts';
import { type FaultProxy, startFaultProxy } from '../harness/fault-proxy.ts';
import { type PrometheusReplica, promQuery, startPrometheusReplica } from '../harness/prometheus.ts';
import { eventually, nextEvaluationSecond, send, tlsAgent } from './helpers.ts';
import { AS_ADMIN, frontProxyClient, type ProxyInstance, startProxyInstance } from './proxy-instance.ts';

const QPS =
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app';
const DEADLINE_MS = 2000;

let dir: string;
let first: FaultProxy;
let second: PrometheusReplica;
let proxy: ProxyInstance;
let agent: Agent;

const get = (path: string) => send(proxy.port, path, agent, { headers: AS_ADMIN });
const readyz = async () => (await send(proxy.port, '/readyz', agent)).text;

/** The proxy's own metric lines for the backend's servers: `url value`, first server first. */
async function serverUp(): Promise<string[]> {
  const text = (await get('/metrics')).text;
  return [first.url, second.url].map((url) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith('cmetrics_proxy_prometheus_server_up{') && l.includes(`url="${url}"`));
    return `${url === first.url ? 'first' : 'second'} ${line?.split(' ').at(-1)}`;
  });
}

/** Failovers counted away from the first server for `reason`. */
async function failovers(reason: string): Promise<number> {
  const text = (await get('/metrics')).text;
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('cmetrics_proxy_prometheus_failovers_total{') &&
        l.includes(`url="${first.url}"`) &&
        l.includes(`reason="${reason}"`),
    );
  return Number(line?.split(' ').at(-1) ?? 0);
}

/** A request on a fresh evaluation second: answers are shared within one. */
async function fresh(path: string) {
  await nextEvaluationSecond();
  const t0 = performance.now();
  const answer = await get(path);
  return { ...answer, ms: performance.now() - t0 };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-failover-'));
  first = await startFaultProxy(inject('prometheusUrl'));
  second = await startPrometheusReplica(inject('workDir'), 'prometheus-replica');
  // The second server holds the sample app's series before the test begins.
  await eventually(
    'the second Prometheus scraped the sample app',
    async () => {
      const r = await promQuery(second.url, 'count_over_time(total_req_num{namespace="default"}[30s]) > 3');
      return r.length ? r : undefined;
    },
    120_000,
    1000,
  );
  proxy = await startProxyInstance('e2e-failover-proxy', join(dir, 'proxy'), {
    prometheusUrl: `${first.url},${second.url}`,
    args: [`--prometheus-timeout=${DEADLINE_MS / 1000}s`],
  });
  agent = tlsAgent(proxy.ca, proxy.servername, frontProxyClient(dir));
});

afterAll(async () => {
  await agent?.close();
  await proxy?.stop();
  await second?.stop();
  await first?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a backend of two Prometheus servers', () => {
  it('asks the first while both answer; both reported up', async () => {
    const before = first.seen.get('/api/v1/query') ?? 0;
    const answer = await fresh(QPS);
    expect(answer.status).toBe(200);
    expect((answer.body as MetricValueList).items.length).toBeGreaterThan(0);
    expect(first.seen.get('/api/v1/query') ?? 0).toBeGreaterThan(before);
    expect(await serverUp()).toEqual(['first 1', 'second 1']);
    expect(await readyz()).toMatch(/\[\+\]prometheus ok\n/);
  });

  it('answers within the deadline from the second while the first is slower than its share', async () => {
    await first.set({ kind: 'delay', ms: DEADLINE_MS });
    const slow = await fresh(QPS);
    expect(slow.status).toBe(200);
    expect((slow.body as MetricValueList).items.length).toBeGreaterThan(0);
    expect(slow.ms).toBeLessThan(DEADLINE_MS);
    expect(await failovers('timeout')).toBeGreaterThan(0);
    expect(await serverUp()).toEqual(['first 0', 'second 1']);
    // Now known slow, it is asked last: the next answer does not wait for it.
    const next = await fresh(QPS);
    expect(next.status).toBe(200);
    expect(next.ms).toBeLessThan(DEADLINE_MS / 2);
  });

  it('answers from the second while the first is gone, and /readyz names it', async () => {
    await first.set({ kind: 'down' });
    const answer = await fresh(QPS);
    expect(answer.status).toBe(200);
    const ready = await readyz();
    expect(ready).toContain(`[+]prometheus ok (serving from the others; down: ${first.url}`);
    expect(ready).toContain('readyz check passed');
  });

  it('goes back to the first once it is back', async () => {
    await first.set({ kind: 'none' });
    // Readiness probes ask every server: the first is healthy again from the next one on.
    await eventually('the first server healthy again', async () =>
      (await readyz()).match(/\[\+\]prometheus ok\n/) ? true : undefined,
    );
    expect(await serverUp()).toEqual(['first 1', 'second 1']);
    const before = first.seen.get('/api/v1/query') ?? 0;
    expect((await fresh(QPS)).status).toBe(200);
    expect(first.seen.get('/api/v1/query') ?? 0).toBeGreaterThan(before);
  });

  it('answers 503 with what to do while both are gone, and recovers when the second is started again', async () => {
    await first.set({ kind: 'down' });
    await second.stop();
    const gone = await fresh(QPS);
    expect(gone.status).toBe(503);
    expect(gone.body).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' });
    expect((gone.body as Status).message).toMatch(/unreachable/);
    expect(await readyz()).toContain('readyz check failed');
    await second.start();
    const back = await eventually('answers from the second again', async () => {
      const r = await fresh(QPS);
      return r.status === 200 ? r : undefined;
    });
    expect((back.body as MetricValueList).items.length).toBeGreaterThan(0);
    await first.set({ kind: 'none' });
  });
});
