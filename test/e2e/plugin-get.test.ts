// `kubectl cmetrics get` and `list` against `kubectl get --raw` of the same paths: the same objects and
// values (timestamps move with each request), and the metrics discovery lists.
import { beforeAll, describe, expect, it } from 'vitest';
import { readableQuantity } from '../../plugin/printers/readable.ts';
import type {
  APIResourceList,
  ExternalMetricValueList,
  MetricValueList,
  MetricValueV1beta2,
} from '../../shared/api-types.ts';
import { formatDecimal, parseQuantity } from '../../shared/quantity.ts';
import { eventually, getRaw } from './helpers.ts';
import { cmetrics, type Installed, installPlugin } from './plugin.ts';

const CUSTOM = '/apis/custom.metrics.k8s.io/v1beta2';
const EXTERNAL = '/apis/external.metrics.k8s.io/v1beta1';
const APP = 'app%3Dcustom-metrics-app';

let plugin: Installed;
beforeAll(async () => {
  plugin = await installPlugin();
});

function raw<T>(path: string): T {
  const r = getRaw<T>(path);
  if (!r.ok) throw new Error(r.stderr);
  return r.body;
}

/** Items without their timestamps, which differ between two requests a moment apart. */
const timeless = <T extends { timestamp: string }>(items: T[]) =>
  items.map(({ timestamp: _, ...rest }) => rest);

/** The table's rows as cells. */
function cells(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/ {2,}/));
}

/** The plugin's -o json and `kubectl get --raw` agree (retried while a rate moves between the two). */
async function sameAsRaw<T extends { items: { timestamp: string }[] }>(
  args: string[],
  path: string,
): Promise<T> {
  return eventually(`${args.join(' ')} equals get --raw ${path}`, () => {
    const r = cmetrics(plugin, [...args, '-o', 'json']);
    if (r.status !== 0) throw new Error(r.stderr);
    const ours = JSON.parse(r.stdout) as T;
    const theirs = raw<T>(path);
    expect(ours.items.length).toBeGreaterThan(0);
    return JSON.stringify(timeless(ours.items)) === JSON.stringify(timeless(theirs.items)) ? ours : undefined;
  });
}

describe('get custom', () => {
  it.each([
    [
      ['get', 'custom', 'pods/*', 'cpuTemperature', '-l', 'app=custom-metrics-app'],
      `${CUSTOM}/namespaces/default/pods/*/cpuTemperature?labelSelector=${APP}`,
    ],
    [
      ['get', 'custom', 'services/custom-metrics-app', 'http_requests'],
      `${CUSTOM}/namespaces/default/services/custom-metrics-app/http_requests`,
    ],
    [['get', 'custom', 'namespaces/default', 'qps'], `${CUSTOM}/namespaces/default/metrics/qps`],
  ])('%j: -o json is the API object', async (args, path) => {
    const list = await sameAsRaw<MetricValueList<MetricValueV1beta2>>(args, path);
    expect(list).toMatchObject({ kind: 'MetricValueList', apiVersion: 'custom.metrics.k8s.io/v1beta2' });
  });

  it('the table: object, value, number, timestamp and window of each item', () => {
    const r = cmetrics(plugin, ['get', 'custom', 'pods/*', 'cpuTemperature', '-l', 'app=custom-metrics-app']);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = cells(r.stdout);
    expect(header).toEqual(['NAMESPACE', 'OBJECT', 'METRIC', 'VALUE', 'NUMBER', 'TIMESTAMP', 'WINDOW']);
    const list = raw<MetricValueList<MetricValueV1beta2>>(
      `${CUSTOM}/namespaces/default/pods/*/cpuTemperature?labelSelector=${APP}`,
    );
    expect(rows.map((row) => row.slice(0, 5))).toEqual(
      list.items.map((i) => [
        'default',
        `pod/${i.describedObject.name}`,
        'cpuTemperature',
        readableQuantity(i.value),
        formatDecimal(parseQuantity(readableQuantity(i.value))),
      ]),
    );
    for (const row of rows) {
      expect(Math.abs(Date.parse(row[5] as string) - Date.now())).toBeLessThan(30_000);
      expect(row[6]).toBe('<none>');
    }
  });
});

describe('get external', () => {
  it('-o json is the API object', async () => {
    await sameAsRaw<ExternalMetricValueList>(
      ['get', 'external', 'external_requests_per_second'],
      `${EXTERNAL}/namespaces/default/external_requests_per_second`,
    );
  });

  it('the table: one row per series, by its labels', async () => {
    await eventually('the table matches get --raw', () => {
      const r = cmetrics(plugin, [
        'get',
        'external',
        'external_requests_per_second',
        '-l',
        'service=custom-metrics-app',
      ]);
      expect(r.status, r.stderr).toBe(0);
      const list = raw<ExternalMetricValueList>(
        `${EXTERNAL}/namespaces/default/external_requests_per_second?labelSelector=service%3Dcustom-metrics-app`,
      );
      const rows = cells(r.stdout).slice(1);
      const expected = list.items.map((i) => [
        'service=custom-metrics-app',
        'external_requests_per_second',
        readableQuantity(i.value),
        formatDecimal(parseQuantity(readableQuantity(i.value))),
      ]);
      return JSON.stringify(rows.map((row) => row.slice(0, 4))) === JSON.stringify(expected)
        ? true
        : undefined;
    });
  });
});

describe('get resource', () => {
  it('nodes -o json is the NodeMetricsList the API serves (v1, as kubectl top picks)', () => {
    const r = cmetrics(plugin, ['get', 'resource', 'nodes', '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const ours = JSON.parse(r.stdout) as {
      kind: string;
      apiVersion: string;
      items: { metadata: { name: string } }[];
    };
    const theirs = raw<typeof ours>('/apis/metrics.k8s.io/v1/nodes');
    expect([ours.kind, ours.apiVersion]).toEqual(['NodeMetricsList', 'metrics.k8s.io/v1']);
    expect(ours.items.map((n) => n.metadata.name)).toEqual(theirs.items.map((n) => n.metadata.name));
  });
});

describe('list', () => {
  /** RESOURCE/METRIC names of a custom discovery document, as metric → sorted resources. */
  function byMetric(list: APIResourceList): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const r of list.resources) {
      const [resource = '', metric = ''] = r.name.split(/\/(.*)/s);
      map.set(metric, [...(map.get(metric) ?? []), resource].sort());
    }
    return map;
  }

  it('every metric discovery lists, custom ones with the resources they describe', () => {
    const r = cmetrics(plugin, ['list']);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = cells(r.stdout);
    expect(header).toEqual(['METRIC', 'API', 'RESOURCES']);
    const custom = byMetric(raw<APIResourceList>(CUSTOM));
    const external = raw<APIResourceList>(EXTERNAL).resources.map((x) => x.name);
    const expected = [
      ...[...custom].map(([metric, resources]) => [metric, 'custom', resources.join(',')]),
      ...external.map((metric) => [metric, 'external', '<none>']),
    ].sort((a, b) => (a.join(' ') < b.join(' ') ? -1 : 1));
    expect(rows).toEqual(expected);
  });

  it('filters by name and API', () => {
    const r = cmetrics(plugin, ['list', 'requests', '--api', 'external']);
    expect(r.status, r.stderr).toBe(0);
    const names = cells(r.stdout)
      .slice(1)
      .map((row) => row[0]);
    const external = raw<APIResourceList>(EXTERNAL)
      .resources.map((x) => x.name)
      .filter((n) => n.includes('requests'))
      .sort();
    expect(names).toEqual(external);
  });
});
