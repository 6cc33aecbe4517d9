import { describe, expect, it } from 'vitest';
import {
  cachesCheck,
  configCheck,
  metricDiscoveryCheck,
  prometheusCheck,
  readinessReport,
} from '../../../proxy/server/health.ts';

describe('readinessReport', () => {
  it('lists every check, with details, then the verdict', async () => {
    const report = await readinessReport([
      { name: 'a', check: async () => ({ ok: true, detail: '' }) },
      { name: 'b', check: async () => ({ ok: true, detail: 'note' }) },
      { name: 'c', check: async () => ({ ok: false, detail: 'down' }) },
    ]);
    expect(report).toEqual({
      ok: false,
      text: '[+]a ok\n[+]b ok (note)\n[-]c failed: down\nreadyz check failed\n',
    });
    expect((await readinessReport([])).text).toBe('\nreadyz check passed\n');
  });
});

describe('the proxy checks', () => {
  it.each([
    ['every backend ready', [[true, '']], { ok: true, detail: '' }],
    [
      'one backend failing',
      [
        [true, ''],
        [false, 'http://b: 503'],
      ],
      { ok: false, detail: 'http://b: 503' },
    ],
    [
      'a backend serving from its other servers',
      [[true, 'serving from the others; down: http://a: 503']],
      { ok: true, detail: 'serving from the others; down: http://a: 503' },
    ],
  ] as const)('prometheus: %s', async (_, backends, want) => {
    const check = prometheusCheck(() =>
      backends.map(([ok, detail]) => ({ ready: async () => ({ ok, detail }) })),
    );
    expect(await check.check()).toEqual(want);
  });

  it('config: ready after a refused reload, with the reason', async () => {
    const status = { loadedAtMs: 0, lastError: undefined as string | undefined, reloads: 0, failures: 0 };
    const check = configCheck(() => status);
    expect(await check.check()).toEqual({ ok: true, detail: '' });
    status.lastError = 'rules[0]: bad';
    expect(await check.check()).toEqual({
      ok: true,
      detail: 'reload refused, previous configuration in force: rules[0]: bad',
    });
  });

  it('caches: what the caches say', async () => {
    expect(await cachesCheck({ status: () => ({ ok: false, detail: 'pods' }) }).check()).toEqual({
      ok: false,
      detail: 'pods',
    });
  });

  it('metric-discovery: the first relist finished; a later failure is shown', async () => {
    const relister = { synced: false, lastError: undefined as string | undefined };
    const check = metricDiscoveryCheck(relister);
    expect(await check.check()).toEqual({ ok: false, detail: 'first relist not finished' });
    relister.synced = true;
    expect(await check.check()).toEqual({ ok: true, detail: '' });
    relister.lastError = 'unreachable';
    expect(await check.check()).toEqual({
      ok: true,
      detail: 'last relist failed, previous metric list in force: unreachable',
    });
  });
});
