import { describe, expect, it } from 'vitest';
import { getResourceMetrics, type ResourceMetricsRequest } from '../../../proxy/apis/resource-metrics.ts';
import type { CachedObject } from '../../../proxy/kube/caches.ts';
import { createLogger } from '../../../proxy/log.ts';
import type { PrometheusSample } from '../../../proxy/prometheus/client.ts';
import { ResourceStore } from '../../../proxy/prometheus/resource-store.ts';
import { parseAdapterConfig } from '../../../proxy/rules/config.ts';
import {
  buildContainersQuery,
  buildNodesQuery,
  type CompiledResourceRules,
  compileResourceRules,
} from '../../../proxy/rules/resource-rules.ts';
import { resourceMetricsCheck } from '../../../proxy/server/health.ts';
import type { PodMetrics } from '../../../shared/api-types.ts';
import { mapper } from '../apis/fixtures.ts';
import { adapterDefaultConfig } from '../rules/fixtures.ts';

const rulesWith = (window: string, containerQuery?: string): CompiledResourceRules => {
  let yaml = adapterDefaultConfig('').replace(/window: .*/, `window: ${window}`);
  if (containerQuery) yaml = yaml.replaceAll(/containerQuery: .*/g, `containerQuery: '${containerQuery}'`);
  const config = parseAdapterConfig(yaml, 'test.yaml');
  if (!config.resourceRules) throw new Error('fixture has no resourceRules');
  return compileResourceRules(config.resourceRules, mapper);
};
const RULES = rulesWith('1m');
/** The pods of namespace prod, listed. */
const PROD_PODS: ResourceMetricsRequest = {
  version: 'v1beta1',
  resource: 'pods',
  namespace: 'prod',
  name: undefined,
  labelSelector: [],
  fieldSelector: [],
};

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
const podSample = (labels: Record<string, string>, value: number): PrometheusSample => ({
  labels,
  value,
  timestampMs: T0,
});

/** A store on a Prometheus that answers `answers` by query, fails while `down`, and counts queries. */
function storeOn(
  rules: CompiledResourceRules,
  answers: Record<string, PrometheusSample[]>,
  periodMs?: number,
) {
  const prometheus = { queries: [] as string[], down: false };
  const store = new ResourceStore(
    () => ({
      resourceRules: rules,
      backend: () => ({
        query: async (expr: string) => {
          prometheus.queries.push(expr);
          if (prometheus.down) throw new Error('Prometheus at http://127.0.0.1:9 is unreachable');
          return answers[expr] ?? [];
        },
      }),
    }),
    { periodMs, log: createLogger('error'), evaluationTime: (now) => now - 1000 },
  );
  return { store, prometheus };
}

const pod: CachedObject = {
  metadata: { name: 'web', namespace: 'prod' },
  spec: { containers: [{ name: 'app' }] },
  status: { phase: 'Running' },
};

function api(store: ResourceStore, nowMs: number) {
  return {
    mapper: () => mapper,
    resourceRules: RULES,
    resourceSnapshot: () => store.read(nowMs),
    objects: {
      names: async () => [],
      exists: async () => true,
      list: async (r: { resource: string }) => (r.resource === 'pods' ? [pod] : []),
      get: async (r: { resource: string }) => (r.resource === 'pods' ? pod : undefined),
    },
  };
}

const USAGE = {
  [buildContainersQuery(RULES.cpu)]: [podSample({ namespace: 'prod', pod: 'web', container: 'app' }, 0.25)],
  [buildContainersQuery(RULES.memory)]: [
    podSample({ namespace: 'prod', pod: 'web', container: 'app' }, 2 ** 20),
  ],
};

