// Bad and hostile input against the running proxy: paths, selectors, query strings, headers and
// methods, sent straight to it as the aggregator sends requests (front-proxy certificate), as raw bytes
// over TLS where no HTTP client would send them, and through the aggregator with kubectl. Each is
// answered with a Status of the right 4xx code (or, where Kubernetes would answer it, 200), never a
// 5xx, and the proxy keeps serving.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Status } from '../../shared/api-types.ts';
import type { CertPair } from '../harness/pki.ts';
import { eventually, kubectl, proxyAgent, send } from './helpers.ts';
import { AS_ADMIN, frontProxyClient } from './proxy-instance.ts';

const CUSTOM = '/apis/custom.metrics.k8s.io/v1beta2';
const PODS_QPS = `${CUSTOM}/namespaces/default/pods/*/qps`;
const EXTERNAL = '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/external_requests_per_second';
const POD_METRICS = '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods';
// The name proxyAgent() verifies, for the raw connections.
const SERVERNAME = 'cmetrics.cmetrics.svc';

interface Case {
  what: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** Codes that are right for this input; every one but 200 must come with a Status body. */
  want: number[];
  message?: RegExp;
}

const q = (path: string, params: Record<string, string>) => `${path}?${new URLSearchParams(params)}`;

const PATHS: Case[] = [
  { what: 'dot segments climbing out', path: `${PODS_QPS}/../../../../../../../etc/passwd`, want: [404] },
  { what: 'encoded dot segments', path: `${CUSTOM}/namespaces/%2e%2e/%2e%2e/pods/*/qps`, want: [404] },
  // A namespace is a DNS-1123 label: anything else is refused before it can reach a query.
  {
    what: 'a NUL in the namespace',
    path: `${CUSTOM}/namespaces/de%00fault/pods/*/qps`,
    want: [400],
    message: /is not a valid namespace name/,
  },
  {
    what: 'an encoded slash in the namespace',
    path: `${CUSTOM}/namespaces/default%2Fkube-system/pods/*/qps`,
    want: [400],
    message: /is not a valid namespace name/,
  },
  {
    what: 'a namespace of 10,000 characters',
    path: `${CUSTOM}/namespaces/${'a'.repeat(10_000)}/pods/*/qps`,
    want: [400],
    message: /is not a valid namespace name/,
  },
  { what: 'a pod name of 2,000 characters', path: `${POD_METRICS}/${'p'.repeat(2000)}`, want: [404] },
  {
    what: 'a metric name of 5,000 characters',
    path: `${CUSTOM}/namespaces/default/pods/*/${'m'.repeat(5000)}`,
    want: [404],
  },
  {
    what: 'a unicode namespace',
    path: `${CUSTOM}/namespaces/d%C3%A9fault/pods/*/qps`,
    want: [400],
    message: /is not a valid namespace name/,
  },
  { what: 'an emoji metric', path: `${CUSTOM}/namespaces/default/pods/*/%F0%9F%94%A5`, want: [404] },
  { what: 'percent-encoding that is not UTF-8', path: `${CUSTOM}/namespaces/%C3%28/pods/*/qps`, want: [400] },
  { what: 'a malformed percent escape', path: `${CUSTOM}/namespaces/%zz/pods/*/qps`, want: [400] },
  { what: 'a double slash after /apis', path: '/apis//custom.metrics.k8s.io/v1beta2', want: [404] },
  { what: 'a double slash inside', path: `${CUSTOM}/namespaces//pods/*/qps`, want: [404] },
  { what: 'a leading double slash', path: `//apis/custom.metrics.k8s.io/v1beta2`, want: [404] },
  { what: 'an unknown group', path: '/apis/evil.example.com/v1/namespaces/default/things', want: [404] },
  { what: 'an unknown version', path: '/apis/custom.metrics.k8s.io/v9', want: [404] },
  {
    what: 'segments past the metric',
    path: `${CUSTOM}/namespaces/default/pods/web/qps/extra/more`,
    want: [404],
  },
  {
    what: 'a quote in an external namespace',
    path: `/apis/external.metrics.k8s.io/v1beta1/namespaces/a%22b/external_requests_per_second`,
    want: [400],
    message: /is not a valid namespace name/,
  },
  {
    what: 'PromQL in an external metric name',
    path: `/apis/external.metrics.k8s.io/v1beta1/namespaces/default/up%7Bjob%3D~%22.%2B%22%7D`,
    want: [404],
  },
  { what: 'a path outside the APIs', path: '/etc/passwd', want: [404] },
  { what: 'the proxy root', path: '/', want: [404] },
  { what: 'the OpenAPI document', path: '/openapi/v2', want: [404] },
];

