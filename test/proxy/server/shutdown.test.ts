// Graceful shutdown of the HTTPS server: readiness fails first, requests under way finish, new
// connections are refused once the listener closes, and the wait is bounded.
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../proxy/log.ts';
import { createServer, type RunningServer } from '../../../proxy/server/https.ts';
import { createServerMetrics } from '../../../proxy/server/metrics.ts';
import { selfSignedCertificate } from '../../../proxy/server/self-signed.ts';

const pair = selfSignedCertificate(['localhost']);
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close().catch(() => undefined)));
});

/** A server whose router holds every request until `release()`. */
async function start() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let routed = 0;
  const server: RunningServer = createServer({
    serving: () => ({ cert: pair.certPem, key: pair.keyPem }),
    router: async () => {
      routed++;
      await gate;
      return { code: 200, body: { kind: 'PodMetricsList', items: Array(200).fill({ x: 'y'.repeat(50) }) } };
    },
    requestHeader: () => undefined,
    clientCa: () => undefined,
    authenticateToken: async () => ({ user: { name: 'alice', uid: '', groups: [], extra: {} } }),
    authorize: async () => ({ allowed: true, reason: '' }),
    readiness: [{ name: 'prometheus', check: async () => ({ ok: true, detail: '' }) }],
    metrics: createServerMetrics(),
    log: createLogger('error'),
  });
  await new Promise<void>((r) => server.server.listen(0, '127.0.0.1', r));
  const { port } = server.server.address() as AddressInfo;
  return { server, port, release, routed: () => routed };
}

function client(): Agent {
  const a = new Agent({ connect: { ca: pair.caPem, servername: 'localhost' } });
  agents.push(a);
  return a;
}

async function get(port: number, path: string, dispatcher: Agent) {
  const res = await request(`https://127.0.0.1:${port}${path}`, {
    dispatcher,
    headers: { authorization: 'Bearer t' },
  });
  return { status: res.statusCode, text: await res.body.text(), connection: res.headers.connection };
}

const API = '/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods';

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

describe('shutdown', () => {
  it('fails /readyz at once and keeps serving through the delay', async () => {
    const s = await start();
    s.release();
    const stopped = s.server.shutdown({ delayMs: 400, timeoutMs: 5000 });
    const ready = await get(s.port, '/readyz', client());
    expect(ready.status).toBe(503);
    expect(ready.text).toContain('[+]prometheus ok\n[-]shutdown failed: shutting down\nreadyz check failed');
    // A new connection during the delay is still taken and answered.
    expect((await get(s.port, API, client())).status).toBe(200);
    expect(await stopped).toMatchObject({ unfinished: 0 });
    await expect(get(s.port, API, client())).rejects.toThrow(/ECONNREFUSED/);
  });

  it('lets requests under way finish, with Connection: close, and refuses new connections', async () => {
    const s = await start();
    const busy = client();
    const underWay = Array.from({ length: 5 }, () => get(s.port, API, busy));
    await waitUntil(() => s.routed() === 5);
    const stopped = s.server.shutdown({ delayMs: 0, timeoutMs: 10_000 });
    await waitUntil(() => !s.server.server.listening);
    await expect(get(s.port, API, client())).rejects.toThrow(/ECONNREFUSED/);
    s.release();
    const answers = await Promise.all(underWay);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.connection).toBe('close');
      expect(JSON.parse(a.text).items).toHaveLength(200);
    }
    expect(await stopped).toEqual({ accepted: 5, answered: 5, unfinished: 0 });
  });

  it('gives up on requests that outlast the timeout', async () => {
    const s = await start();
    const stuck = get(s.port, API, client()).catch((e: Error) => e);
    await waitUntil(() => s.routed() === 1);
    const t0 = performance.now();
    const result = await s.server.shutdown({ delayMs: 0, timeoutMs: 300 });
    const waited = performance.now() - t0;
    expect(result).toEqual({ accepted: 1, answered: 0, unfinished: 1 });
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(3000);
    expect(await stuck).toBeInstanceOf(Error);
    s.release();
  });
});
