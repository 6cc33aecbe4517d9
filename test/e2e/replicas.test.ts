// Two cmetrics-proxy replicas behind HAProxy (Debian's), the endpoint every metrics APIService uses
// for this file, while the real HPA controller (a Pods and a Resource metric) and loops of
// `kubectl top pods` and `kubectl get --raw` read through the aggregator: one replica killed with
// SIGKILL and started again, then a rolling restart (SIGTERM one, start it again, then the other).
// No read may fail and no HPA condition may turn to a metric-read failure. docs/deploy.md says how
// to run it so.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Haproxy, startHaproxy } from '../harness/haproxy.ts';
import { servingCert } from '../harness/pki.ts';
import { killProcess, stopProcess } from '../harness/processes.ts';
import { PROXY_NAMESPACE, PROXY_SERVICE } from '../harness/stack.ts';
import { applySampleAppHpa, eventually, kubectl, kubectlAsync, pointApiServicesAt } from './helpers.ts';
import { frontProxyClient, type ProxyInstance, startProxyInstance } from './proxy-instance.ts';

const HPA = 'e2e-replicas';
const QPS =
  '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/qps?labelSelector=app%3Dcustom-metrics-app';

let dir: string;
const replicas: Record<string, ProxyInstance> = {};
let haproxy: Haproxy;

async function startReplica(name: string, port?: number): Promise<ProxyInstance> {
  const instance = await startProxyInstance(`e2e-ha-${name}`, join(dir, name), {
    prometheusUrl: inject('prometheusUrl'),
    // Longer than HAProxy's health check interval: it stops sending before the listener closes.
    args: ['--shutdown-delay-duration=2s'],
    ...(port ? { port } : {}),
  });
  replicas[name] = instance;
  return instance;
}

/** Until HAProxy's checks see `name` as `state`. */
const seen = (name: string, state: string) =>
  eventually(
    `HAProxy sees ${name} ${state}`,
    async () => ((await haproxy.states())[name] === state ? true : undefined),
    30_000,
    200,
  );

/** Runs `read` again and again until stopped: how many, and the failures' messages. */
function loop(read: () => Promise<unknown>) {
  let stopped = false;
  const failures: string[] = [];
  let attempts = 0;
  const done = (async () => {
    while (!stopped) {
      attempts++;
      await read().catch((e: Error) =>
        failures.push(`${new Date().toISOString()} ${e.message.slice(0, 300)}`),
      );
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
      return { attempts, failures };
    },
  };
}

/** The HPA's events about metrics it could not read, seen at or after `ms`. */
function failedReadsSince(ms: number): string[] {
  const events = JSON.parse(
    kubectl([
      'get',
      'events',
      '-n',
      'default',
      '--field-selector',
      `involvedObject.name=${HPA}`,
      '-o',
      'json',
    ]),
  ) as { items: { reason: string; message: string; lastTimestamp?: string; eventTime?: string }[] };
  return events.items
    .filter((e) => /^FailedGet|^FailedComputeMetricsReplicas/.test(e.reason))
    .filter((e) => Date.parse(e.lastTimestamp ?? e.eventTime ?? '') >= ms)
    .map((e) => `${e.lastTimestamp ?? e.eventTime} ${e.reason}: ${e.message}`);
}

interface HpaStatus {
  status: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    currentMetrics?: unknown[];
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-replicas-'));
  const r1 = await startReplica('r1');
  const r2 = await startReplica('r2');
  const haDir = join(dir, 'haproxy');
  mkdirSync(haDir);
  const caCert = inject('servingCa');
  haproxy = await startHaproxy({
    dir: haDir,
    logs: haDir,
    replicas: [r1, r2].map((r, i) => ({
      name: `r${i + 1}`,
      port: r.port,
      ca: r.ca,
      servername: r.servername,
    })),
    serving: servingCert(haDir, { cert: caCert, key: caCert.replace(/\.crt$/, '.key') }, 'haproxy-serving', [
      `${PROXY_SERVICE}.${PROXY_NAMESPACE}.svc`,
    ]),
    frontProxyCa: inject('frontProxyCa').cert,
    allowedName: 'front-proxy-client',
    client: frontProxyClient(haDir),
  });
  await pointApiServicesAt(haproxy.port);
  applySampleAppHpa(HPA, {
    minReplicas: 1,
    maxReplicas: 3,
    metrics: [
      {
        type: 'Pods',
        pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } },
      },
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 90 } },
      },
    ],
  });
  await eventually(
    'the HPA reads both metrics through HAProxy',
    () => {
      const hpa = JSON.parse(kubectl(['get', 'hpa', HPA, '-o', 'json'])) as HpaStatus;
      const active = hpa.status.conditions?.find((c) => c.type === 'ScalingActive');
      return active?.status === 'True' && hpa.status.currentMetrics?.length === 2 ? true : undefined;
    },
    120_000,
    1000,
  );
});

afterAll(async () => {
  kubectl(['delete', 'hpa', HPA, '--ignore-not-found']);
  await pointApiServicesAt(inject('proxyPort'));
  await haproxy?.stop();
  for (const r of Object.values(replicas)) await r.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('two replicas behind HAProxy', () => {
  it('loses no read while one is killed and both are restarted in turn', async () => {
    // Events carry whole seconds.
    const startedMs = Math.floor(Date.now() / 1000) * 1000;
    const top = loop(() => kubectlAsync(['top', 'pods', '-n', 'default']));
    const raw = loop(() => kubectlAsync(['get', '--raw', QPS]));
    const conditions: string[] = [];
    const hpa = loop(async () => {
      const status = (JSON.parse(await kubectlAsync(['get', 'hpa', HPA, '-o', 'json'])) as HpaStatus).status;
      for (const c of status.conditions ?? [])
        if (c.type === 'ScalingActive' && c.status !== 'True') conditions.push(`${c.reason}: ${c.message}`);
      await new Promise((r) => setTimeout(r, 250));
    });
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Each step lasts a few of the controller's 2 s syncs, so that it reads through every state.
    await pause(4000);
    const r1 = replicas.r1 as ProxyInstance;
    await killProcess(r1.proc);
    await seen('r1', 'DOWN');
    await pause(6000);
    await startReplica('r1', r1.port);
    await seen('r1', 'UP');
    for (const name of ['r2', 'r1']) {
      const r = replicas[name] as ProxyInstance;
      await stopProcess(r.proc, 15_000);
      await pause(2000);
      await startReplica(name, r.port);
      await seen(name, 'UP');
      await pause(4000);
    }
    const [tops, raws] = [await top.stop(), await raw.stop()];
    await hpa.stop();
    expect(tops.failures).toEqual([]);
    expect(raws.failures).toEqual([]);
    expect(tops.attempts).toBeGreaterThan(10);
    expect(raws.attempts).toBeGreaterThan(10);
    expect(conditions).toEqual([]);
    expect(failedReadsSince(startedMs)).toEqual([]);
    // Both replicas answered reads between the restarts.
    for (const r of Object.values(replicas)) expect(r.log()).toContain('"msg":"request"');
  });
});
