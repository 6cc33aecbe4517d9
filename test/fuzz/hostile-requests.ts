// Hostile requests for `npm run fuzz:http`, derived from the proxy's own route table: the served
// groups and versions (proxy/apis/discovery.ts SERVED_GROUPS), the path shapes its parsers accept
// (proxy/apis/custom-metrics.ts, external-metrics.ts, resource-metrics.ts), the metric names its
// configuration's rules serve, and the query parameters it reads (proxy/apis/query-params.ts). Each
// request is a valid one, or one with a part (segment, name, namespace, selector, metric, query,
// header, method, body, encoding) swapped for a hostile value. Pure and seeded: the same seed makes
// the same requests. Also the PromQL shapes the rules template, to check what reached Prometheus.

import { SERVED_GROUPS } from '../../proxy/apis/discovery.ts';
import type { AdapterConfig, DiscoveryRule } from '../../proxy/rules/config.ts';
import { CUSTOM_GROUP, EXTERNAL_GROUP, HISTORY_GROUP, RESOURCE_GROUP } from '../../shared/api-types.ts';

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Made of valid parts only: the answer must be 200. */
  valid: boolean;
  /** What was swapped, for the report. */
  mutation: string;
  /** Sent over a raw TLS socket: written in pieces (`slow`), cut short (`truncated`), or as bytes no parser reads. */
  raw?: { kind: 'slow' | 'truncated' | 'garbage'; bytes: string };
}

/** What the generator draws from: the route table and the names the proxy and the cluster serve. */
export interface RouteTable {
  /** The custom metrics the proxy lists (its discovery document): `pods/qps`, `services/http_requests`. */
  customResources: string[];
  externalMetrics: string[];
  /** Every name the configuration's rules may serve, discovered or not (a near miss for the hostile ones). */
  ruleMetrics: string[];
  namespaces: string[];
  pods: string[];
  nodes: string[];
  services: string[];
}

/** mulberry32: a small seeded generator, so that a run can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The metric names a rule serves: `name.as`, else the series name its seriesQuery or metricName gives. */
function ruleMetricName(rule: DiscoveryRule): string {
  if (rule.name.as) return rule.name.as;
  return rule.metricName || (/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rule.seriesQuery)?.[0] ?? '');
}

/**
 * The route table: `served` is what the proxy's discovery documents list (custom.metrics.k8s.io's
 * resources, external.metrics.k8s.io's), the cluster's pods, nodes and services the objects named.
 */
export function routeTable(
  config: AdapterConfig,
  served: { custom: string[]; external: string[] },
  cluster: { pods: string[]; nodes: string[]; services: string[] },
): RouteTable {
  return {
    customResources: served.custom.filter((r) => /^(pods|services|namespaces)\//.test(r)),
    externalMetrics: served.external,
    ruleMetrics: [...config.rules, ...config.externalRules].map(ruleMetricName).filter(Boolean),
    namespaces: ['default'],
    ...cluster,
  };
}

// Hostile values, by part. Each is what an attacker or a broken client sends: traversal, encodings
// that do not decode, PromQL and label-matcher injection, sizes past every limit, control bytes.
const INJECTIONS = [
  '"}) or vector(1) #',
  '"} or up{job=~".+',
  'x"}[5m]) or on() vector(1',
  '.+',
  '.*',
  '=~".*"',
  '{__name__=~".+"}',
  'a\\"b',
  '\\',
  '"',
  "'",
  '`',
  '$(id)',
  '<<.Series>>',
  '{{.Series}}',
  '%00',
];
const SEGMENTS = [
  '',
  '.',
  '..',
  '%2e%2e',
  '%2F',
  '%252F',
  '%zz',
  '%',
  '%C0%AF',
  '%FF',
  '%00',
  '%0a',
  '%20',
  '*',
  '**',
  '-',
  'a-',
  '-a',
  'UPPER',
  'name%20with%20space',
  '%E2%80%AE',
  '%F0%9F%92%A9',
  'x'.repeat(64),
  'x'.repeat(254),
  'y'.repeat(4000),
  'namespaces',
  'metrics',
  'pods',
  'nodes',
  ...INJECTIONS.map(encodeURIComponent),
];
const SELECTORS = [
  'app=custom-metrics-app',
  'app in (custom-metrics-app)',
  'app notin (x),!nothing',
  'app',
  '!app',
  'app!=x',
  'app==custom-metrics-app',
  'app=',
  '=x',
  'a in (',
  'a in ()',
  'a in (b,,c)',
  'a notin',
  ',',
  'a=b,',
  'a=b c',
  'a=(b)',
  'a>1',
  'a<b',
  'a=b;c=d',
  'x'.repeat(64),
  `a=${'v'.repeat(64)}`,
  `${'k'.repeat(10_000)}=v`,
  Array.from({ length: 300 }, (_, i) => `k${i}=v`).join(','),
  'app=custom-metrics-app"} or vector(1',
  'api="x"}) or vector(1) #',
  'api=~".+"',
  'api=x\\',
  'api in (a"b)',
  'pod=\u0000',
  'ключ=значение',
  'app=%zz',
  '\n',
];
const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'get', 'PROPFIND', 'M-SEARCH'];
const ACCEPTS = [
  'application/json',
  'application/json;as=Table;v=v1;g=meta.k8s.io',
  'application/vnd.kubernetes.protobuf',
  'application/yaml',
  'text/html',
  '*/*',
  ';;;',
  'application/json; charset=utf-16',
  'x'.repeat(2000),
];
const ENCODINGS = ['gzip', 'br', 'deflate', 'identity;q=0', '*;q=0', 'gzip;q=x', 'zstd', 'x'.repeat(500)];

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;

