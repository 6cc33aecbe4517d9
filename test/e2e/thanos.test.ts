// cmetrics over Thanos Query (built from Go modules) deduplicating two Prometheus servers, each with
// a Thanos sidecar: the conformance suite of store-conformance.ts, then the real HPA scaling through
// it with the APIServices pointed at that proxy, and one Prometheus stopped under way: answers go on,
// and the partial response shows in a Warning header, never as a silently lower value.
// docs/backends/thanos.md has the configuration and what differs.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MetricValueList } from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import { PROXY_NAMESPACE, PROXY_SERVICE } from '../harness/stack.ts';
import { startThanos, type Thanos } from '../harness/thanos.ts';
import {
  applySampleAppHpa,
  deploymentReplicas,
  eventually,
  FAST_BEHAVIOR,
  hpaEvents,
  kubectl,
  pointApiServicesAt,
  send,
} from './helpers.ts';
import { AS_ADMIN } from './proxy-instance.ts';
import { storeConformance } from './store-conformance.ts';

const HPA = 'e2e-thanos';
const QPS =
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app';

let thanos: Thanos;

const appPodCount = () =>
  kubectl(['get', 'pods', '-n', 'default', '-l', 'app=custom-metrics-app', '-o', 'name'])
    .split('\n')
    .filter(Boolean).length;
const servingCa = () => readFileSync(inject('servingCa'));

const conformance = storeConformance(
  'Thanos Query',
  async () => {
    thanos = await startThanos({ workDir: inject('workDir'), binDir: inject('binDir') });
    return { url: thanos.queryUrl, stop: thanos.stop };
  },
  {
    cpuTolerance: 0.05,
    // The stack's serving pair, so that the APIServices can be pointed at this proxy.
    proxyOptions: () => {
      const pki = dirname(inject('servingCa'));
      return {
        serving: {
          cert: join(pki, 'cmetrics-proxy-serving.crt'),
          key: join(pki, 'cmetrics-proxy-serving.key'),
          ca: servingCa().toString(),
          servername: `${PROXY_SERVICE}.${PROXY_NAMESPACE}.svc`,
        },
      };
    },
  },
);

describe('the HPA through Thanos Query', () => {
  beforeAll(async () => {
    await pointApiServicesAt(conformance.proxy().port);
  });

  afterAll(async () => {
    kubectl(['delete', 'hpa', HPA, '--ignore-not-found']);
    await pointApiServicesAt(inject('proxyPort'));
    // Without its HPA the Deployment keeps the replicas it was scaled to: back to one, as found.
    kubectl(['scale', 'deployment', 'custom-metrics-app', '--replicas=1']);
    await eventually(
      'the sample app back at one pod',
      () => (appPodCount() === 1 ? true : undefined),
      180_000,
      1000,
    );
  });

  it('scales the sample app up on a Pods metric read through Thanos', async () => {
    // The suite's load (10 requests/s) against a target of 2 per pod.
    applySampleAppHpa(HPA, {
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        {
          type: 'Pods',
          pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '2' } },
        },
      ],
      behavior: FAST_BEHAVIOR,
    });
    await eventually(
      'scaled up',
      () => (deploymentReplicas('custom-metrics-app') > 1 ? true : undefined),
      120_000,
      1000,
    );
    expect(hpaEvents(HPA)).toMatch(/New size: [23]; reason: pods metric qps above target/);
  });

  it('answers on when one Prometheus stops, the partial response in a Warning header', async () => {
    const before = await send(conformance.proxy().port, QPS, conformance.agent(), { headers: AS_ADMIN });
    expect(before.status).toBe(200);
    await (thanos.prometheus[0] as Thanos['prometheus'][number]).stop();
    const after = await eventually('a partial response flagged', async () => {
      const r = await send(conformance.proxy().port, QPS, conformance.agent(), { headers: AS_ADMIN });
      return r.status === 200 && String(r.headers.warning ?? '').includes('partial') ? r : undefined;
    });
    // The other replica holds every series: nothing is lower for the loss of one.
    const values = (r: typeof before) =>
      (r.body as MetricValueList).items.map(
        (i) => [i.describedObject.name, toNumber(parseQuantity(i.value))] as const,
      );
    expect(
      values(after)
        .map(([n]) => n)
        .sort(),
    ).toEqual(
      values(before)
        .map(([n]) => n)
        .sort(),
    );
    for (const [pod, v] of values(after)) {
      const was = values(before).find(([n]) => n === pod)?.[1] ?? 0;
      expect(v).toBeGreaterThan(0.5 * was);
    }
    // The HPA went on reading.
    const hpa = JSON.parse(kubectl(['get', 'hpa', HPA, '-o', 'json'])) as {
      status: { conditions: { type: string; status: string }[] };
    };
    expect(hpa.status.conditions.find((c) => c.type === 'ScalingActive')?.status).toBe('True');
  });
});
