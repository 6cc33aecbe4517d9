// 5,000 pods in one namespace: pods/* answers for all of them, and for any selection of more than
// 100 the PromQL sent stays the same size (adapter #668 sent a regex of every pod name), as
// Prometheus' own query log shows.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MetricValueList, MetricValueV1beta2 } from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import { eventually, getRaw, kubectl, prometheus } from './helpers.ts';

const PODS = 5000;
const NS = 'bulk';
const name = (i: number) => `bulk-${String(i).padStart(4, '0')}`;

/** A real scrape target exporting one series per pod, labelled as kube-prometheus would. */
function exposition(): string {
  const lines = ['# TYPE bulk_items gauge'];
  for (let i = 0; i < PODS; i++) lines.push(`bulk_items{namespace="${NS}",pod="${name(i)}"} ${i}`);
  return `${lines.join('\n')}\n`;
}

function queriesSent(metric: string): string[] {
  const log = readFileSync(join(inject('workDir'), 'prometheus', 'queries.log'), 'utf8');
  return log
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { params: { query: string } }).params.query)
    .filter((q) => q.includes(metric));
}

describe('5,000 pods in one namespace', () => {
  let exporter: Server;

  beforeAll(async () => {
    const body = exposition();
    exporter = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(body));
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    const { port } = exporter.address() as AddressInfo;
    writeFileSync(
      join(inject('workDir'), 'file-sd.json.extra.json'),
      JSON.stringify([{ targets: [`127.0.0.1:${port}`] }]),
    );

    // A node kwok does not manage: the pods stay Pending, which is all a metrics request needs of them.
    kubectl(['create', 'namespace', NS]);
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'bulk-node' } }),
    );
    for (let start = 0; start < PODS; start += 1000) {
      const items = Array.from({ length: 1000 }, (_, k) => {
        const i = start + k;
        return {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: name(i),
            namespace: NS,
            labels: { app: 'bulk', shard: String(i % 10), ...(i < 3 ? { canary: 'yes' } : {}) },
          },
          spec: { nodeName: 'bulk-node', containers: [{ name: 'app', image: 'bulk:v1' }] },
        };
      });
      kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    }
    await eventually(
      'Prometheus scraped the bulk series',
      async () => {
        const r = await prometheus(`count(bulk_items{namespace="${NS}"})`);
        return Number(r[0]?.value[1]) === PODS ? true : undefined;
      },
      60_000,
    );
  }, 300_000);

  afterAll(async () => {
    writeFileSync(join(inject('workDir'), 'file-sd.json.extra.json'), '[]');
    await new Promise<void>((r) => exporter.close(() => r()));
  });

  const get = (selector: string) =>
    getRaw<MetricValueList<MetricValueV1beta2>>(
      `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/pods/*/bulk_items?labelSelector=${encodeURIComponent(selector)}`,
    );

  it.each([
    ['all 5,000', 'app=bulk', PODS],
    ['one shard of 500', 'shard=7', 500],
  ])('answers for %s pods with one bounded query', async (_what, selector, count) => {
    const r = await eventually(
      `${count} items`,
      () => {
        const res = get(selector);
        return res.ok && res.body.items.length === count ? res.body : undefined;
      },
      60_000,
    );
    for (const item of r.items) {
      const i = Number(item.describedObject.name.slice('bulk-'.length));
      expect(toNumber(parseQuantity(item.value))).toBe(i);
    }
    const queries = queriesSent('bulk_items{');
    expect(queries.length).toBeGreaterThan(0);
    expect(Math.max(...queries.map((q) => q.length))).toBeLessThan(200);
    expect(queries).toContain(`sum(bulk_items{namespace="${NS}",pod=~".+"}) by (pod)`);
  });

  it('names the pods in the query when a selection is small', () => {
    const r = get('canary=yes');
    expect(r.ok && r.body.items.map((i) => i.describedObject.name)).toEqual([name(0), name(1), name(2)]);
    expect(queriesSent('bulk_items{')).toContain(
      `sum(bulk_items{namespace="${NS}",pod=~"bulk-0000|bulk-0001|bulk-0002"}) by (pod)`,
    );
  });
});
