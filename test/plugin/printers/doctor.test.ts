import { describe, expect, it } from 'vitest';
import { type Check, doctorText } from '../../../plugin/printers/doctor.ts';

describe('doctorText', () => {
  it.each<[string, Check[], string]>([
    [
      'every check passed',
      [
        { title: 'APIService v1beta1.metrics.k8s.io is Available', verdict: 'PASS' },
        {
          title: 'GET /apis/custom.metrics.k8s.io/v1beta2 lists metrics',
          verdict: 'PASS',
          detail: '1: pods/qps',
        },
      ],
      'PASS  APIService v1beta1.metrics.k8s.io is Available\n' +
        'PASS  GET /apis/custom.metrics.k8s.io/v1beta2 lists metrics\n' +
        '      1: pods/qps\n' +
        '\n' +
        '2 passed, 0 failed.\n',
    ],
    [
      'a failure shows what was seen and the fix; a skip its reason; a pass never a fix',
      [
        { title: 'a', verdict: 'FAIL', detail: 'FailedDiscoveryCheck: refused', fix: 'fix service x/y' },
        { title: 'b', verdict: 'SKIP', detail: 'pass --proxy-url', fix: 'not shown' },
        { title: 'c', verdict: 'PASS', fix: 'not shown' },
      ],
      'FAIL  a\n' +
        '      FailedDiscoveryCheck: refused\n' +
        '      fix: fix service x/y\n' +
        'SKIP  b\n' +
        '      pass --proxy-url\n' +
        'PASS  c\n' +
        '\n' +
        '1 passed, 1 failed, 1 skipped.\n',
    ],
  ])('%s', (_what, checks, text) => {
    expect(doctorText({ neighbours: [], checks })).toBe(text);
  });

  it('puts who serves each group version, and the HPAs reading it, above the checks', () => {
    const text = doctorText({
      neighbours: [
        {
          groupVersion: 'custom.metrics.k8s.io/v1beta2',
          servedBy: 'cmetrics (cmetrics/cmetrics)',
          available: 'True',
          hpas: ['shop/a', 'shop/b', 'shop/c', 'shop/d', 'shop/e'],
        },
        {
          groupVersion: 'external.metrics.k8s.io/v1beta1',
          servedBy: 'KEDA (keda/keda-operator-metrics-apiserver)',
          available: 'False (MissingEndpoints)',
          hpas: ['shop/keda-hpa-worker'],
        },
        { groupVersion: 'metrics.k8s.io/v1', hpas: [] },
      ],
      checks: [{ title: 'a', verdict: 'PASS' }],
    });
    expect(text).toBe(
      'GROUP VERSION                     SERVED BY                                     AVAILABLE                  HPAS\n' +
        'custom.metrics.k8s.io/v1beta2     cmetrics (cmetrics/cmetrics)                  True                       shop/a, shop/b, shop/c and 2 more\n' +
        'external.metrics.k8s.io/v1beta1   KEDA (keda/keda-operator-metrics-apiserver)   False (MissingEndpoints)   shop/keda-hpa-worker\n' +
        'metrics.k8s.io/v1                 <not registered>                              -                          <none>\n' +
        '\n' +
        'PASS  a\n' +
        '\n' +
        '1 passed, 0 failed.\n',
    );
  });
});