/** A valid request of the route table: a discovery document, or a metric path with valid parts. */
function validRequest(rng: Rng, t: RouteTable): { segments: string[]; query: [string, string][] } {
  const group = pick(rng, SERVED_GROUPS);
  const version = pick(rng, group.versions);
  const ns = pick(rng, t.namespaces);
  const query: [string, string][] = [];
  const shape = rng();
  if (shape < 0.05) return { segments: ['apis'], query };
  if (shape < 0.1) return { segments: ['apis', group.name], query };
  // The history group's paths (with their range parameters) are not generated yet: its discovery only.
  if (shape < 0.15 || group.name === HISTORY_GROUP) return { segments: ['apis', group.name, version], query };
  if (group.name === CUSTOM_GROUP) {
    const [resource, metric] = pick(rng, t.customResources).split('/') as [string, string];
    if (rng() < 0.3) query.push(['metricLabelSelector', 'api!=nothing']);
    if (resource === 'namespaces')
      return { segments: ['apis', group.name, version, 'namespaces', ns, 'metrics', metric], query };
    if (rng() < 0.5) query.push(['labelSelector', 'app=custom-metrics-app']);
    const objects = resource === 'pods' ? t.pods : t.services;
    const name = rng() < 0.5 || !objects.length ? '*' : pick(rng, objects);
    return { segments: ['apis', group.name, version, 'namespaces', ns, resource, name, metric], query };
  }
  if (group.name === EXTERNAL_GROUP) {
    if (rng() < 0.5) query.push(['labelSelector', 'service=custom-metrics-app']);
    return { segments: ['apis', group.name, version, 'namespaces', ns, pick(rng, t.externalMetrics)], query };
  }
  const r = rng();
  if (r < 0.3 && t.nodes.length)
    return { segments: ['apis', RESOURCE_GROUP, version, 'nodes', pick(rng, t.nodes)], query };
  if (r < 0.5) return { segments: ['apis', RESOURCE_GROUP, version, 'nodes'], query };
  if (r < 0.7) return { segments: ['apis', RESOURCE_GROUP, version, 'pods'], query };
  if (rng() < 0.5) query.push(['labelSelector', 'app=custom-metrics-app']);
  return { segments: ['apis', RESOURCE_GROUP, version, 'namespaces', ns, 'pods'], query };
}

const join = (segments: string[], query: [string, string][], rawQuery = '') => {
  const q = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const all = [q, rawQuery].filter(Boolean).join('&');
  return `/${segments.join('/')}${all ? `?${all}` : ''}`;
};

/**
 * The next request: about one in five valid, the rest with one part (or, one in ten, several)
 * hostile. `unsafe` allows what must not reach kube-apiserver's own APIs with admin rights
 * (methods other than GET and HEAD with traversal segments), for the direct channel only.
 */
