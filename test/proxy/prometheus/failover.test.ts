// A backend of several servers: which failures move a request on to the next server, within the
// request's deadline, and how each server's health follows. The servers are stub HTTP servers
// (what each answers is the point of each case); PrometheusBackend and PrometheusClient are real.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrometheusError } from '../../../proxy/prometheus/client.ts';
import { PrometheusBackend } from '../../../proxy/prometheus/failover.ts';

type Behaviour = 'ok' | 'down' | '503' | 'slow' | 'bad-query' | 'garbled' | 'partial';

const VECTOR = (server: string) =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: [{ metric: { server }, value: [1000, '1'] }] },
  });
const SERIES = JSON.stringify({ status: 'success', data: [{ __name__: 'up', job: 'a' }] });
const MATRIX = (server: string) =>
  JSON.stringify({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [
        {
          metric: { server },
          values: [
            [1000, '1'],
            [1015.5, 'NaN'],
          ],
        },
      ],
    },
  });

interface Stub {
  name: string;
  behaviour: Behaviour;
  hits: number;
  server: Server;
  url: string;
}

let stubs: Stub[] = [];
/** The forms range queries were sent with. */
let rangeForms: string[] = [];

async function stub(name: string): Promise<Stub> {
  const s: Stub = { name, behaviour: 'ok', hits: 0, server: undefined as unknown as Server, url: '' };
  s.server = createServer((req, res) => {
    s.hits++;
    const ready = req.url?.endsWith('/-/ready');
    switch (s.behaviour) {
      case 'down':
        // Reachable only as a closed connection: what a server in the middle of a restart gives.
        req.socket.destroy();
        return;
      case '503':
        res.writeHead(503).end('overloaded');
        return;
      case 'slow':
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(VECTOR(name)), 2000);
        return;
      case 'bad-query':
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }));
        return;
      case 'partial': {
        // Thanos Query's answer when a store under it did not answer.
        const body = JSON.parse(VECTOR(name)) as Record<string, unknown>;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ...body, warnings: ['receive series from store b: connection refused', 7] }));
        return;
      }
      case 'garbled':
        res.writeHead(200).end('<html>proxy error</html>');
        return;
      default:
        if (ready) res.writeHead(200).end('Prometheus Server is Ready.');
        else if (req.url?.endsWith('/api/v1/series')) res.writeHead(200).end(SERIES);
        else if (req.url?.endsWith('/api/v1/query_range')) {
          let form = '';
          req.on('data', (c) => {
            form += c;
          });
          req.on('end', () => {
            rangeForms.push(form);
            res.writeHead(200, { 'content-type': 'application/json' }).end(MATRIX(name));
          });
        } else res.writeHead(200, { 'content-type': 'application/json' }).end(VECTOR(name));
    }
  });
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
  stubs.push(s);
  return s;
}

let a: Stub;
let b: Stub;
let failovers: string[];
let backend: PrometheusBackend;

beforeEach(async () => {
  a = await stub('a');
  b = await stub('b');
  failovers = [];
  backend = new PrometheusBackend('ha', [a.url, b.url], {
    timeoutMs: 1000,
    failover: {
      failedOver: (name, url, reason) => failovers.push(`${name} ${url === a.url ? 'a' : 'b'} ${reason}`),
    },
  });
});

afterEach(async () => {
  await backend.close();
  for (const s of stubs) {
    s.server.closeAllConnections();
    await new Promise<void>((r) => s.server.close(() => r()));
  }
  stubs = [];
  rangeForms = [];
});

const answeredBy = async (time = 1000) => (await backend.query('up', time))[0]?.labels.server;

