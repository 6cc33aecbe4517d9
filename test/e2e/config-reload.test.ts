// The proxy takes a changed configuration file without a restart, serves a metricName rule (no
// discovery) at once, and keeps the running configuration when the new file is bad.
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { APIResourceList, MetricValueList, MetricValueV1beta2 } from '../../shared/api-types.ts';
import { eventually, getRaw, prometheus, servedPods } from './helpers.ts';

const file = inject('adapterConfig');
const original = readFileSync(file, 'utf8');
const hotRule = `  - metricName: cpu_hottest
    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
    metricsQuery: 'max(cpu_temperature_celsius{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
`;

async function readyz(): Promise<string> {
  const dispatcher = new Agent({
    connect: { ca: readFileSync(inject('servingCa')), servername: 'cmetrics.cmetrics.svc' },
  });
  const res = await request(`https://127.0.0.1:${inject('proxyPort')}/readyz`, { dispatcher });
  const text = await res.body.text();
  await dispatcher.close();
  return text;
}

const discovery = () => {
  const r = getRaw<APIResourceList>('/apis/custom.metrics.k8s.io/v1beta2');
  return r.ok ? r.body.resources.map((x) => x.name) : [];
};

describe('configuration hot reload', () => {
  afterAll(() => writeFileSync(file, original));

  it('serves a rule added to the file, without a restart', async () => {
    writeFileSync(file, original.replace(/^rules:\n/m, `rules:\n${hotRule}`));
    await eventually(
      'cpu_hottest in discovery',
      () => (discovery().includes('pods/cpu_hottest') ? true : undefined),
      30_000,
    );
    const pods = await eventually(
      'a served pod',
      () => (Object.keys(servedPods()).length ? servedPods() : undefined),
      60_000,
    );
    const name = Object.keys(pods)[0] as string;
    const r = getRaw<MetricValueList<MetricValueV1beta2>>(
      `/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/${name}/cpu_hottest`,
    );
    expect(r.ok).toBe(true);
    const item = (r as { body: MetricValueList<MetricValueV1beta2> }).body.items[0] as MetricValueV1beta2;
    const direct = await prometheus(
      `max(cpu_temperature_celsius{namespace="default",pod="${name}"}) by (pod)`,
      Date.parse(item.timestamp) / 1000,
    );
    expect(item.value).toBe(String(Number(direct[0]?.value[1])));
  });

  it('keeps the running configuration when the new file is bad, and says why in /readyz', async () => {
    writeFileSync(
      file,
      original.replace(/^rules:\n/m, 'rules:\n  - seriesQuery: up\n    metricsQueryy: up\n'),
    );
    const text = await eventually(
      'readyz reports the refused reload',
      async () => {
        const t = await readyz();
        return t.includes('reload refused') ? t : undefined;
      },
      30_000,
    );
    expect(text).toMatch(
      /\[\+\]config ok \(reload refused, previous configuration in force: .*unknown key "metricsQueryy"/,
    );
    expect(text).toContain('readyz check passed');
    expect(discovery()).toContain('pods/cpu_hottest');
  });

  it('takes the original file back and clears the refusal', async () => {
    writeFileSync(file, original);
    await eventually(
      'cpu_hottest gone',
      () => (discovery().includes('pods/cpu_hottest') ? undefined : true),
      30_000,
    );
    expect(await readyz()).not.toContain('reload refused');
    expect(discovery()).toContain('pods/qps');
  });
});
