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
    expect(doctorText(checks)).toBe(text);
  });
});