export function hostileRequest(rng: Rng, t: RouteTable, opts: { direct: boolean }): HostileRequest {
  const { segments, query } = validRequest(rng, t);
  const headers: Record<string, string> = {};
  let method = 'GET';
  let body: string | undefined;
  let rawQuery = '';
  const mutations: string[] = [];
  if (rng() < 0.2) return { method, path: join(segments, query), headers, valid: true, mutation: 'none' };
  const rounds = rng() < 0.1 ? 2 + Math.floor(rng() * 3) : 1;
  for (let round = 0; round < rounds; round++) {
    const part = rng();
    if (part < 0.25) {
      // A path segment past the version (names, namespaces, resources, metric names) or any segment.
      const at =
        segments.length > 3 && rng() < 0.8
          ? 3 + Math.floor(rng() * (segments.length - 3))
          : Math.floor(rng() * segments.length);
      const value = rng() < 0.1 ? pick(rng, t.ruleMetrics) : pick(rng, SEGMENTS);
      segments[at] = value;
      mutations.push(`segment[${at}]=${value.slice(0, 20)}`);
    } else if (part < 0.32) {
      // Segments added or cut: shapes next to the parsers' own.
      if (rng() < 0.5) segments.push(pick(rng, ['x', '*', 'qps', 'pods', 'metrics', '']));
      else segments.splice(2 + Math.floor(rng() * Math.max(1, segments.length - 2)), 1);
      mutations.push('shape');
    } else if (part < 0.36) {
      // Group or version near the served ones, never another API's (the admin may change those).
      const at = rng() < 0.5 ? 1 : 2;
      const value = pick(rng, [
        'custom.metrics.k8s.io.',
        'CUSTOM.METRICS.K8S.IO',
        'metrics.k8s.io2',
        'external.metrics',
        'v1beta3',
        'V1',
        'v0',
        'v1beta1%00',
      ]);
      segments[at] = value;
      mutations.push(`group/version=${value}`);
    } else if (part < 0.52) {
      const key = pick(rng, ['labelSelector', 'metricLabelSelector', 'fieldSelector']);
      const value = rng() < 0.3 ? pick(rng, INJECTIONS) : pick(rng, SELECTORS);
      query.push([key, value]);
      if (rng() < 0.2) query.push([key, pick(rng, SELECTORS)]);
      mutations.push(`${key}=${value.slice(0, 30)}`);
    } else if (part < 0.6) {
      const [key, value] = pick(rng, [
        ['watch', 'true'],
        ['watch', '1'],
        ['watch', 'false'],
        ['watch', 'x'.repeat(100)],
        ['resourceVersion', '-1'],
        ['limit', '-1'],
        ['limit', '99999999999999999999'],
        ['continue', '%%%'],
        ['timeout', '1ns'],
        ['timeoutSeconds', '-5'],
        ['pretty', 'true'],
        ['labelSelector[]', 'a'],
        ['', ''],
        ['x'.repeat(3000), 'y'],
      ] as const);
      query.push([key, value]);
      mutations.push(`query ${key.slice(0, 20)}=${value.slice(0, 20)}`);
    } else if (part < 0.65) {
      rawQuery = pick(rng, [
        '%zz',
        'labelSelector=%zz',
        '&&&',
        '=',
        'a=%',
        'labelSelector=a%3D%FF',
        ';;',
        '%00=%00',
      ]);
      mutations.push(`raw query ${rawQuery}`);
    } else if (part < 0.75) {
      const h = rng();
      if (h < 0.3) headers.accept = pick(rng, ACCEPTS);
      else if (h < 0.5) headers['accept-encoding'] = pick(rng, ENCODINGS);
      else if (h < 0.6)
        headers['content-type'] = pick(rng, [
          'application/json',
          'text/plain',
          'x/y;;',
          'multipart/form-data; boundary=',
        ]);
      else if (h < 0.7) headers['x-junk'] = 'v'.repeat(pick(rng, [1024, 4096, 12_000]));
      else if (h < 0.8) for (let i = 0; i < 100; i++) headers[`x-many-${i}`] = String(i);
      else if (h < 0.9) headers['if-none-match'] = pick(rng, ['*', '"x"', 'W/"', '']);
      else headers['x-remote-extra-scopes'] = pick(rng, ['a', '%zz', 'x'.repeat(200)]);
      mutations.push(`header ${Object.keys(headers).at(-1)?.slice(0, 20)}`);
    } else if (part < 0.8) {
      // Sizes past the proxy's 16 KiB of request line and headers: a 431 Status, never a crash.
      headers['x-huge'] = 'h'.repeat(opts.direct ? pick(rng, [17_000, 40_000, 64_000]) : 17_000);
      mutations.push('header size');
    } else if (part < 0.9) {
      method = pick(rng, METHODS);
      if (method !== 'HEAD' && method !== 'OPTIONS' && rng() < 0.7)
        body = pick(rng, ['{}', '{"kind":"Status"}', 'x'.repeat(70_000), '\u0000\u0001', '[]'.repeat(1000)]);
      mutations.push(`method ${method}${body ? ` body ${body.length} B` : ''}`);
    } else if (part < 0.93) {
      body = pick(rng, ['{}', 'x'.repeat(1024), 'x'.repeat(200_000)]);
      mutations.push(`GET body ${body.length} B`);
    } else if (opts.direct && part < 0.96) {
      // Another identity, or none: the proxy decides from the front proxy's headers alone.
      const who = pick(rng, [
        {},
        { 'x-remote-user': 'fuzz-nobody' },
        { 'x-remote-user': 'system:anonymous', 'x-remote-group': 'system:unauthenticated' },
        { 'x-remote-user': '', 'x-remote-group': 'system:masters' },
      ]);
      headers['x-fuzz-identity'] = JSON.stringify(who);
      mutations.push(`identity ${JSON.stringify(who)}`);
    } else {
      const path = join(segments, query, rawQuery);
      const kind = pick(rng, ['slow', 'truncated', 'garbage'] as const);
      // `connection: close`: the server ends the connection once it answered, so the client knows the answer is whole.
      const request = `GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-remote-user: fuzz\r\nx-remote-group: system:masters\r\n\r\n`;
      const bytes =
        kind === 'garbage'
          ? pick(rng, [
              'GARBAGE\r\n\r\n',
              `GET ${path} HTTP/9.9\r\n\r\n`,
              `GET http://evil.example${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
              `GET ${path} HTTP/1.1\r\nbad header\r\n\r\n`,
              `GET ${path}\u0000 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
              `GET ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
              `GET ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n`,
            ])
          : request;
      return {
        method,
        path,
        headers,
        valid: false,
        mutation: `raw ${kind}`,
        raw: { kind, bytes },
      };
    }
  }
  // Methods other than GET and HEAD go through the aggregator on clean paths only: a traversal
  // there could reach kube-apiserver's own APIs as the admin.
  if (!opts.direct && method !== 'GET' && method !== 'HEAD') {
    let clean = validRequest(rng, t);
    while (clean.segments.length <= 3) clean = validRequest(rng, t);
    return {
      method,
      path: join(clean.segments, clean.query),
      headers,
      ...(body !== undefined ? { body } : {}),
      valid: false,
      mutation: mutations.join('; '),
    };
  }
  return {
    method,
    path: join(segments, query, rawQuery),
    headers,
    ...(body !== undefined ? { body } : {}),
    valid: false,
    mutation: mutations.join('; '),
  };
}

/**
 * What the rules template, as regular expressions: each metricsQuery (and resourceRules' container
 * and node queries) with `<<.Series>>` a metric name, `<<.LabelMatchers>>` a list of matchers with
 * quoted values (a quote in a value that is not escaped ends it, and the rest no longer fits), and
 * `<<.GroupBy>>` a list of label names. Any other action matches anything on one line.
 */
export function allowedQueryShapes(config: AdapterConfig): RegExp[] {
  const templates = [
    ...config.rules.map((r) => r.metricsQuery),
    ...config.externalRules.map((r) => r.metricsQuery),
    ...(config.resourceRules
      ? [config.resourceRules.cpu, config.resourceRules.memory].flatMap((r) => [
          r.containerQuery,
          r.nodeQuery,
        ])
      : []),
  ];
  const label = '[a-zA-Z_][a-zA-Z0-9_]*';
  const matcher = `${label}\\s*(?:=|!=|=~|!~)\\s*"(?:[^"\\\\]|\\\\.)*"`;
  const actions: Record<string, string> = {
    '.Series': '[a-zA-Z_:][a-zA-Z0-9_:]*',
    '.LabelMatchers': `(?:${matcher}(?:,${matcher})*)?`,
    '.GroupBy': `(?:${label}(?:,${label})*)?`,
  };
  return [...new Set(templates)].map((template) => {
    const source = template
      .split(/(<<[^>]*>>)/)
      .map((piece) => {
        const action = /^<<-?\s*(.*?)\s*-?>>$/.exec(piece)?.[1];
        if (action === undefined) return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        return actions[action] ?? '[^\\n]*';
      })
      .join('');
    return new RegExp(`^${source}$`);
  });
}