describe('PrometheusBackend', () => {
  it('asks the first server while it answers', async () => {
    expect(await answeredBy()).toBe('a');
    expect([a.hits, b.hits]).toEqual([1, 0]);
    expect(backend.health().map((h) => h.healthy)).toEqual([true, true]);
  });

  it.each([
    ['a closed connection', 'down', 'unreachable'],
    ['5xx', '503', 'bad_response'],
    ['a body that is not the API', 'garbled', 'bad_response'],
    ['no answer within its share of the deadline', 'slow', 'timeout'],
  ] as const)('moves on from %s to the next server', async (_, behaviour, reason) => {
    a.behaviour = behaviour;
    const t0 = performance.now();
    expect(await answeredBy()).toBe('b');
    // Within the request's deadline, the slow server's share (half of it) included.
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(failovers).toEqual([`ha a ${reason}`]);
    expect(backend.health()).toEqual([
      { url: a.url, healthy: false, lastError: expect.stringContaining(a.url) },
      { url: b.url, healthy: true, lastError: '' },
    ]);
  });

  it('sends a range query as a form and reads the matrix, moving on from a failed server as for a query', async () => {
    a.behaviour = 'down';
    const matrix = await backend.queryRange('up', { startMs: 1_000_000, endMs: 1_060_000, stepMs: 15_000 });
    expect(matrix).toEqual([
      {
        labels: { server: 'b' },
        points: [
          [1_000_000, 1],
          [1_015_500, Number.NaN],
        ],
      },
    ]);
    expect(rangeForms.map((f) => Object.fromEntries(new URLSearchParams(f)))).toEqual([
      { query: 'up', start: '1000.000', end: '1060.000', step: '15.000' },
    ]);
    expect(failovers).toEqual(['ha a unreachable']);
  });

  it('asks the healthy server first once one has failed, and the failed one again only last', async () => {
    a.behaviour = 'down';
    expect(await answeredBy(1000)).toBe('b');
    const hitsOfA = a.hits;
    expect(await answeredBy(2000)).toBe('b');
    expect(a.hits).toBe(hitsOfA);
    // Both failing: the one that failed longest ago is tried last, and the error is the last one's.
    b.behaviour = '503';
    const err = (await backend.query('up', 3000).catch((e: unknown) => e)) as PrometheusError;
    expect(err).toBeInstanceOf(PrometheusError);
    expect(err.status).toBe(503);
    expect(err.errorType).toBe('unreachable');
  });

  it('keeps the warnings a server sent beside its samples, and serves them', async () => {
    a.behaviour = 'partial';
    const answer = await backend.query('up', 1000);
    expect(answer.map((s) => s.labels.server)).toEqual(['a']);
    expect(answer.warnings).toEqual(['receive series from store b: connection refused']);
    expect(b.hits).toBe(0);
  });

  it('does not retry a query the server refuses: every server would', async () => {
    a.behaviour = 'bad-query';
    const err = (await backend.query('up{', 1000).catch((e: unknown) => e)) as PrometheusError;
    expect([err.status, err.errorType]).toEqual([400, 'bad_data']);
    expect(b.hits).toBe(0);
    expect(failovers).toEqual([]);
    expect(backend.health()[0]?.healthy).toBe(true);
  });

  it('is ready while one server is, names the others, and sees a server come back', async () => {
    a.behaviour = 'down';
    let ready = await backend.ready();
    expect(ready.ok).toBe(true);
    expect(ready.detail).toMatch(new RegExp(`^serving from the others; down: ${a.url}: `));
    b.behaviour = '503';
    ready = await backend.ready();
    expect(ready.ok).toBe(false);
    expect(ready.detail).toContain(`${b.url}: 503 overloaded`);
    a.behaviour = 'ok';
    b.behaviour = 'ok';
    expect(await backend.ready()).toEqual({ ok: true, detail: '' });
    expect(backend.health().map((h) => h.healthy)).toEqual([true, true]);
  });

  it('lists series from the next server when the first fails before sending any', async () => {
    a.behaviour = '503';
    const seen: string[] = [];
    expect(await backend.series('up', 0, 1000, (l) => seen.push(l.job ?? ''))).toBe(1);
    expect(seen).toEqual(['a']);
    expect(b.hits).toBe(1);
  });

  it('with one server, is that server: its error as it is, no failover', async () => {
    const single = new PrometheusBackend('', [a.url], { timeoutMs: 1000 });
    a.behaviour = '503';
    const err = (await single.query('up', 1000).catch((e: unknown) => e)) as PrometheusError;
    expect(err.status).toBe(502);
    expect((await single.ready()).detail).toContain(a.url);
    await single.close();
  });
});
