// What `kubectl cmetrics` says when it cannot do its job: one line on stderr naming what is wrong and
// what to do, and exit code 1. The last tests take the external metrics APIService away and back.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../harness/processes.ts';
import { apiServiceAvailable, eventually, kubectl } from './helpers.ts';
import { cmetrics, type Installed, installPlugin } from './plugin.ts';

const EXTERNAL_APISERVICE = 'v1beta1.external.metrics.k8s.io';

let plugin: Installed;
beforeAll(async () => {
  plugin = await installPlugin();
});

/** Runs `kubectl cmetrics ARGS`, expects exit 1 and one line on stderr, and returns that line. */
function failure(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = cmetrics(plugin, args, env);
  expect(r.status, r.stdout).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
  return r.stderr.trimEnd();
}

describe('errors', () => {
  it('forbidden: the user, the verb and resource, and the check to run', () => {
    // The scheduler's credentials: allowed discovery, not metrics.k8s.io.
    const scheduler = join(inject('workDir'), 'kube-scheduler.kubeconfig');
    expect(failure(['top', 'pods'], { KUBECONFIG: scheduler })).toBe(
      'error: forbidden: user "system:kube-scheduler" may not list pods.metrics.k8s.io in namespace default; ask a cluster administrator for a role that allows it (check: kubectl auth can-i list pods.metrics.k8s.io -n default)',
    );
  });

  it('an unknown metric: the closest names discovery lists', () => {
    expect(failure(['get', 'custom', 'pods/*', 'qpz'])).toBe(
      'error: no metric "qpz" is served for pods by custom.metrics.k8s.io (closest: qps); see what is served: kubectl cmetrics list',
    );
    expect(failure(['top', 'pods', '--metric', 'cpuTemprature'])).toContain('(closest: cpuTemperature)');
  });

  it("a pod without metrics: the server's NotFound message", () => {
    expect(failure(['top', 'pods', 'nope'])).toBe(
      'error: podmetrics.metrics.k8s.io "default/nope" not found; pods that have metrics: kubectl cmetrics top pods -n default',
    );
  });

  it('a usage error: which argument, and where the help is', () => {
    expect(failure(['top', 'pods', '--sort-by', 'disk'])).toBe(
      "error: invalid --sort-by \"disk\": sort by 'cpu', 'memory', or add the metric to sort by with --metric NAME",
    );
    expect(failure(['top', 'pdos'])).toBe(
      'error: unknown command "pdos" for "kubectl cmetrics top" (did you mean pods?); see: kubectl cmetrics top --help',
    );
  });

  it('an API server that is not there: the address, and what to check', async () => {
    const port = await freePort();
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'cmetrics-plugin-kc-')), 'config');
    writeFileSync(
      kubeconfig,
      readFileSync(inject('kubeconfig'), 'utf8').replace(/server: .*/, `server: https://127.0.0.1:${port}`),
    );
    expect(failure(['top', 'nodes', '--kubeconfig', kubeconfig])).toMatch(
      new RegExp(
        `^error: cannot reach the Kubernetes API at https://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*; check the cluster address in the kubeconfig`,
      ),
    );
  });
});

describe('errors about the APIService', () => {
  let saved = '';

  function restore() {
    const apiService = JSON.parse(saved) as { metadata: Record<string, unknown>; status?: unknown };
    const { name } = apiService.metadata;
    kubectl(['apply', '-f', '-'], JSON.stringify({ ...apiService, metadata: { name }, status: undefined }));
  }

  beforeAll(() => {
    saved = kubectl(['get', 'apiservice', EXTERNAL_APISERVICE, '-o', 'json']);
  });

  afterAll(async () => {
    restore();
    await apiServiceAvailable(EXTERNAL_APISERVICE);
  });

  it('unavailable: its condition, and what to fix', async () => {
    kubectl([
      'patch',
      'apiservice',
      EXTERNAL_APISERVICE,
      '--type=merge',
      '-p',
      '{"spec":{"service":{"name":"nope"}}}',
    ]);
    const line = await eventually('the condition is reported', () => {
      const r = cmetrics(plugin, ['get', 'external', 'external_requests_per_second']);
      return r.stderr.includes('ServiceNotFound') ? r : undefined;
    });
    expect(line.status).toBe(1);
    expect(line.stderr).toBe(
      `error: APIService ${EXTERNAL_APISERVICE} is not available (ServiceNotFound: service/nope in "cmetrics" is not present); fix service cmetrics/nope, then check: kubectl get apiservice ${EXTERNAL_APISERVICE}\n`,
    );
  });

  it('not served at all: no APIService, and how to look', async () => {
    kubectl(['delete', 'apiservice', EXTERNAL_APISERVICE]);
    const r = await eventually('the group is gone', () => {
      const run = cmetrics(plugin, ['get', 'external', 'external_requests_per_second']);
      return run.stderr.includes('not served') ? run : undefined;
    });
    expect([r.status, r.stderr]).toEqual([
      1,
      'error: external.metrics.k8s.io is not served by this cluster: no APIService registers it; install cmetrics-proxy or an adapter, then check: kubectl get apiservices | grep external.metrics.k8s.io\n',
    ]);
    // list still lists the custom metrics, with a warning about the missing group.
    const list = cmetrics(plugin, ['list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('custom');
    expect(list.stderr).toMatch(/^warning: external\.metrics\.k8s\.io is not served/);
  });
});