const SELECTORS: Case[] = [
  ['an unclosed set', 'app in (a'],
  ['an empty key', '=foo'],
  ['an empty key with !=', '!=foo'],
  ['two words', 'a b'],
  ['only commas', ',,'],
  ['a bare !', '!'],
  ['a key of 300 characters', `${'k'.repeat(300)}=v`],
  ['a unicode value', 'app=dé'],
  ['a unicode key', 'äpp=x'],
  ['a quoted value', 'app="x"'],
  ['a NUL in a value', 'app=a\u0000b'],
  ['a newline in a value', 'app=a\nb'],
  ['> with a word', 'app>x'],
  ['< with a word', 'app<x'],
  ['a percent escape left undecoded', '%zz'],
  ['PromQL', 'app=~".+"'],
].flatMap(([what, selector]) => [
  { what: `labelSelector: ${what}`, path: q(PODS_QPS, { labelSelector: selector as string }), want: [400] },
  {
    what: `metricLabelSelector: ${what}`,
    path: q(PODS_QPS, { metricLabelSelector: selector as string }),
    want: [400],
  },
  {
    what: `external labelSelector: ${what}`,
    path: q(EXTERNAL, { labelSelector: selector as string }),
    want: [400],
  },
  {
    what: `pod metrics labelSelector: ${what}`,
    path: q(POD_METRICS, { labelSelector: selector as string }),
    want: [400],
  },
]);

const OPERATORS: Case[] = [
  // Kubernetes reads `in ()` as the set holding the empty value: valid, and no pod has app="".
  {
    what: 'labelSelector app in () on pod metrics',
    path: q(POD_METRICS, { labelSelector: 'app in ()' }),
    want: [200],
  },
  // `>`/`<` are label selector operators Kubernetes accepts (integer values): objects are selected here,
  // but a metric's labels cannot be compared in PromQL.
  {
    what: 'labelSelector app>1 (no pod matches)',
    path: q(PODS_QPS, { labelSelector: 'app>1' }),
    want: [404],
  },
  {
    what: 'metricLabelSelector status>1',
    path: q(PODS_QPS, { metricLabelSelector: 'status>1' }),
    want: [400],
    message: /cannot be expressed in PromQL/,
  },
  {
    what: 'metricLabelSelector status<1',
    path: q(PODS_QPS, { metricLabelSelector: 'status<1' }),
    want: [400],
    message: /cannot be expressed in PromQL/,
  },
  {
    what: 'external labelSelector service>1',
    path: q(EXTERNAL, { labelSelector: 'service>1' }),
    want: [400],
    message: /cannot be expressed in PromQL/,
  },
  {
    what: 'a huge selector of 3,000 requirements',
    path: q(PODS_QPS, { labelSelector: Array.from({ length: 3000 }, (_, i) => `k${i}`).join(',') }),
    want: [431],
  },
  {
    what: 'a 12 KiB selector',
    path: q(PODS_QPS, {
      labelSelector: `app in (${Array.from({ length: 1500 }, (_, i) => `v${i}`).join(',')})`,
    }),
    want: [404],
  },
];

const QUERIES: Case[] = [
  {
    what: 'a repeated labelSelector (the first counts, as in Kubernetes)',
    path: `${PODS_QPS}?labelSelector=app%3Dcustom-metrics-app&labelSelector=%3D%3D`,
    want: [200],
  },
  {
    what: 'a repeated metricLabelSelector, the first bad',
    path: `${PODS_QPS}?metricLabelSelector=%3D%3D&metricLabelSelector=a%3Db`,
    want: [400],
  },
  {
    what: 'parameters nobody reads',
    path: `${PODS_QPS}?limit=-1&timeoutSeconds=abc&resourceVersion=%00&foo`,
    want: [200],
  },
  { what: 'a malformed escape in a parameter name', path: `${PODS_QPS}?%zz=1`, want: [200] },
  {
    what: '1,000 parameters',
    path: `${PODS_QPS}?${Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join('&')}`,
    want: [200],
  },
  { what: 'an empty labelSelector', path: `${PODS_QPS}?labelSelector=`, want: [200] },
];

const METHODS: Case[] = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'].flatMap((method) => [
  {
    what: `${method} on a metric`,
    method,
    path: PODS_QPS,
    want: [405],
    message: new RegExp(`${method} is not allowed`),
  },
  { what: `${method} on discovery`, method, path: CUSTOM, want: [405] },
]);