describe('ResourceStore', () => {
  it('sends four queries an evaluation, and none for the requests of a period', async () => {
    const { store, prometheus } = storeOn(RULES, USAGE);
    await store.evaluate(T0 + 1000);
    expect(prometheus.queries).toEqual([
      buildContainersQuery(RULES.cpu),
      buildContainersQuery(RULES.memory),
      buildNodesQuery(RULES.cpu),
      buildNodesQuery(RULES.memory),
    ]);
    const paths = [
      { namespace: undefined, name: undefined, resource: 'pods' },
      { namespace: 'prod', name: undefined, resource: 'pods' },
      { namespace: 'prod', name: 'web', resource: 'pods' },
      { namespace: undefined, name: undefined, resource: 'nodes' },
    ] as const;
    for (let i = 0; i < 250; i++) {
      const p = paths[i % paths.length] as (typeof paths)[number];
      await getResourceMetrics(
        { version: 'v1beta1', labelSelector: [], fieldSelector: [], ...p },
        api(store, T0 + 5000),
      );
    }
    expect(prometheus.queries).toHaveLength(4);
    const one = await getResourceMetrics(
      {
        version: 'v1',
        resource: 'pods',
        namespace: 'prod',
        name: 'web',
        labelSelector: [],
        fieldSelector: [],
      },
      api(store, T0 + 5000),
    );
    expect(one.body as PodMetrics).toMatchObject({
      timestamp: '2024-01-02T03:04:05Z',
      window: '1m0s',
      containers: [{ name: 'app', usage: { cpu: '250m', memory: '1Mi' } }],
    });
  });

  it.each<[string, string, number]>([
    ['a 1m window: at most 15s', '1m', 15_000],
    ['a 10s window: the window', '10s', 10_000],
    ['a 1s window: at least 5s', '1s', 5_000],
  ])('derives its period from the window: %s', (_what, window, periodMs) => {
    expect(storeOn(rulesWith(window), {}).store.periodMs()).toBe(periodMs);
  });

  it('takes --metric-resolution as given', () => {
    expect(storeOn(RULES, {}, 2000).store.periodMs()).toBe(2000);
  });

  it('keeps the last snapshot through failures for two periods, then refuses it, and recovers', async () => {
    const { store, prometheus } = storeOn(RULES, USAGE, 10_000);
    let now = T0 + 1000;
    const check = resourceMetricsCheck(
      {
        read: () => store.read(now),
        get lastError() {
          return store.lastError;
        },
      },
      () => true,
    );
    expect(store.read(now)).toEqual({ unavailable: 'resource metrics not evaluated yet' });
    await store.evaluate(now);
    prometheus.down = true;
    now += 15_000;
    await store.evaluate(now);
    expect('snapshot' in store.read(now)).toBe(true);
    expect(await check.check()).toEqual({
      ok: true,
      detail:
        'last evaluation failed, previous snapshot in force: Prometheus at http://127.0.0.1:9 is unreachable',
    });
    now += 6_000;
    const stale =
      'resource metrics are 22s old (evaluated at 2024-01-02T03:04:05Z), more than two periods of 10s; the last evaluation failed: Prometheus at http://127.0.0.1:9 is unreachable';
    expect(store.read(now)).toEqual({ unavailable: stale });
    expect(await check.check()).toEqual({ ok: false, detail: stale });
    const refused = await getResourceMetrics(PROD_PODS, api(store, now)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 503, message: stale });
    prometheus.down = false;
    await store.evaluate(now);
    expect('snapshot' in store.read(now)).toBe(true);
    expect(await check.check()).toEqual({ ok: true, detail: '' });
  });

  it('refuses container series without the namespace label, naming the rule and the fix', async () => {
    const rules = rulesWith(
      '1m',
      'sum(container_memory_working_set_bytes{<<.LabelMatchers>>}) by (pod, container)',
    );
    const samples = [podSample({ pod: 'web', container: 'app' }, 0.25)];
    const { store } = storeOn(rules, {
      [buildContainersQuery(rules.cpu)]: samples,
      [buildContainersQuery(rules.memory)]: samples,
    });
    await store.evaluate(T0 + 1000);
    const read = store.read(T0 + 2000);
    if (!('snapshot' in read)) throw new Error(read.unavailable);
    const problem = (r: string) =>
      `resourceRules.${r}.containerQuery: 1 series without the "namespace" label refused; group by <<.GroupBy>> (it holds namespace, pod and container) instead of naming the labels`;
    expect(read.snapshot.info.problems).toEqual([problem('cpu'), problem('memory')]);
    expect(read.snapshot.container('prod', 'web', 'app', 'cpu')).toBeUndefined();
    const check = resourceMetricsCheck(
      { read: () => store.read(T0 + 2000), lastError: undefined },
      () => true,
    );
    expect(await check.check()).toEqual({ ok: true, detail: `${problem('cpu')}; ${problem('memory')}` });
    const answer = await getResourceMetrics(PROD_PODS, { ...api(store, T0 + 2000), resourceRules: rules });
    expect(answer.warnings).toEqual([problem('cpu'), problem('memory')]);
  });

  it('has nothing to check without resourceRules', async () => {
    const { store } = storeOn(RULES, {});
    expect(await resourceMetricsCheck(store, () => false).check()).toEqual({ ok: true, detail: '' });
  });
});
