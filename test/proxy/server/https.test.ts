import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiAnswer, ApiRequest } from '../../../proxy/apis/router.ts';
import { ApiError } from '../../../proxy/apis/status.ts';
import type { Logger } from '../../../proxy/log.ts';
import { createProxyMetrics } from '../../../proxy/metrics.ts';
import { PrometheusError } from '../../../proxy/prometheus/client.ts';
import type { AuthorizationDecision, TokenVerdict } from '../../../proxy/server/delegated.ts';
import {
  type ClientCaConfig,
  clientCaConfigFrom,
  type RequestHeaderConfig,
  requestHeaderConfigFrom,
  type UserInfo,
} from '../../../proxy/server/front-proxy.ts';
import { createServer, type RunningServer } from '../../../proxy/server/https.ts';
import type { RequestAttributes } from '../../../proxy/server/request-info.ts';
import { type CertPair, createPki } from '../../harness/pki.ts';

const SERVER_NAME = 'cmetrics.cmetrics.svc';
const API_PATH = '/apis/custom.metrics.k8s.io/v1beta2/namespaces/prod/pods/*/http_requests_per_second';

let dir: string;
let server: RunningServer;
let origin: string;
let servingCa: string;
const agents: Agent[] = [];
let anonymous: Agent;
let frontProxy: Agent;
let clusterClient: Agent;
let requestHeader: RequestHeaderConfig | undefined;
let clientCa: ClientCaConfig | undefined;
let x509User: Agent;

/** The stub TokenReview and SubjectAccessReview, and whom they were asked about. */
const tokens: Record<string, TokenVerdict> = {};
let decide: (user: UserInfo, a: RequestAttributes) => AuthorizationDecision;
const authorized: { user: UserInfo; attributes: RequestAttributes }[] = [];

/** What the stub router does next, and what it was asked. */
let routerAnswer: () => Promise<ApiAnswer>;
const routed: ApiRequest[] = [];
const ready = { prometheus: { ok: true, detail: '' }, cache: { ok: true, detail: '' } };
const logged: { level: string; msg: string; fields: Record<string, unknown> | undefined }[] = [];

const log: Logger = {
  debug: (msg, fields) => logged.push({ level: 'debug', msg, fields }),
  info: (msg, fields) => logged.push({ level: 'info', msg, fields }),
  warn: (msg, fields) => logged.push({ level: 'warn', msg, fields }),
  error: (msg, fields) => logged.push({ level: 'error', msg, fields }),
};

function agent(client?: CertPair): Agent {
  const a = new Agent({
    connect: {
      ca: servingCa,
      servername: SERVER_NAME,
      ...(client ? { cert: readFileSync(client.cert, 'utf8'), key: readFileSync(client.key, 'utf8') } : {}),
    },
  });
  agents.push(a);
  return a;
}

