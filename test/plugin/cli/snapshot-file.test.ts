import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, saveSnapshot } from '../../../plugin/cli/snapshot-file.ts';
import {
  DEFAULT_CONTROLLER_SETTINGS,
  type HPASnapshot,
  SNAPSHOT_API_VERSION,
  SNAPSHOT_KIND,
} from '../../../plugin/hpa/snapshot.ts';

describe('snapshot files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmetrics-snapshot-'));

  it('loads what it saved', () => {
    const s: HPASnapshot = {
      apiVersion: SNAPSHOT_API_VERSION,
      kind: SNAPSHOT_KIND,
      takenAt: '2026-07-01T10:00:00.000Z',
      controller: DEFAULT_CONTROLLER_SETTINGS,
      hpa: { path: '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web', body: { kind: 'x' } },
      metrics: [
        null,
        { path: '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', error: { code: 503, message: 'down' } },
      ],
    };
    const file = join(dir, 'web.json');
    saveSnapshot(file, s);
    expect(loadSnapshot(file)).toEqual(s);
    expect(readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
  });

  const FIX = '; fix the snapshot or take a new one with --save-snapshot';
  const head = '{"apiVersion":"cmetrics.io/v1alpha1","kind":"HPASnapshot"';
  it.each<[string, string, string]>([
    ['not JSON', '{', 'is not JSON'],
    [
      'an array',
      '[]',
      `bad.json: expected an HPA snapshot (apiVersion cmetrics.io/v1alpha1, kind HPASnapshot), got an array${FIX}`,
    ],
    [
      'a snapshot without takenAt',
      `${head}}`,
      `bad.json: takenAt: expected an RFC 3339 time, but it is missing${FIX}`,
    ],
    [
      'a snapshot with an error code that is a string',
      `${head},"takenAt":"2026-07-01T10:00:00Z","controller":${JSON.stringify(DEFAULT_CONTROLLER_SETTINGS)},"hpa":{"path":"/h","error":{"code":"404","message":"not found"}},"metrics":[]}`,
      `bad.json: hpa.error.code: expected an integer (the HTTP status, 0 when unreachable), got "404"${FIX}`,
    ],
    [
      'another document',
      '{"kind":"Pod","apiVersion":"v1"}',
      'bad.json: not an HPA snapshot (want apiVersion cmetrics.io/v1alpha1, kind HPASnapshot); fix the snapshot or take a new one with --save-snapshot',
    ],
  ])('refuses %s', (_what, text, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);
    expect(() => loadSnapshot(file)).toThrow(message);
  });

  it('says which file it cannot read', () => {
    expect(() => loadSnapshot(join(dir, 'none.json'))).toThrow(
      /^cannot read the snapshot .*none\.json: .*; pass the file --save-snapshot wrote$/,
    );
  });
});
