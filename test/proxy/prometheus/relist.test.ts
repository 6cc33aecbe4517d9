// Series requests at scale: one may take up to the relist interval, longer than a query may. Prometheus is a stub HTTP server here (its
// answers, slow on purpose); PrometheusClient and the Relister are the real ones.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../proxy/log.ts';
import { PrometheusClient, PrometheusError } from '../../../proxy/prometheus/client.ts';
import { PrometheusBackend } from '../../../proxy/prometheus/failover.ts';
import { Relister } from '../../../proxy/prometheus/relist.ts';
import { ruleFrom } from '../rules/fixtures.ts';

const SERIES = JSON.stringify({
  status: 'success',
  data: [{ __name__: 'jobs_total', namespace: 'default', pod: 'worker-1' }],
});

let server: Server;
let url: string;
let delayMs = 0;

beforeEach(async () => {
  server = createServer((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(SERIES), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('series requests', () => {
  it('may take longer than a query when given a longer timeout, never shorter', async () => {
    delayMs = 300;
    const client = new PrometheusClient(url, { timeoutMs: 100 });
    const seen: string[] = [];
    expect(await client.series('jobs_total', 0, 1000, (l) => seen.push(l.pod ?? ''), 2000)).toBe(1);
    expect(seen).toEqual(['worker-1']);
    const err = await client.series('jobs_total', 0, 1000, () => undefined, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).errorType).toBe('timeout');
    expect((err as Error).message).toContain('within 0.1 s');
    await client.close();
  });
});

describe('Relister', () => {
  it('gives a series request until the next relist is due', async () => {
    delayMs = 300;
    const backend = new PrometheusBackend('', [url], { timeoutMs: 100 });
    const rules = [
      ruleFrom({ seriesQuery: 'jobs_total', resources: { overrides: { pod: { resource: 'pod' } } } }),
    ];
    const relister = (intervalMs: number) =>
      new Relister(() => ({ rules, externalRules: [], backend: () => backend }), {
        intervalMs,
        maxAgeMs: 600_000,
        log: createLogger('error'),
      });
    const patient = relister(2000);
    await patient.relist();
    expect(patient.lastError).toBeUndefined();
    expect(
      patient
        .current()
        .list()
        .map((m) => m.metric),
    ).toContain('jobs_total');
    const hasty = relister(200);
    await hasty.relist();
    expect(hasty.lastError).toMatch(/did not answer within 0.2 s/);
    await backend.close();
  });
});
