// What the end-to-end tests share: kubectl against the harness, raw API reads, bounded waits,
// Prometheus queries (and comparisons with them), a load generator that stops by itself, and calls
// straight to the proxy.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { expect, inject } from 'vitest';
import type { Status } from '../../shared/api-types.ts';
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import { kubectlWith } from '../harness/cluster.ts';
import { promQuery } from '../harness/prometheus.ts';
import { apiServicesManifest, METRICS_APISERVICES } from '../harness/stack.ts';

export function kubectl(args: string[], input?: string): string {
  return kubectlWith(inject('binDir'), inject('kubeconfig'))(args, input);
}

/** kubectl with its stderr, for the table it prints and the requests `-v=6` logs. */
export function kubectlRun(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(join(inject('binDir'), 'kubectl'), [`--kubeconfig=${inject('kubeconfig')}`, ...args], {
    encoding: 'utf8',
  });
}

/** The rows of a `kubectl top` table, cells split on whitespace, header first. */
export function table(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s+/));
}

/** kubectl without blocking the event loop, for scenarios that run side by side; rejects with its stderr. */
export function kubectlAsync(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      join(inject('binDir'), 'kubectl'),
      [`--kubeconfig=${inject('kubeconfig')}`, ...args],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

/** `kubectl get --raw PATH [ARGS]`: the parsed body, or the exit code and stderr when it fails. */
export function getRaw<T>(
  path: string,
  args: string[] = [],
): { ok: true; body: T } | { ok: false; stderr: string } {
  const r = spawnSync(
    join(inject('binDir'), 'kubectl'),
    [`--kubeconfig=${inject('kubeconfig')}`, 'get', '--raw', path, ...args],
    {
      encoding: 'utf8',
    },
  );
  return r.status === 0 ? { ok: true, body: JSON.parse(r.stdout) as T } : { ok: false, stderr: r.stderr };
}

export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ''}`);
}

/** Waits for an APIService's Available condition to be True, and returns it. */
export function apiServiceAvailable(name: string): Promise<{ status: string; reason: string }> {
  return eventually(
    `${name} Available`,
    () => {
      const out = kubectl([
        'get',
        'apiservice',
        name,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Available")]}',
      ]);
      const c = out ? (JSON.parse(out) as { status: string; reason: string }) : undefined;
      return c?.status === 'True' ? c : undefined;
    },
    90_000,
  );
}

/**
 * Points every metrics APIService at the server on `port` (which serves the stack's certificate),
 * and waits until they are Available; `pointApiServicesAt(inject('proxyPort'))` puts them back.
 */
export async function pointApiServicesAt(port: number): Promise<void> {
  kubectl(['apply', '-f', '-'], apiServicesManifest(port, readFileSync(inject('servingCa'))));
  for (const { group, version } of METRICS_APISERVICES) {
    expect((await apiServiceAvailable(`${version}.${group}`)).reason).toBe('Passed');
  }
}

/** An HPA `name` on the sample app's Deployment. */
export function applySampleAppHpa(
  name: string,
  spec: { minReplicas: number; maxReplicas: number; metrics: object[]; behavior?: object },
): void {
  kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'custom-metrics-app' },
        ...spec,
      },
    }),
  );
}

/**
 * Until just past the next whole second: the proxy shares a query's answer among all requests of
 * one settled evaluation second, so a change (a fault set, a server stopped) shows from the next.
 */
export function nextEvaluationSecond(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1020 - (Date.now() % 1000)));
}

export function deploymentReplicas(name: string, namespace = 'default'): number {
  return Number(kubectl(['get', 'deployment', name, '-n', namespace, '-o', 'jsonpath={.spec.replicas}']));
}

export function servedPods(): Record<string, string> {
  const file = inject('podRunnerState');
  if (!existsSync(file)) return {};
  const state = JSON.parse(readFileSync(file, 'utf8')) as { pods: { name: string; ip: string }[] };
  return Object.fromEntries(state.pods.map((p) => [p.name, p.ip]));
}

/** The IPs the pod runner serves for the pods of `namespace` that `selector` matches. */
export function servedPodIps(namespace: string, selector: string): string[] {
  const names = kubectl([
    'get',
    'pods',
    '-n',
    namespace,
    '-l',
    selector,
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ])
    .split(' ')
    .filter(Boolean);
  const served = servedPods();
  return names.filter((n) => served[n]).map((n) => served[n] as string);
}

/**
 * The sample app's pods (name → IP) once Prometheus has scraped each of them: requests sent before a
 * pod's first scrape are already in its first sample, so rate() would never see them.
 */
export function scrapedPods(): Promise<Record<string, string>> {
  return eventually(
    'the sample app pods are served and scraped',
    async () => {
      const pods = servedPods();
      const scraped = new Set(
        (await prometheus('total_req_num{namespace="default"}')).map((r) => r.metric.pod),
      );
      const names = Object.keys(pods);
      return names.length && names.every((name) => scraped.has(name)) ? pods : undefined;
    },
    120_000,
  );
}

export function prometheus(query: string, timeSeconds?: number) {
  return promQuery(inject('prometheusUrl'), query, timeSeconds);
}

/**
 * Each item's value equals what Prometheus (or another store with its HTTP API, at `url`) computes
 * for the same expression at the item's timestamp; `seriesOf` gives the labels that pick the item's
 * series out of the store's answer.
 */
export async function expectSameAsPrometheus<T extends { timestamp: string; value: string }>(
  items: readonly T[],
  expr: string,
  seriesOf: (item: T) => Record<string, string>,
  url = inject('prometheusUrl'),
): Promise<void> {
  expect(items.length).toBeGreaterThan(0);
  for (const item of items) {
    const labels = seriesOf(item);
    const direct = await promQuery(url, expr, Date.parse(item.timestamp) / 1000);
    const sample = direct.find((r) => Object.entries(labels).every(([k, v]) => r.metric[k] === v));
    expect(sample, `Prometheus has ${JSON.stringify(labels)} for ${expr}`).toBeDefined();
    const want = Number((sample as { value: [number, string] }).value[1]);
    // Quantities carry nano precision, rounded up.
    expect(Math.abs(toNumber(parseQuantity(item.value)) - want)).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(want)),
    );
  }
}

export async function hit(ip: string, path: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await request(`http://${ip}:3000${path}`);
    await res.body.text();
  }
}