async function get(
  path: string,
  dispatcher: Agent,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' = 'GET',
) {
  const res = await request(`${origin}${path}`, { dispatcher, headers, method });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-https-'));
  const pki = createPki(dir);
  const serving = pki.serving('t', [SERVER_NAME]);
  servingCa = readFileSync(pki.servingCa.cert, 'utf8');
  requestHeader = requestHeaderConfigFrom({
    'requestheader-client-ca-file': readFileSync(pki.frontProxyCa.cert, 'utf8'),
    'requestheader-allowed-names': '["front-proxy-client"]',
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  });
  clientCa = clientCaConfigFrom({ 'client-ca-file': readFileSync(pki.ca.cert, 'utf8') });
  server = createServer({
    serving: () => ({ cert: readFileSync(serving.cert, 'utf8'), key: readFileSync(serving.key, 'utf8') }),
    clientCa: () => clientCa,
    authenticateToken: async (token) => {
      const verdict = tokens[token];
      if (!verdict) throw new Error('TokenReview unreachable');
      return verdict;
    },
    authorize: async (user, attributes) => {
      authorized.push({ user, attributes });
      return decide(user, attributes);
    },
    router: async (req) => {
      routed.push(req);
      return routerAnswer();
    },
    requestHeader: () => requestHeader,
    readiness: [
      { name: 'prometheus', check: async () => ready.prometheus },
      { name: 'cache', check: async () => ready.cache },
    ],
    metrics: createProxyMetrics({
      reloads: () => ({ loadedAtMs: 0, lastError: 'rules[0]: bad', reloads: 2, failures: 1 }),
      metricsListed: () => ({ custom: 7, external: 3 }),
    }),
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `https://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  anonymous = agent();
  frontProxy = agent(pki.frontProxyClient);
  // Same CN as the front proxy, but from the cluster CA: it may not speak for users.
  clusterClient = agent(pki.client('impostor', 'front-proxy-client'));
  x509User = agent(pki.client('alice', 'alice', ['devs', 'ops']));
  tokens['good-token'] = {
    user: { name: 'system:serviceaccount:ns:sa', uid: 'u1', groups: ['system:serviceaccounts'], extra: {} },
  };
  tokens['bad-token'] = { rejection: 'the token was not accepted: token expired' };
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  routed.length = 0;
  authorized.length = 0;
  decide = () => ({ allowed: true, reason: '' });
  logged.length = 0;
  ready.prometheus = { ok: true, detail: '' };
  ready.cache = { ok: true, detail: '' };
  routerAnswer = async () => ({ code: 200, body: { kind: 'MetricValueList', items: [] } });
});

describe('health paths', () => {
  it.each(['/healthz', '/livez'])('%s is 200 without a client certificate', async (path) => {
    const res = await get(path, anonymous);
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    expect(routed).toEqual([]);
  });

  it('/readyz is 200 when every check passes', async () => {
    const res = await get('/readyz', anonymous);
    expect(res.status).toBe(200);
    expect(res.text).toBe('[+]prometheus ok\n[+]cache ok\n[+]shutdown ok\nreadyz check passed\n');
  });

  it('/readyz is 503 with the failing check and its detail', async () => {
    ready.cache = { ok: false, detail: 'pods not synced yet' };
    const res = await get('/readyz', anonymous);
    expect(res.status).toBe(503);
    expect(res.text).toBe(
      '[+]prometheus ok\n[-]cache failed: pods not synced yet\n[+]shutdown ok\nreadyz check failed\n',
    );
  });
});

describe('authentication', () => {
  it.each<[string, () => Agent, Record<string, string>, string]>([
    ['no client certificate', () => anonymous, { 'X-Remote-User': 'alice' }, 'no client certificate'],
    [
      'a rejected bearer token',
      () => anonymous,
      { authorization: 'Bearer bad-token' },
      'bearer token: the token was not accepted: token expired',
    ],
    [
      'a bearer token TokenReview cannot check',
      () => anonymous,
      { authorization: 'Bearer other' },
      'the token could not be reviewed: TokenReview unreachable',
    ],
    ['the front proxy naming no user', () => frontProxy, {}, 'the front proxy named no user'],
  ])('%s → 401 Status', async (_what, dispatcher, headers, reason) => {
    const res = await get(API_PATH, dispatcher(), headers);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
    });
    expect(body.message).toContain(reason);
    expect(routed).toEqual([]);
  });

  it.each<[string, () => Agent, Record<string, string>, Omit<UserInfo, 'extra'>]>([
    [
      'a client certificate from client-ca-file is the user CN in the groups O',
      () => x509User,
      {},
      { name: 'alice', uid: '', groups: ['devs', 'ops', 'system:authenticated'] },
    ],
    [
      'a cluster-CA certificate cannot speak for others through the headers',
      () => clusterClient,
      { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' },
      { name: 'front-proxy-client', uid: '', groups: ['system:authenticated'] },
    ],
    [
      'a bearer token is the user TokenReview names',
      () => anonymous,
      { authorization: 'Bearer good-token' },
      {
        name: 'system:serviceaccount:ns:sa',
        uid: 'u1',
        groups: ['system:serviceaccounts', 'system:authenticated'],
      },
    ],
    [
      'the front proxy comes before the certificate and token',
      () => frontProxy,
      { 'X-Remote-User': 'bob', authorization: 'Bearer good-token' },
      { name: 'bob', uid: '', groups: ['system:authenticated'] },
    ],
  ])('%s', async (_what, dispatcher, headers, user) => {
    const res = await get(API_PATH, dispatcher(), headers);
    expect(res.status).toBe(200);
    expect(authorized.map((a) => a.user)).toEqual([{ ...user, extra: {} }]);
  });

  it('is 401 while the requestheader CA is unknown', async () => {
    const saved = requestHeader;
    requestHeader = undefined;
    try {
      const res = await get(API_PATH, frontProxy, { 'X-Remote-User': 'alice' });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text).message).toContain('the requestheader CA is not known yet');
    } finally {
      requestHeader = saved;
    }
    expect(routed).toEqual([]);
  });

  it('passes the front proxy request to the router and answers JSON', async () => {
    routerAnswer = async () => ({ code: 200, body: { kind: 'MetricValueList', items: [{ value: '500m' }] } });
    const res = await get(`${API_PATH}?labelSelector=app%3Dweb`, frontProxy, {
      'X-Remote-User': 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
      'X-Remote-Group': 'system:serviceaccounts',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));
    expect(JSON.parse(res.text)).toEqual({ kind: 'MetricValueList', items: [{ value: '500m' }] });
    expect(res.headers.warning).toBeUndefined();
    expect(routed).toHaveLength(1);
    expect(routed[0]?.method).toBe('GET');
    expect(routed[0]?.path).toBe(API_PATH);
    expect(routed[0]?.query.get('labelSelector')).toBe('app=web');
    expect(logged.find((l) => l.msg === 'request')?.fields).toMatchObject({
      user: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
      code: 200,
    });
  });
});

describe('authorization', () => {
  it('asks with the request attributes and answers 403 naming the user and what was denied', async () => {
    decide = () => ({ allowed: false, reason: 'no RBAC policy matched' });
    const res = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', frontProxy, {
      'X-Remote-User': 'alice',
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message:
        'pods.metrics.k8s.io is forbidden: User "alice" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "default": no RBAC policy matched',
    });
    expect(authorized.map((a) => a.attributes)).toEqual([
      {
        kind: 'resource',
        verb: 'list',
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        resource: 'pods',
        subresource: '',
        name: '',
        namespace: 'default',
      },
    ]);
    expect(routed).toEqual([]);
  });

  it('/metrics is a non-resource path', async () => {
    decide = () => ({ allowed: false, reason: '' });
    const res = await get('/metrics', x509User);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).message).toBe('forbidden: User "alice" cannot get path "/metrics"');
    expect(authorized.map((a) => a.attributes)).toEqual([
      { kind: 'nonResource', verb: 'get', path: '/metrics' },
    ]);
  });

  it('is 500 when SubjectAccessReview cannot be asked', async () => {
    decide = () => {
      throw new Error('connect ECONNREFUSED');
    };
    const res = await get(API_PATH, frontProxy, { 'X-Remote-User': 'alice' });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text).message).toBe('authorization failed: connect ECONNREFUSED');
    expect(routed).toEqual([]);
  });

  it('health paths are never authorized', async () => {
    decide = () => ({ allowed: false, reason: '' });
    for (const path of ['/healthz', '/livez', '/readyz'])
      expect((await get(path, anonymous)).status).toBe(200);
    expect(authorized).toEqual([]);
  });
});

describe('answers', () => {
  const asUser = { 'X-Remote-User': 'alice' };

  it.each<[string, () => Promise<ApiAnswer>, number, string, string]>([
    [
      'ApiError(404)',
      () => Promise.reject(new ApiError(404, 'no such metric')),
      404,
      'NotFound',
      'no such metric',
    ],
    [
      'ApiError(400)',
      () => Promise.reject(new ApiError(400, 'bad selector')),
      400,
      'BadRequest',
      'bad selector',
    ],
    [
      'ApiError(405)',
      () => Promise.reject(new ApiError(405, 'read-only')),
      405,
      'MethodNotAllowed',
      'read-only',
    ],
    [
      'an unreachable Prometheus',
      () => Promise.reject(new PrometheusError('connect ECONNREFUSED', 0, 'unreachable')),
      503,
      'ServiceUnavailable',
      'connect ECONNREFUSED',
    ],
    [
      'a Prometheus error',
      () => Promise.reject(new PrometheusError('parse error', 400, 'bad_data')),
      500,
      'InternalError',
      'parse error',
    ],
    [
      'a Prometheus that did not answer in time',
      () => Promise.reject(new PrometheusError('did not answer within 2 s', 504, 'timeout')),
      504,
      'Timeout',
      'did not answer within 2 s',
    ],
    [
      'a Prometheus answer that is not its JSON',
      () => Promise.reject(new PrometheusError('a body that is not JSON', 502, 'bad_response')),
      502,
      'InternalError',
      'a body that is not JSON',
    ],
    [
      'a Prometheus failing with 503',
      () => Promise.reject(new PrometheusError('unavailable', 503, 'unavailable')),
      502,
      'InternalError',
      'unavailable',
    ],
    [
      'any other error',
      () => Promise.reject(new Error('boom')),
      500,
      'InternalError',
      'internal error: boom',
    ],
  ])('router throwing %s → %i Status', async (_what, answer, code, reason, message) => {
    routerAnswer = answer;
    const res = await get(API_PATH, frontProxy, asUser);
    expect(res.status).toBe(code);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.text)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    });
  });

  it('authorizes the live request a history request stands for, with the same authorizer', async () => {
    const live = '/api/v1/namespaces/prod/pods';
    decide = (_user, a) => ({
      allowed: a.kind === 'resource' && a.group !== '',
      reason: 'no RBAC policy matched',
    });
    routerAnswer = async () => {
      await routed[0]?.authorizeLive(live);
      return { code: 200, body: {} };
    };
    const res = await get('/apis/history.cmetrics.io/v1alpha1/namespaces/prod/pods', frontProxy, asUser);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).message).toBe(
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "prod": no RBAC policy matched (the history answers only what the live request /api/v1/namespaces/prod/pods would)',
    );
    expect(authorized.map((a) => a.attributes)).toMatchObject([
      { group: 'history.cmetrics.io', resource: 'pods', verb: 'list' },
      { group: '', resource: 'pods', verb: 'list', namespace: 'prod' },
    ]);
  });

  it('answers 500 when the live request cannot be authorized', async () => {
    decide = (_user, a) => {
      if (a.kind === 'resource' && a.group === 'autoscaling') throw new Error('connect ECONNREFUSED');
      return { allowed: true, reason: '' };
    };
    routerAnswer = async () => {
      await routed[0]?.authorizeLive('/apis/autoscaling/v2/namespaces/prod/horizontalpodautoscalers/web');
      return { code: 200, body: {} };
    };
    const res = await get(
      '/apis/history.cmetrics.io/v1alpha1/namespaces/prod/horizontalpodautoscalers/web',
      frontProxy,
      asUser,
    );
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text).message).toBe(
      'authorization of the live request /apis/autoscaling/v2/namespaces/prod/horizontalpodautoscalers/web failed: connect ECONNREFUSED',
    );
  });

  it('passes the method on to the router', async () => {
    await get(API_PATH, frontProxy, asUser, 'POST');
    expect(routed.map((r) => r.method)).toEqual(['POST']);
  });

  it.each<[string[], string | string[]]>([
    [
      ['pods/web-1: http_requests_per_second is NaN, left out'],
      '299 - "pods/web-1: http_requests_per_second is NaN, left out"',
    ],
    [
      ['first', 'say "hi"'],
      ['299 - "first"', '299 - "say \\"hi\\""'],
    ],
  ])('warnings %j → Warning header %j', async (warnings, header) => {
    routerAnswer = async () => ({ code: 200, body: {}, warnings });
    const res = await get(API_PATH, frontProxy, asUser);
    expect(res.status).toBe(200);
    expect(res.headers.warning).toEqual(header);
  });

  it('sends no Warning header for an empty warning list', async () => {
    routerAnswer = async () => ({ code: 200, body: {}, warnings: [] });
    const res = await get(API_PATH, frontProxy, asUser);
    expect(res.headers.warning).toBeUndefined();
  });

  it.each<[string, number, number, string | undefined]>([
    ['a GET with a 200 KB body is answered after its body was read', 200_000, 200, undefined],
    ['a body beyond 3 MiB is refused, before the router', 3 * 1024 * 1024 + 1, 413, 'RequestEntityTooLarge'],
  ])('%s', async (_what, size, code, reason) => {
    routerAnswer = async () => ({ code: 200, body: { kind: 'MetricValueList' } });
    const res = await request(`${origin}${API_PATH}`, {
      dispatcher: frontProxy,
      headers: asUser,
      method: 'POST',
      body: 'x'.repeat(size),
    });
    expect(res.statusCode).toBe(code);
    const body = (await res.body.json()) as { kind: string; reason?: string };
    expect(body.reason).toBe(reason);
    expect(routed.length).toBe(code === 200 ? 1 : 0);
  });

  it('/metrics needs the same authentication as the APIs', async () => {
    expect((await get('/metrics', anonymous)).status).toBe(401);
  });

  it('/metrics counts answered requests by group, resource and code, and reports reloads and relists', async () => {
    routerAnswer = async () => ({ code: 200, body: {} });
    await get(API_PATH, frontProxy, asUser);
    await get(API_PATH, anonymous);
    const res = await get('/metrics', frontProxy, asUser);
    expect(res.status).toBe(200);
    // The test's server knows no resources: every resource is counted as unknown.
    expect(res.text).toMatch(
      /cmetrics_proxy_request_duration_seconds_count\{group="custom.metrics.k8s.io",resource="unknown",code="200"\} [1-9]/,
    );
    expect(res.text).toMatch(
      /cmetrics_proxy_requests_total\{group="custom.metrics.k8s.io",resource="unknown",code="401"\} [1-9]/,
    );
    expect(res.text).toContain('cmetrics_proxy_config_reloads_total{result="success"} 2');
    expect(res.text).toContain('cmetrics_proxy_config_reloads_total{result="failure"} 1');
    expect(res.text).toContain('cmetrics_proxy_config_last_reload_successful 0');
    expect(res.text).toContain('cmetrics_proxy_metrics_listed{api="custom"} 7');
  });
});

describe('requests Node cannot parse', () => {
  /** Raw bytes over TLS: what comes back, whole. */
  const raw = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const { port } = server.server.address() as AddressInfo;
      const socket = tls.connect({ host: '127.0.0.1', port, ca: servingCa, servername: SERVER_NAME }, () =>
        socket.end(bytes),
      );
      let text = '';
      socket.on('data', (d) => {
        text += d;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });

  it.each<[string, string, number, string]>([
    [
      'headers beyond 16 KiB',
      `GET /apis HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'exceed the 16 KiB',
    ],
    ['a method that does not exist', 'FROB /apis HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'malformed HTTP request'],
    [
      'a method in lower case, with a body still coming',
      `get /apis HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n${'x'.repeat(200_000)}`,
      400,
      'malformed HTTP request',
    ],
    [
      'headers beyond 16 KiB, and a body after them',
      `GET /apis HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\nContent-Length: 200000\r\n\r\n${'x'.repeat(200_000)}`,
      431,
      'exceed the 16 KiB',
    ],
    [
      'a header without a colon',
      'GET /apis HTTP/1.1\r\nHost: x\r\nbroken\r\n\r\n',
      400,
      'malformed HTTP request',
    ],
  ])('%s: a Status with its code, the answer read whole', async (_what, bytes, code, message) => {
    const answer = await raw(bytes);
    expect(answer).toMatch(new RegExp(`^HTTP/1.1 ${code} `));
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ kind: 'Status', code });
    expect(body.message).toContain(message);
  });
});
