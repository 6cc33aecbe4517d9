// PrometheusClient against the real Prometheus server, over data backfilled with promtool.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient, PrometheusError } from '../../../proxy/prometheus/client.ts';
import { createPki, type Pki } from '../../harness/pki.ts';
import { startPrometheusWithData } from '../../harness/prometheus.ts';

const SERIES = 5000;
const nowS = Math.floor(Date.now() / 1000);

/** A gauge and SERIES small series, from 30 min ago to 2 h ahead, so "now" is covered throughout. */
function openmetrics(): string {
  const lines = ['# TYPE queue_depth gauge'];
  for (let t = nowS - 1800; t <= nowS + 7200; t += 60)
    lines.push(`queue_depth{namespace="default",queue="jobs"} 42 ${t}`);
  lines.push('# TYPE load_series gauge');
  for (let i = 0; i < SERIES; i++) {
    lines.push(`load_series{namespace="ns-${i % 10}",pod="pod-${i}"} ${i} ${nowS - 600}`);
    lines.push(`load_series{namespace="ns-${i % 10}",pod="pod-${i}"} ${i} ${nowS + 3600}`);
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

async function queryRequestsServed(url: string, dispatcher?: import('undici').Dispatcher): Promise<number> {
  const res = await request(`${url}/metrics`, dispatcher ? { dispatcher } : {});
  const text = await res.body.text();
  // One line per status code: their sum.
  return text
    .split('\n')
    .filter((l) => l.startsWith('prometheus_http_requests_total{') && l.includes('handler="/api/v1/query"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('PrometheusClient with the real Prometheus', () => {
  let plain: Awaited<ReturnType<typeof startPrometheusWithData>>;
  let tls: Awaited<ReturnType<typeof startPrometheusWithData>>;
  let pki: Pki;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmetrics-prom-'));
    pki = createPki(join(dir, 'pki'));
    const serving = pki.serving('prometheus', ['localhost'], ['127.0.0.1']);
    const data = openmetrics();
    [plain, tls] = await Promise.all([
      startPrometheusWithData(join(dir, 'plain'), data),
      startPrometheusWithData(join(dir, 'tls'), data, {
        tls_server_config: {
          cert_file: serving.cert,
          key_file: serving.key,
          client_auth_type: 'RequireAndVerifyClientCert',
          client_ca_file: pki.ca.cert,
        },
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([plain?.stop(), tls?.stop()]);
  });

  it('reads an instant vector at a given time', async () => {
    const client = new PrometheusClient(plain.url);
    const samples = await client.query('queue_depth', nowS * 1000);
    expect(samples).toEqual([
      {
        labels: { __name__: 'queue_depth', namespace: 'default', queue: 'jobs' },
        value: 42,
        timestampMs: nowS * 1000,
      },
    ]);
    expect(await client.query('scalar(queue_depth) * 2', nowS * 1000)).toEqual([
      { labels: {}, value: 84, timestampMs: nowS * 1000 },
    ]);
    await client.close();
  });

  it('streams every series of a large answer', async () => {
    const client = new PrometheusClient(plain.url);
    const pods = new Set<string>();
    const count = await client.series('load_series', (nowS - 3600) * 1000, nowS * 1000, (labels) => {
      expect(labels.__name__).toBe('load_series');
      pods.add(labels.pod as string);
    });
    expect(count).toBe(SERIES);
    expect(pods.size).toBe(SERIES);
    await client.close();
  });

  it('reports a bad query with what Prometheus said', async () => {
    const client = new PrometheusClient(plain.url);
    const err = await client.query('sum(', nowS * 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).errorType).toBe('bad_data');
    expect((err as Error).message).toMatch(/Prometheus rejected the request \(400 bad_data\): .*parse error/);
    await client.close();
  });

  it('sends the queries of one evaluation time once, concurrent or later', async () => {
    const client = new PrometheusClient(plain.url);
    const before = await queryRequestsServed(plain.url);
    const same = await Promise.all(
      Array.from({ length: 20 }, () => client.query('sum(load_series)', nowS * 1000)),
    );
    for (let i = 0; i < 5; i++) same.push(await client.query('sum(load_series)', nowS * 1000));
    expect(new Set(same.map((s) => s[0]?.value)).size).toBe(1);
    const afterSame = await queryRequestsServed(plain.url);
    expect(afterSame - before).toBe(1);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.query(`sum(load_series) + ${i}`, nowS * 1000)),
    );
    expect((await queryRequestsServed(plain.url)) - afterSame).toBe(20);
    await client.close();
  });

  it('asks again for a newer time, and every time for an older one', async () => {
    const client = new PrometheusClient(plain.url);
    await client.query('sum(load_series)', nowS * 1000);
    const before = await queryRequestsServed(plain.url);
    await client.query('sum(load_series)', (nowS + 1) * 1000);
    await client.query('sum(load_series)', (nowS + 1) * 1000);
    expect((await queryRequestsServed(plain.url)) - before).toBe(1);
    await client.query('sum(load_series)', nowS * 1000);
    await client.query('sum(load_series)', nowS * 1000);
    expect((await queryRequestsServed(plain.url)) - before).toBe(3);
    await client.close();
  });

  it('keeps answers up to a bound on their samples, and for two seconds at most', async () => {
    const kept = { answers: 0, samples: 0 };
    const client = new PrometheusClient(plain.url, {
      observer: {
        observe: () => undefined,
        kept: (answers, samples) => {
          kept.answers += answers;
          kept.samples += samples;
        },
        rangePoints: () => undefined,
      },
    });
    // Where every load_series has a sample: SERIES samples each: the 50,000 samples kept at most are 10 answers.
    const timeMs = (nowS + 3600) * 1000;
    for (let i = 0; i < 45; i++) await client.query(`load_series + ${i}`, timeMs);
    expect(kept).toEqual({ answers: 10, samples: 10 * SERIES });
    const before = await queryRequestsServed(plain.url);
    await client.query('load_series + 0', timeMs);
    await client.query('load_series + 44', timeMs);
    expect((await queryRequestsServed(plain.url)) - before).toBe(1);
    await new Promise((r) => setTimeout(r, 2100));
    expect(kept).toEqual({ answers: 0, samples: 0 });
    await client.close();
  });

  it('keeps no failed answer', async () => {
    const client = new PrometheusClient(plain.url);
    const before = await queryRequestsServed(plain.url);
    for (let i = 0; i < 2; i++) {
      const err = await client.query('sum(', nowS * 1000).catch((e: unknown) => e);
      expect((err as PrometheusError).errorType).toBe('bad_data');
    }
    expect((await queryRequestsServed(plain.url)) - before).toBe(2);
    await client.close();
  });

  it('speaks mutual TLS when the backend requires client certificates', async () => {
    const admin = pki.client('prom-client', 'cmetrics-proxy');
    const withCert = new PrometheusClient(tls.url, {
      tls: { caFile: pki.servingCa.cert, certFile: admin.cert, keyFile: admin.key },
    });
    expect(await withCert.ready()).toMatchObject({ ok: true });
    expect((await withCert.query('queue_depth', nowS * 1000))[0]?.value).toBe(42);
    const withoutCert = new PrometheusClient(tls.url, { tls: { caFile: pki.servingCa.cert } });
    const err = await withoutCert.query('queue_depth', nowS * 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).errorType).toBe('unreachable');
    await Promise.all([withCert.close(), withoutCert.close()]);
  });

  it('reports an unreachable backend as such', async () => {
    const client = new PrometheusClient('http://127.0.0.1:1', { timeoutMs: 2000 });
    const err = await client.query('up', nowS * 1000).catch((e: unknown) => e);
    expect((err as PrometheusError).errorType).toBe('unreachable');
    expect((await client.ready()).ok).toBe(false);
    await client.close();
  });
});
