// UpstreamClient against an HTTPS server on 127.0.0.1 that stands in for an upstream metrics server
// (KEDA's own runs in test/e2e/keda-forwarding.test.ts): what it sends, and how each kind of
// answer comes back.
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { compileUpstream } from '../../../proxy/rules/upstreams.ts';
import { UpstreamClient, UpstreamError } from '../../../proxy/upstream/client.ts';
import { makeCa, servingCert } from '../../harness/pki.ts';

const dir = mkdtempSync(join(tmpdir(), 'cmetrics-upstream-'));
const tokenFile = join(dir, 'token');
let server: Server;
let url: string;
let caFile: string;
let handle: (req: IncomingMessage, res: ServerResponse) => void;
const seen: { path: string; authorization: string | undefined }[] = [];
const observed: { upstream: string; code: string }[] = [];

function client(extra = '', timeoutMs = 2_000): UpstreamClient {
  const [upstream] = parseAdapterConfig(
    `upstreams:\n- name: keda\n  url: ${url}\n  bearerTokenFile: ${tokenFile}\n  tls: {caFile: ${caFile}}\n${extra}`,
  ).upstreams;
  if (!upstream) throw new Error('no upstream parsed');
  return new UpstreamClient(compileUpstream(upstream), {
    timeoutMs,
    observer: { observe: (name, _s, code) => observed.push({ upstream: name, code }) },
  });
}

function json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  const ca = makeCa(dir, 'ca', 'upstream-test-ca');
  const cert = servingCert(dir, ca, 'upstream', ['keda.local']);
  caFile = ca.cert;
  server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen.length = 0;
  observed.length = 0;
  writeFileSync(tokenFile, 'token-one\n');
});

const METRIC = '/apis/external.metrics.k8s.io/v1beta1/namespaces/apps/s0-prometheus';
const SELECTOR = 'labelSelector=scaledobject.keda.sh%2Fname%3Dworker';

describe('UpstreamClient', () => {
  it('sends the path and query as asked, with its own token, and passes the answer and warnings on', async () => {
    const list = {
      kind: 'ExternalMetricValueList',
      apiVersion: 'external.metrics.k8s.io/v1beta1',
      items: [],
    };
    handle = (_req, res) => json(res, 200, list, { warning: '299 - "query returned NaN, \\"0\\" used"' });
    const c = client();
    expect(await c.get(METRIC, SELECTOR)).toEqual({ body: list, warnings: ['query returned NaN, "0" used'] });
    expect(seen).toEqual([{ path: `${METRIC}?${SELECTOR}`, authorization: 'Bearer token-one' }]);
    expect(observed).toEqual([{ upstream: 'keda', code: '200' }]);
    await c.close();
  });

  it('reads a rotated token before the next request', async () => {
    handle = (_req, res) => json(res, 200, {});
    const c = client();
    await c.get(METRIC, '');
    writeFileSync(tokenFile, 'token-two\n');
    // A later mtime for certain, as a rotation gives: within one clock tick the two writes could share one.
    const later = new Date(Date.now() + 5_000);
    utimesSync(tokenFile, later, later);
    await c.get(METRIC, '');
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer token-one', 'Bearer token-two']);
    await c.close();
  });

  it.each([
    [
      403,
      {
        kind: 'Status',
        code: 403,
        message: 'forbidden: User "system:serviceaccount:cmetrics:cmetrics" cannot get',
      },
      403,
      'forbidden: User',
    ],
    [404, { kind: 'Status', code: 404, message: 'no metric s0-prometheus' }, 404, 'no metric s0-prometheus'],
    [500, { kind: 'Status', code: 500, message: 'scaler failed' }, 502, 'scaler failed'],
    [503, 'Service Unavailable', 502, 'HTTP 503 "Service Unavailable"'],
  ])('an upstream %i becomes a %i Status naming the upstream', async (code, body, want, message) => {
    handle = (_req, res) => json(res, code, body);
    const c = client();
    const e = await c.get(METRIC, '').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).code).toBe(want);
    expect((e as UpstreamError).message).toContain(`upstream keda (${url}): `);
    expect((e as UpstreamError).message).toContain(message);
    expect(observed).toEqual([{ upstream: 'keda', code: String(code) }]);
    await c.close();
  });

  it('a 200 that is not JSON is a 502', async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.end('<html>');
    };
    const c = client();
    await expect(c.get(METRIC, '')).rejects.toMatchObject({
      code: 502,
      message: expect.stringContaining('not JSON: <html>'),
    });
    await c.close();
  });

  it('no answer within the timeout is a 504; no connection a 503', async () => {
    handle = () => {};
    const slow = client('', 200);
    await expect(slow.get(METRIC, '')).rejects.toMatchObject({
      code: 504,
      message: expect.stringContaining('did not answer within 0.2 s'),
    });
    expect(observed.at(-1)).toEqual({ upstream: 'keda', code: 'timeout' });
    await slow.close();
    const [upstream] = parseAdapterConfig('upstreams:\n- name: gone\n  url: https://127.0.0.1:1\n').upstreams;
    const gone = new UpstreamClient(compileUpstream(upstream as never), { timeoutMs: 2_000 });
    await expect(gone.get(METRIC, '')).rejects.toMatchObject({
      code: 503,
      message: expect.stringContaining('upstream gone (https://127.0.0.1:1) is unreachable'),
    });
    await gone.close();
  });

  it('keeps the last discovery of each group version; a version it does not serve lists nothing', async () => {
    const resources = [
      {
        name: 'externalmetrics',
        singularName: '',
        namespaced: true,
        kind: 'ExternalMetricValueList',
        verbs: ['get'],
      },
    ];
    let up = true;
    handle = (req, res) => {
      if (!up) return json(res, 500, { kind: 'Status', message: 'down' });
      if (req.url === '/apis/external.metrics.k8s.io/v1beta1')
        return json(res, 200, { kind: 'APIResourceList', resources });
      return json(res, 404, { kind: 'Status', message: 'not found' });
    };
    const c = client('  groups: [external.metrics.k8s.io, custom.metrics.k8s.io]\n');
    expect(await c.refreshDiscovery()).toEqual([]);
    expect(c.resources('external.metrics.k8s.io/v1beta1')).toEqual(resources);
    expect(c.resources('custom.metrics.k8s.io/v1beta2')).toEqual([]);
    up = false;
    const problems = await c.refreshDiscovery();
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('upstream keda');
    expect(c.resources('external.metrics.k8s.io/v1beta1')).toEqual(resources);
    await c.close();
  });
});