const HEADERS: Case[] = [
  { what: 'a 20 KiB header', path: PODS_QPS, headers: { 'x-padding': 'a'.repeat(20_000) }, want: [431] },
  {
    what: '300 extra headers',
    path: PODS_QPS,
    headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v'])),
    want: [200],
  },
  {
    what: 'an extra key that is not percent-encoding',
    path: PODS_QPS,
    headers: { 'x-remote-extra-%zz': 'v' },
    want: [200],
  },
  {
    what: 'Accept: protobuf only (answered in JSON, as Kubernetes clients decode)',
    path: PODS_QPS,
    headers: { accept: 'application/vnd.kubernetes.protobuf' },
    want: [200],
  },
];

/** Raw request bytes: what no HTTP client library would send. */
const RAW: { what: string; bytes: string; want: number }[] = [
  {
    what: 'an unencoded space in the path',
    bytes: `GET ${CUSTOM}/namespaces/de fault/pods HTTP/1.1\r\nHost: x\r\n\r\n`,
    want: 400,
  },
  {
    what: 'raw UTF-8 in the path',
    bytes: `GET ${CUSTOM}/namespaces/défault/pods/*/qps HTTP/1.1\r\nHost: x\r\n\r\n`,
    want: 400,
  },
  { what: 'a method that does not exist', bytes: `FROB ${CUSTOM} HTTP/1.1\r\nHost: x\r\n\r\n`, want: 400 },
  // Node reads a request line without a version as HTTP/0.9; it names no user, so: 401.
  { what: 'HTTP/0.9', bytes: `GET ${CUSTOM}\r\n\r\n`, want: 401 },
  {
    what: 'a header name with a space',
    bytes: `GET ${CUSTOM} HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n`,
    want: 400,
  },
  {
    what: 'a header line without a colon',
    bytes: `GET ${CUSTOM} HTTP/1.1\r\nHost: x\r\nbroken\r\n\r\n`,
    want: 400,
  },
  {
    what: 'Content-Length and chunked together (smuggling)',
    bytes: `GET ${CUSTOM} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    want: 400,
  },
  {
    what: 'a negative Content-Length',
    bytes: `GET ${CUSTOM} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    want: 400,
  },
  {
    what: '64 KiB of headers',
    bytes: `GET ${CUSTOM} HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(8000)}\r\n`,
    want: 431,
  },
  {
    what: 'a 100 KiB path',
    bytes: `GET /apis/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    want: 431,
  },
];

/** Through the aggregator, as kubectl sends them. */
const VIA_AGGREGATOR: { what: string; args: string[]; reason: string }[] = [
  {
    what: 'get --raw with a bad labelSelector',
    args: ['get', '--raw', q(PODS_QPS, { labelSelector: 'app in (a' })],
    reason: 'BadRequest',
  },
  {
    what: 'get --raw with a unicode metricLabelSelector',
    args: ['get', '--raw', q(PODS_QPS, { metricLabelSelector: 'app=dé' })],
    reason: 'BadRequest',
  },
  {
    what: 'get --raw with status>1 as metricLabelSelector',
    args: ['get', '--raw', q(PODS_QPS, { metricLabelSelector: 'status>1' })],
    reason: 'BadRequest',
  },
  {
    what: 'get --raw with percent-encoding that is not UTF-8',
    args: ['get', '--raw', `${CUSTOM}/namespaces/default/pods/%C3%28/qps`],
    reason: 'BadRequest',
  },
  {
    what: 'get --raw with an upper-case namespace',
    args: [
      'get',
      '--raw',
      `/apis/external.metrics.k8s.io/v1beta1/namespaces/Default/external_requests_per_second`,
    ],
    reason: 'BadRequest',
  },
  {
    what: 'get --raw of a missing metric',
    args: ['get', '--raw', `${CUSTOM}/namespaces/default/pods/*/no_such_metric`],
    reason: 'NotFound',
  },
  {
    what: 'create --raw (POST)',
    args: ['create', '--raw', PODS_QPS, '-f', 'BODY'],
    reason: 'MethodNotAllowed',
  },
  {
    what: 'replace --raw (PUT)',
    args: ['replace', '--raw', PODS_QPS, '-f', 'BODY'],
    reason: 'MethodNotAllowed',
  },
  { what: 'delete --raw (DELETE)', args: ['delete', '--raw', PODS_QPS], reason: 'MethodNotAllowed' },
];

const ANONYMOUS_PATHS = PATHS.slice(0, 8);
const TOTAL =
  PATHS.length +
  SELECTORS.length +
  OPERATORS.length +
  QUERIES.length +
  METHODS.length +
  HEADERS.length +
  ANONYMOUS_PATHS.length +
  RAW.length +
  VIA_AGGREGATOR.length;

let dir: string;
let client: CertPair;
let frontProxy: Agent;
let anonymous: Agent;
const port = () => inject('proxyPort');
const servingCa = () => readFileSync(inject('servingCa'), 'utf8');
let tried = 0;

function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        host: '127.0.0.1',
        port: port(),
        ca: servingCa(),
        servername: SERVERNAME,
        cert: readFileSync(client.cert),
        key: readFileSync(client.key),
      },
      () => socket.end(bytes),
    );
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('end', () => resolve(text));
    // The server may close while the client is still writing a huge request: keep what it answered.
    socket.on('error', (e) => (text ? resolve(text) : reject(e)));
  });
}

function expectAnswer(c: Case, answer: { status: number; body: unknown }) {
  const where = `${c.what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
  expect(c.want, where).toContain(answer.status);
  if (answer.status === 200 || c.method === 'HEAD') return;
  expect(answer.body, where).toMatchObject({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code: answer.status,
  });
  expect((answer.body as Status).message.length, where).toBeGreaterThan(10);
  if (c.message) expect((answer.body as Status).message, where).toMatch(c.message);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-bad-input-'));
  client = frontProxyClient(dir);
  frontProxy = proxyAgent(client);
  anonymous = proxyAgent();
  writeFileSync(join(dir, 'body.json'), '{"kind":"Status"}');
  // Bad input is judged against a proxy that serves the good input: qps discovered, pods scraped.
  await eventually(
    'pods/*/qps answered',
    async () =>
      (await send(port(), PODS_QPS, frontProxy, { headers: AS_ADMIN })).status === 200 ? true : undefined,
    120_000,
  );
});

