import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../../plugin/cli/context.ts';
import { runExplainHpa } from '../../../plugin/commands/explain-hpa.ts';
import { CliError } from '../../../plugin/errors.ts';
import { ALL_GROUPS, fakeSession, type Routes } from '../cluster/fake.ts';

const q = (path: string, query: Record<string, string>) => `${path}?${new URLSearchParams(query)}`;

describe('runExplainHpa', () => {
  const podsPath = q('/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/qps', {
    labelSelector: 'app=web',
  });
  const readyPod = (name: string) => ({
    metadata: { name, namespace: 'shop', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app' }] },
    status: {
      phase: 'Running',
      startTime: '2026-07-01T09:00:00Z',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-07-01T09:00:05Z' }],
    },
  });
  const value = (pod: string, v: string) => ({
    describedObject: { kind: 'Pod', namespace: 'shop', name: pod, apiVersion: '/v1' },
    metric: { name: 'qps', selector: null },
    timestamp: '2026-07-01T09:59:59Z',
    windowSeconds: 30,
    value: v,
  });
  const ROUTES: Routes = {
    ...ALL_GROUPS,
    '/version': { gitVersion: 'v1.37.2' },
    '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web': {
      metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '500m' } },
          },
        ],
      },
      status: { currentReplicas: 2, desiredReplicas: 4 },
    },
    '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers': { items: [] },
    '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment' }] },
    '/apis/apps/v1/namespaces/shop/deployments/web/scale': {
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app=web' },
    },
    [q('/api/v1/namespaces/shop/events', {
      fieldSelector:
        'involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=web,involvedObject.uid=u1',
    })]: { items: [] },
    [q('/api/v1/namespaces/shop/pods', { labelSelector: 'app=web' })]: {
      items: [readyPod('web-1'), readyPod('web-2')],
    },
    [podsPath]: { kind: 'MetricValueList', items: [value('web-1', '1'), value('web-2', '600m')] },
  };

  function context(routes: Routes | undefined) {
    const out: string[] = [];
    const ctx: RunContext = {
      io: { out: (t) => out.push(t), err: (t) => out.push(`stderr: ${t}`), tty: false },
      signal: new AbortController().signal,
      session: async () => {
        if (!routes) throw new Error('no cluster in this test');
        return fakeSession(routes, 'shop').session;
      },
    };
    return { ctx, out };
  }

  const dir = mkdtempSync(join(tmpdir(), 'cmetrics-explain-'));

  it.each<['text' | 'json' | 'yaml']>([['text'], ['json'], ['yaml']])(
    'prints the same %s from a saved snapshot, without a cluster',
    async (format) => {
      const output = format === 'text' ? undefined : format;
      const file = join(dir, `web-${format}.json`);
      const live = context(ROUTES);
      expect(await runExplainHpa(live.ctx, { name: 'web', output, saveSnapshot: file })).toBe(0);
      const offline = context(undefined);
      expect(await runExplainHpa(offline.ctx, { name: '', output, fromSnapshot: file })).toBe(0);
      expect(offline.out).toEqual(live.out);
      expect(live.out.join('')).toContain(format === 'text' ? 'pods metric qps' : 'HPAExplanation');
    },
  );

  it('explains the decision: 800m average is 1.6× the target, so 4 replicas', async () => {
    const { ctx, out } = context(ROUTES);
    await runExplainHpa(ctx, { name: 'web', output: 'json' });
    const doc = JSON.parse(out.join(''));
    expect(doc.decision).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, agreesWithStatus: true });
    expect(doc.decision.metrics[0]).toMatchObject({
      current: { averageValue: '800m' },
      ratio: 1.6,
      proposal: 4,
    });
  });

  it('lays the controller flags over the snapshot', async () => {
    const file = join(dir, 'web-flags.json');
    await runExplainHpa(context(ROUTES).ctx, { name: 'web', saveSnapshot: file, output: 'json' });
    const { ctx, out } = context(undefined);
    await runExplainHpa(ctx, { name: '', fromSnapshot: file, output: 'json', tolerance: 0.7 });
    const doc = JSON.parse(out.join(''));
    expect(doc.controller.tolerance).toBe(0.7);
    // 1.6 is within 1 ± 0.7: no change.
    expect(doc.decision.desiredReplicas).toBe(2);
  });

  it.each<[string, Parameters<typeof runExplainHpa>[1], string]>([
    [
      'a snapshot to save without a name',
      { name: '', saveSnapshot: 'b.json' },
      '--save-snapshot keeps the snapshot of one HPA: name the HPA, or drop the flag',
    ],
    [
      '-A with a name',
      { name: 'web', allNamespaces: true },
      '-A is for the list of HPAs: drop the name, or drop the flag',
    ],
    [
      'both snapshot flags',
      { name: '', fromSnapshot: 'a.json', saveSnapshot: 'b.json' },
      '--from-snapshot reads a snapshot, --save-snapshot writes one: pass only one',
    ],
  ])('refuses %s', async (_what, args, message) => {
    await expect(runExplainHpa(context(undefined).ctx, args)).rejects.toThrow(message);
  });

  it('refuses a snapshot of another HPA than the one named', async () => {
    const file = join(dir, 'web-name.json');
    await runExplainHpa(context(ROUTES).ctx, { name: 'web', saveSnapshot: file });
    await expect(runExplainHpa(context(undefined).ctx, { name: 'api', fromSnapshot: file })).rejects.toThrow(
      new CliError(`${file} holds HPA web, not api; drop the name or pass that HPA's snapshot`),
    );
  });

  describe('the replay (--since, --from/--to, --set)', () => {
    const H = '/apis/history.cmetrics.io/v1alpha1/namespaces/shop';
    const FROM = '2026-07-01T09:00:00Z';
    const TO = '2026-07-01T09:01:00Z';
    const at = (seconds: number) => Date.parse(FROM) / 1000 + seconds;
    const window = { start: String(at(0)), end: String(at(60)), step: '15s' };
    const qps = (pod: string, milli: number[]) => ({
      describedObject: { kind: 'Pod', namespace: 'shop', name: pod, apiVersion: '/v1' },
      metric: { name: 'qps' },
      points: milli.map((m, i) => [at(15 * i), `${m}m`]),
    });
    const routes: Routes = {
      ...ROUTES,
      [q(`${H}/custommetrics/pods/*/qps`, { labelSelector: 'app=web', ...window })]: {
        kind: 'MetricHistory',
        series: [qps('web-1', [400, 400, 1500, 1500, 1500]), qps('web-2', [400, 400, 1500, 1500, 1500])],
      },
      [q(`${H}/horizontalpodautoscalers/web`, window)]: {
        kind: 'HorizontalPodAutoscalerHistory',
        source: 'kube-state-metrics',
        series: [
          { name: 'currentReplicas', points: [0, 15, 30, 45, 60].map((t) => [at(t), t < 45 ? '2' : '6']) },
        ],
      },
      [q(`${H}/pods`, { labelSelector: 'app=web', ...window })]: {
        kind: 'PodHistory',
        source: 'none',
        series: [],
      },
    };

    it('charts the replay, lists the rescales and sums it up', async () => {
      const { ctx, out } = context(routes);
      expect(await runExplainHpa(ctx, { name: 'web', from: FROM, to: TO })).toBe(0);
      const text = out.join('');
      expect(text).toContain('HPA shop/web replayed from 2026-07-01T09:00:00Z');
      expect(text).toMatch(
        /09:00:30 {2}2->4 {2}scales to 4 because average qps 1500m is 3× the 500m target, limited from 6 by the scale-up rate limit/,
      );
      expect(text).toMatch(/actual changes matched +1\/1/);
      expect(text.split('\n').every((l) => [...l].length <= 80 || !/[|]/.test(l))).toBe(true);
    });

    it('-o json gives every step; --set replays the changed spec beside it', async () => {
      const { ctx, out } = context(routes);
      await runExplainHpa(ctx, { name: 'web', from: FROM, to: TO, output: 'json', set: ['maxReplicas=4'] });
      const doc = JSON.parse(out.join(''));
      expect(doc.steps.map((st: { replicas: number }) => st.replicas)).toEqual([2, 2, 2, 4, 6]);
      expect(doc.whatIf.steps.map((st: { replicas: number }) => st.replicas)).toEqual([2, 2, 2, 4, 4]);
    });

    it('-o yaml is the same document', async () => {
      const { ctx, out } = context(routes);
      await runExplainHpa(ctx, { name: 'web', from: FROM, to: TO, output: 'yaml' });
      const text = out.join('');
      expect(text).toMatch(/^apiVersion: cmetrics\.io\/v1alpha1\n/);
      expect(text).toContain('kind: HPAReplay');
      expect(text).toContain('- actual: 2');
    });

    it.each<[string, Parameters<typeof runExplainHpa>[1], string]>([
      [
        'a bad --since',
        { name: 'web', since: '3x' },
        'invalid --since "3x": use a duration such as 3h or 90m',
      ],
      ['--from after --to', { name: 'web', from: TO, to: FROM }, 'is not before --to'],
      [
        '--set on an unknown field',
        { name: 'web', from: FROM, to: TO, set: ['minReplica=2'] },
        'spec has no field "minReplica"',
      ],
      [
        '--set without a range',
        { name: 'web', set: ['minReplicas=2'] },
        '--set is for the replay: add --since or --from',
      ],
      ['a replay without a name', { name: '', since: '1h' }, 'the replay is of one HPA'],
      ['a replay with --watch', { name: 'web', since: '1h', watch: true }, '--watch is for the list of HPAs'],
    ])('refuses %s in one line', async (_what, args, message) => {
      await expect(runExplainHpa(context(routes).ctx, args)).rejects.toThrow(message);
    });
  });

  describe('without a name', () => {
    const hpa = (name: string, target: string, metric: unknown, status = {}) => ({
      metadata: { name, namespace: 'shop', uid: `u-${name}` },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [metric],
      },
      status,
    });
    const queue = {
      type: 'External',
      external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } },
    };
    const list = [
      ROUTES['/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web'],
      hpa('api', 'api', {
        type: 'Pods',
        pods: { metric: { name: 'latency' }, target: { type: 'AverageValue', averageValue: '200m' } },
      }),
      hpa('worker-a', 'worker-a', queue),
      hpa('worker-b', 'worker-b', queue),
    ];
    const podOf = (app: string, name: string) => {
      const pod = readyPod(name);
      return { ...pod, metadata: { ...pod.metadata, labels: { app } } };
    };
    const scale = (app: string, replicas: number) => ({
      spec: { replicas },
      status: { replicas, selector: `app=${app}` },
    });
    const routes: Routes = {
      ...ROUTES,
      '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers': { items: list },
      [q('/api/v1/namespaces/shop/events', { fieldSelector: 'involvedObject.kind=HorizontalPodAutoscaler' })]:
        { items: [] },
      '/apis/apps/v1/namespaces/shop/deployments/api/scale': scale('api', 1),
      '/apis/apps/v1/namespaces/shop/deployments/worker-a/scale': scale('worker-a', 3),
      '/apis/apps/v1/namespaces/shop/deployments/worker-b/scale': scale('worker-b', 2),
      // One list of the namespace's pods for all four HPAs.
      '/api/v1/namespaces/shop/pods': {
        items: [
          readyPod('web-1'),
          readyPod('web-2'),
          ...['wa-1', 'wa-2', 'wa-3'].map((n) => podOf('worker-a', n)),
          ...['wb-1', 'wb-2'].map((n) => podOf('worker-b', n)),
        ],
      },
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue': {
        items: [{ metricName: 'queue', metricLabels: {}, timestamp: '2026-07-01T09:59:59Z', value: '40' }],
      },
    };

    function listContext() {
      const out: string[] = [];
      const { session, rest } = fakeSession(routes, 'shop');
      const ctx: RunContext = {
        io: { out: (t) => out.push(t), err: (t) => t && out.push(`stderr: ${t}`), tty: false },
        signal: new AbortController().signal,
        session: async () => session,
      };
      return { ctx, out, rest };
    }

    it('prints one line per HPA, the broken ones first, each request sent once', async () => {
      const { ctx, out, rest } = listContext();
      expect(await runExplainHpa(ctx, { name: '' })).toBe(0);
      const lines = out.join('').split('\n');
      expect(lines[0]).toMatch(/^NAME\s+REPLICAS\s+METRICS\s+STATE\s+FIX$/);
      expect(lines[1]).toMatch(/^api\s+1 → 1\s+latency <none>\/200m\/pod\s+metric not served\s+\S/);
      expect(lines.slice(2)).toEqual([
        expect.stringMatching(/^web\s+2 → 4\s+qps 800m\/500m\/pod\s+scaling up$/),
        expect.stringMatching(/^worker-a\s+3 → 3\s+queue 40\/10\s+at max$/),
        expect.stringMatching(/^worker-b\s+2 → 3\s+queue 40\/10\s+scaling up to max$/),
        '',
      ]);
      const twice = rest.requests.filter((r, i) => rest.requests.indexOf(r) !== i);
      expect(twice).toEqual([]);
      expect(rest.requests.filter((r) => r.includes('/queue'))).toHaveLength(1);
      expect(rest.requests.filter((r) => r.includes('/events'))).toHaveLength(1);
      expect(rest.requests.filter((r) => r.startsWith('/api/v1/namespaces/shop/pods'))).toEqual([
        '/api/v1/namespaces/shop/pods',
      ]);
    });

    it("-o json has each HPA's whole decision, with its state and fix", async () => {
      const { ctx, out } = listContext();
      await runExplainHpa(ctx, { name: '', output: 'json' });
      const doc = JSON.parse(out.join(''));
      expect(doc.kind).toBe('HPAExplanationList');
      expect(doc.items.map((i: { name: string; state: string }) => [i.name, i.state])).toEqual([
        ['api', 'metric not served'],
        ['web', 'scaling up'],
        ['worker-a', 'at max'],
        ['worker-b', 'scaling up to max'],
      ]);
      expect(doc.items[1].explanation.decision.desiredReplicas).toBe(4);
      expect(doc.items[0].fix).toContain('latency');
    });

    it('says when the namespace has none', async () => {
      const out: string[] = [];
      const ctx: RunContext = {
        io: { out: (t) => out.push(t), err: (t) => out.push(`stderr: ${t}`), tty: false },
        signal: new AbortController().signal,
        session: async () => fakeSession(ROUTES, 'shop').session,
      };
      await runExplainHpa(ctx, { name: '' });
      expect(out.join('')).toBe('stderr: No resources found in shop namespace.\n');
    });
  });
});
