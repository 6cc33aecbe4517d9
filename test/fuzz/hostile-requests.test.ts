import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAdapterConfig } from '../../proxy/rules/config.ts';
import { allowedQueryShapes, hostileRequest, routeTable, seeded } from './hostile-requests.ts';

const config = parseAdapterConfig(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'harness-adapter.yaml'), 'utf8'),
);
const routes = routeTable(
  config,
  {
    custom: ['pods/qps', 'namespaces/qps', 'services/http_requests'],
    external: ['external_requests_per_second'],
  },
  { pods: ['custom-metrics-app-0'], nodes: ['kwok-node-0'], services: ['custom-metrics-app'] },
);

describe('allowedQueryShapes', () => {
  const fits = (q: string) => allowedQueryShapes(config).some((s) => s.test(q));

  it('takes the queries the rules template, any matchers and grouping', () => {
    expect(fits('sum(rate(total_req_num{namespace="default",pod=~"a|b"}[30s])) by (pod)')).toBe(true);
    expect(fits('sum(rate(total_req_num{}[30s])) by (namespace)')).toBe(true);
    expect(fits('avg(cpu_temperature_celsius) by (pod)')).toBe(true);
    expect(
      fits(
        'sum(container_memory_working_set_bytes{namespace="default",pod="p",container!=""}) by (pod,container)',
      ),
    ).toBe(true);
    expect(fits('sum(rate(total_req_num{namespace="a\\"b"}[30s])) by (service)')).toBe(true);
  });

  it('refuses what no rule templates: an injected matcher value, another function, a bare series', () => {
    expect(fits('sum(rate(total_req_num{namespace="x"}) or vector(1) #"}[30s])) by (pod)')).toBe(false);
    expect(fits('sum(rate(total_req_num{namespace="default"}[30s])) by (pod) or vector(1)')).toBe(false);
    expect(fits('total_req_num{namespace="default"}')).toBe(false);
    expect(fits('sum(rate(total_req_num{namespace=default}[30s])) by (pod)')).toBe(false);
  });
});

describe('hostileRequest', () => {
  const draw = (seed: number, direct: boolean) => {
    const rng = seeded(seed);
    return Array.from({ length: 2000 }, () => hostileRequest(rng, routes, { direct }));
  };

  it('is the same for the same seed', () => {
    expect(draw(7, true)).toEqual(draw(7, true));
  });

  it('sends through the aggregator only GET and HEAD off the metrics paths, never traversal with other methods', () => {
    for (const req of draw(11, false)) {
      if (req.method === 'GET' || req.method === 'HEAD' || req.raw) continue;
      expect(req.path).toMatch(/^\/apis\/(custom\.metrics|external\.metrics|metrics)\.k8s\.io\//);
      expect(req.path.split('?')[0]).not.toMatch(/\/(\.|\.\.|%2e%2e)(\/|$)/i);
    }
  });

  it('draws valid requests, and hostile ones of every part', () => {
    const all = draw(3, true);
    expect(all.filter((r) => r.valid).length).toBeGreaterThan(200);
    const kinds = new Set(all.map((r) => r.mutation.split(/[ =[;]/)[0]));
    for (const kind of ['segment', 'shape', 'labelSelector', 'query', 'header', 'method', 'raw', 'identity'])
      expect(kinds).toContain(kind);
  });
});