afterAll(async () => {
  await frontProxy?.close();
  await anonymous?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`[bad-input] ${tried} bad inputs tried`);
});

describe.each<[string, Case[]]>([
  ['paths', PATHS],
  ['selectors', SELECTORS],
  ['selector operators and sizes', OPERATORS],
  ['query strings', QUERIES],
  ['methods', METHODS],
  ['headers', HEADERS],
])('%s, straight to the proxy', (_kind, cases) => {
  it.each(cases.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    tried++;
    const answer = await send(port(), c.path, frontProxy, {
      method: c.method ?? 'GET',
      headers: { ...AS_ADMIN, ...c.headers },
    });
    expectAnswer(c, answer);
    if (answer.status === 405) expect(answer.headers.allow).toBe('GET');
  });
});

describe('hostile paths without credentials', () => {
  it.each(ANONYMOUS_PATHS.map((c) => [c.what, c] as const))('%s → 401', async (_what, c) => {
    tried++;
    const answer = await send(port(), c.path, anonymous);
    // A path the server's URL parsing keeps outside /apis is still refused before anything else.
    expectAnswer({ ...c, want: [401], message: /^Unauthorized: / }, answer);
  });
});

describe('raw requests', () => {
  it.each(RAW.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    tried++;
    const answer = await raw(c.bytes);
    expect(answer, answer.slice(0, 300)).toMatch(new RegExp(`^HTTP/1\\.1 ${c.want} `));
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Status;
    expect(body).toMatchObject({ kind: 'Status', code: c.want });
  });
});

describe('through the aggregator (kubectl)', () => {
  it.each(VIA_AGGREGATOR.map((c) => [c.what, c] as const))('%s', (_what, c) => {
    tried++;
    const args = c.args.map((a) => (a === 'BODY' ? join(dir, 'body.json') : a));
    let stderr = '';
    try {
      kubectl(args);
    } catch (e) {
      stderr = String((e as { stderr?: string }).stderr);
    }
    expect(stderr).toContain(`Error from server (${c.reason})`);
  });
});

describe(`after all ${TOTAL} bad inputs`, () => {
  it('still serves, and logged no internal error', async () => {
    const answer = await send(port(), PODS_QPS, frontProxy, { headers: AS_ADMIN });
    expect(answer.status).toBe(200);
    const log = readFileSync(join(inject('workDir'), 'logs', 'cmetrics-proxy.log'), 'utf8');
    expect(log.split('\n').filter((l) => l.includes('"level":"error"'))).toEqual([]);
    expect(tried).toBe(TOTAL);
  });
});
