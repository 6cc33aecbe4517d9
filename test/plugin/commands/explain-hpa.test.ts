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
    ['no name and no snapshot', { name: '' }, 'name the HorizontalPodAutoscaler to explain'],
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
});