/** Sends `perSecond` requests a second to `path`, spread over the pods `targets()` returns, until stopped or `maxMs` passes. */
export function startLoad(targets: () => string[], perSecond: number, maxMs: number, path = '/') {
  let stopped = false;
  const deadline = Date.now() + maxMs;
  let sent = 0;
  const done = (async () => {
    while (!stopped && Date.now() < deadline) {
      const ips = targets();
      const started = Date.now();
      await Promise.all(
        Array.from({ length: perSecond }, (_, i) => {
          const ip = ips[i % Math.max(1, ips.length)];
          sent++;
          return ip ? hit(ip, path).catch(() => undefined) : undefined;
        }),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
      return sent;
    },
  };
}

/** The HPA's events as `Reason:message` lines. */
export function hpaEvents(name: string, namespace = 'default'): string {
  return kubectl([
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.name=${name}`,
    '-o',
    'jsonpath={range .items[*]}{.reason}:{.message}{"\\n"}{end}',
  ]);
}

/** HPA behavior with the windows shortened (as in test/fixtures/hpa.yaml), so a test sees both directions. */
export const FAST_BEHAVIOR = {
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 900, periodSeconds: 1 }] },
  scaleDown: { stabilizationWindowSeconds: 5, policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }] },
};

/** An agent that presents `client` and trusts `ca` for `servername`. Close it when done. */
export function tlsAgent(ca: string, servername: string, client?: { cert: string; key: string }): Agent {
  return new Agent({
    connect: {
      ca,
      servername,
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
    },
  });
}

/**
 * A TLS agent for calling the stack's proxy directly (not through the aggregator): it trusts the
 * serving CA and presents `client`'s certificate, if given. Close it when done.
 */
export function proxyAgent(client?: { cert: string; key: string }): Agent {
  return tlsAgent(readFileSync(inject('servingCa'), 'utf8'), 'cmetrics.cmetrics.svc', client);
}

/** A GET (or `method`) to `port`: status, headers and the body, parsed when it is JSON. */
export async function send(
  port: number,
  path: string,
  dispatcher: Agent,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const res = await request(`https://127.0.0.1:${port}${path}`, {
    dispatcher,
    method: (opts.method ?? 'GET') as 'GET',
    headers: opts.headers ?? {},
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const text = await res.body.text();
  let body: unknown = text;
  if (String(res.headers['content-type']).startsWith('application/json')) body = JSON.parse(text);
  return { status: res.statusCode, headers: res.headers, body, text };
}

/** A GET sent straight to the proxy (the stack's, or the one on `port`): the status code and the parsed body. */
export async function direct(
  path: string,
  dispatcher: Agent,
  headers: Record<string, string> = {},
  port = inject('proxyPort'),
) {
  const { status, body } = await send(port, path, dispatcher, { headers });
  return { status, body: body as Status | { kind: string } };
}

/**
 * The proxy's log lines for requests it routed (after authorization) as `user` to `path`. The proxy
 * writes the line just after the answer, so this waits up to 10 s for one to appear ([] if none).
 */
export async function routedRequests(user: string, path: string): Promise<string[]> {
  const lines = () =>
    readFileSync(join(inject('workDir'), 'logs', 'cmetrics-proxy.log'), 'utf8')
      .split('\n')
      .filter(
        (l) =>
          l.includes('"msg":"request"') && l.includes(`"path":"${path}"`) && l.includes(`"user":"${user}"`),
      );
  return eventually(
    'the proxy logged the request',
    () => (lines().length ? lines() : undefined),
    10_000,
  ).catch(() => []);
}
