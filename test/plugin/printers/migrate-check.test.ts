import { describe, expect, it } from 'vitest';
import { compareShadow } from '../../../plugin/hpa/shadow.ts';
import type { Fetched } from '../../../plugin/hpa/snapshot.ts';
import { migrationDocument, migrationText } from '../../../plugin/printers/migrate-check.ts';
import { iso, NOW, ok, PODS_PATH, podsMetricList, snapshot } from '../hpa/builder.ts';

const GROUPS = [
  {
    groupVersion: 'custom.metrics.k8s.io/v1beta2',
    server: 'prometheus-adapter (monitoring/prometheus-adapter)',
  },
];

function podsAnswer(values: string[]): Fetched<unknown> {
  const list = podsMetricList(
    values.map(() => 0),
    iso(NOW),
  );
  list.items.forEach((item, i) => {
    item.value = values[i] as string;
  });
  return ok(PODS_PATH, list);
}

function comparison(served: string[], fromCmetrics: string[]) {
  const of = (answer: Fetched<unknown>) =>
    snapshot({
      hpa: {
        spec: {
          scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
          minReplicas: 1,
          maxReplicas: 10,
          metrics: [
            {
              type: 'Pods',
              pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '500m' } },
            },
          ],
        },
        status: { currentReplicas: 2, desiredReplicas: 2 },
      },
      spec: 2,
      pods: [
        { name: 'test-pod-0', containers: [{ name: 'app' }] },
        { name: 'test-pod-1', containers: [{ name: 'app' }] },
      ],
      metrics: [answer],
    });
  return compareShadow({
    serving: of(podsAnswer(served)),
    cmetrics: of(podsAnswer(fromCmetrics)),
    compared: [true],
  });
}

describe('migrationText', () => {
  it('one row per metric with both values, both desired counts, the verdict and the reason', () => {
    const report = {
      groups: GROUPS,
      cmetrics: 'https://127.0.0.1:8443',
      hpas: [comparison(['499m', '500m'], ['499600u', '500m']), comparison(['500m', '500m'], ['1', '1'])],
    };
    expect(migrationText(report)).toBe(
      [
        'Compared: custom.metrics.k8s.io/v1beta2 (served by prometheus-adapter (monitoring/prometheus-adapter)); cmetrics at https://127.0.0.1:8443',
        'NAMESPACE        HPA        METRIC            SERVING   CMETRICS   DESIRED   VERDICT                          REASON',
        'test-namespace   test-hpa   pods metric qps   499m      500m       2/2       same decision, different value   precision: within a milli-unit (Pod test-namespace/test-pod-0: 499m vs 499600u)',
        'test-namespace   test-hpa   pods metric qps   500m      1          2/4       DIFFERENT DECISION               evaluation time: apart by up to 0.5 (Pod test-namespace/test-pod-0: 500m vs 1)',
        '2 HPA(s): 0 same, 1 same decision with a different value, 1 different decision (DESIRED is serving/cmetrics).',
        '',
      ].join('\n'),
    );
  });

  it('says so when no HPA is in scope', () => {
    expect(migrationText({ groups: GROUPS, cmetrics: 'https://127.0.0.1:8443', hpas: [] })).toBe(
      'Compared: custom.metrics.k8s.io/v1beta2 (served by prometheus-adapter (monitoring/prometheus-adapter)); cmetrics at https://127.0.0.1:8443\nNo HorizontalPodAutoscaler in scope.\n',
    );
  });
});

describe('migrationDocument', () => {
  it('has the verdict, both desired counts and each side of each metric', () => {
    const doc = migrationDocument({
      groups: GROUPS,
      cmetrics: 'https://127.0.0.1:8443',
      hpas: [comparison(['500m', '500m'], ['500m', '500m'])],
    });
    expect(doc).toEqual({
      apiVersion: 'cmetrics.io/v1alpha1',
      kind: 'MigrationCheck',
      compared: GROUPS,
      cmetrics: 'https://127.0.0.1:8443',
      hpas: [
        {
          namespace: 'test-namespace',
          name: 'test-hpa',
          currentReplicas: 2,
          desiredReplicas: { serving: 2, cmetrics: 2 },
          verdict: 'Same',
          metrics: [
            {
              index: 0,
              metric: 'pods metric qps',
              compared: true,
              serving: { value: '500m', proposal: 2 },
              cmetrics: { value: '500m', proposal: 2 },
            },
          ],
        },
      ],
    });
  });
});
