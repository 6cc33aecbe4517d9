// The plugin against the tool it extends, side by side: the shipped executable (`npm run package`'s
// linux/amd64 one) found on PATH by kubectl, as users run it, and kubectl's own command for the same
// answer. Runs alternate, so both see the same load; medians of wall-clock times.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { COMPLETION_HELPER } from '../../scripts/build.ts';
import { percentiles } from './load.ts';
import type { BenchEnv } from './servers.ts';

export interface PluginBenchOptions {
  /** The compiled kubectl-cmetrics. */
  executable: string;
  /** Where the completion helper is (npm run build's output). */
  dist: string;
  /** Runs of each `top pods -A`, each on a fresh evaluation second. */
  topRuns: number;
  /** Runs of each short command (version, completion, explain). */
  shortRuns: number;
  /** The HPA `explain hpa` explains and `kubectl describe hpa` describes; no such row without one. */
  hpa?: { namespace: string; name: string } | undefined;
  /** How many HPAs `explain hpa -A` lists against `kubectl get hpa -A`; no such row without. */
  manyHpas?: number | undefined;
}

export interface Comparison {
  /** What is measured, as a row of the report. */
  measure: string;
  cmetrics: { command: string; ms: number };
  reference: { command: string; ms: number };
  /** The target: cmetrics at most this many times the reference; none for rows that only explain. */
  goal?: number;
  /** For `top`: whether both listed the same pods in the same order, and the first line that differed. */
  sameOutput?: boolean;
  firstDifference?: string;
  /**
   * Runs where the pods were the same but a value was not (each side reads its own evaluation second:
   * a rate can move a rounding), and the first such line.
   */
  valuesMoved?: { runs: number; first: string };
  loadavg: string;
}

/** The plugin on PATH for kubectl, with its completion helper, and nothing but kubectl beside it. */
export function pluginPath(env: BenchEnv, opts: PluginBenchOptions): Record<string, string> {
  const dir = join(env.workDir, 'bench-plugin');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(opts.executable, join(dir, 'kubectl-cmetrics'));
  copyFileSync(join(opts.dist, COMPLETION_HELPER), join(dir, COMPLETION_HELPER));
  return { PATH: `${dir}:${env.binDir}:/usr/bin:/bin`, KUBECONFIG: env.kubeconfig, HOME: dir };
}

function runner(path: Record<string, string>) {
  return (argv: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(argv[0] as string, argv.slice(1), {
      encoding: 'utf8',
      env: path,
      maxBuffer: 1 << 26,
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
    return { ms, stdout: r.stdout };
  };
}

async function nextSecond(): Promise<void> {
  await sleep(1050 - (Date.now() % 1000));
}

const median = (v: number[]) => percentiles(v).p50;
const shell = (argv: string[]) => argv.map((a) => (a === '' ? "''" : a)).join(' ');

/** Alternating runs of ours and theirs (after one of each to warm caches); their medians. */
async function compare(
  path: Record<string, string>,
  measure: string,
  ours: string[],
  theirs: string[],
  runs: number,
  extra: { goal?: number; fresh?: boolean; sameOutput?: boolean },
): Promise<Comparison> {
  const run = runner(path);
  const loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  run(theirs);
  run(ours);
  const times = { ours: [] as number[], theirs: [] as number[] };
  let firstDifference: string | undefined;
  let valuesMoved: Comparison['valuesMoved'];
  for (let i = 0; i < runs; i++) {
    // A fresh evaluation second each: neither is served the proxy's kept answer of the other.
    if (extra.fresh) await nextSecond();
    const t = run(theirs);
    if (extra.fresh) await nextSecond();
    const o = run(ours);
    times.theirs.push(t.ms);
    times.ours.push(o.ms);
    if (extra.sameOutput && t.stdout !== o.stdout) {
      const a = t.stdout.split('\n');
      const b = o.stdout.split('\n');
      const at = a.findIndex((line, n) => line !== b[n]);
      const line = `line ${at + 1}: kubectl "${a[at]}", cmetrics "${b[at]}"`;
      const pods = (lines: string[]) => lines.map((l) => l.replace(/^(\S+\s+\S+).*$/, '$1')).join('\n');
      if (pods(a) !== pods(b)) firstDifference ??= line;
      else valuesMoved = { runs: (valuesMoved?.runs ?? 0) + 1, first: valuesMoved?.first ?? line };
    }
  }
  return {
    measure,
    cmetrics: { command: shell(ours), ms: median(times.ours) },
    reference: { command: shell(theirs), ms: median(times.theirs) },
    ...(extra.goal ? { goal: extra.goal } : {}),
    ...(extra.sameOutput ? { sameOutput: firstDifference === undefined } : {}),
    ...(firstDifference ? { firstDifference } : {}),
    ...(valuesMoved ? { valuesMoved } : {}),
    loadavg,
  };
}

/** `kubectl cmetrics top pods -A` against `kubectl top pods -A`, on the cluster as it is now. */
export function comparePodsTop(
  path: Record<string, string>,
  pods: string,
  opts: PluginBenchOptions,
): Promise<Comparison> {
  return compare(
    path,
    `\`top pods -A\`, ${pods}`,
    ['kubectl', 'cmetrics', 'top', 'pods', '-A'],
    ['kubectl', 'top', 'pods', '-A'],
    opts.topRuns,
    { goal: 1, fresh: true, sameOutput: true },
  );
}

/** version, completion and explain hpa, with the targets of issue 13, and what explains them. */
export async function compareShortCommands(
  path: Record<string, string>,
  opts: PluginBenchOptions,
): Promise<Comparison[]> {
  const n = opts.shortRuns;
  const client = ['kubectl', 'version', '--client'];
  const rows = [
    await compare(path, '`version`', ['kubectl', 'cmetrics', 'version'], client, n, { goal: 1.2 }),
    // What kubectl's completion runs: kubectl_complete-cmetrics, which runs this.
    await compare(
      path,
      'completion request (namespaces)',
      ['kubectl-cmetrics', '__complete', 'top', 'pods', '-n', ''],
      client,
      n,
      { goal: 1.2 },
    ),
    // Below: where the time goes (no target).
    await compare(path, '`version`, the executable alone', ['kubectl-cmetrics', 'version'], client, n, {}),
    await compare(
      path,
      'completion through kubectl, against its own',
      ['kubectl', '__complete', 'cmetrics', 'top', 'pods', '-n', ''],
      ['kubectl', '__complete', 'top', 'pods', '-n', ''],
      n,
      {},
    ),
  ];
  if (opts.manyHpas) rows.push(await compareHpaList(path, opts.manyHpas, n));
  if (opts.hpa) {
    const { namespace, name } = opts.hpa;
    rows.push(
      await compare(
        path,
        '`explain hpa NAME`',
        ['kubectl', 'cmetrics', 'explain', 'hpa', name, '-n', namespace],
        ['kubectl', 'describe', 'hpa', name, '-n', namespace],
        n,
        { goal: 1.5 },
      ),
    );
  }
  return rows;
}

const HPA_NAMESPACE = 'bench-hpas';

/**
 * `count` Deployments of one pod each, each with an HPA on CPU utilization, in a namespace of their
 * own. The pods are bound to `nodes` in turn (kwok makes them Running): the scheduler would stop at
 * the nodes' pod capacity.
 */
function hpaWorld(count: number, nodes: readonly string[]): string {
  const items: unknown[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: HPA_NAMESPACE } }];
  for (let i = 0; i < count; i++) {
    const name = `hpa-${i}`;
    const labels = { app: name };
    items.push(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: HPA_NAMESPACE },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels, annotations: { 'kwok.x-k8s.io/usage-cpu': '10m' } },
            spec: {
              nodeName: nodes[i % nodes.length],
              tolerations: [{ operator: 'Exists' }],
              containers: [{ name: 'app', image: 'none', resources: { requests: { cpu: '100m' } } }],
            },
          },
        },
      },
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, namespace: HPA_NAMESPACE },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
            },
          ],
        },
      },
    );
  }
  return stringify({ apiVersion: 'v1', kind: 'List', items });
}

/**
 * `explain hpa -A` (every HPA's decision recomputed: its scale, pods and metric read) against `kubectl
 * get hpa -A` (one list), with `count` HPAs in the cluster besides any already there. The HPAs are
 * removed afterwards.
 */
export async function compareHpaList(
  path: Record<string, string>,
  count: number,
  runs: number,
): Promise<Comparison> {
  const kubectl = (args: string[], input?: string) => {
    const r = spawnSync('kubectl', args, { encoding: 'utf8', env: path, input, maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  };
  const nodes = kubectl(['get', 'nodes', '-l', 'type=kwok', '-o', 'name'])
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace(/^node\//, ''));
  kubectl(['apply', '-f', '-'], hpaWorld(count, nodes));
  try {
    // Every pod running: until then the HPAs' pods are still being made.
    kubectl([
      'wait',
      '-n',
      HPA_NAMESPACE,
      '--for=condition=Available',
      'deployment',
      '--all',
      '--timeout=300s',
    ]);
    return await compare(
      path,
      `\`explain hpa -A\`, ${count} HPAs`,
      ['kubectl', 'cmetrics', 'explain', 'hpa', '-A'],
      ['kubectl', 'get', 'hpa', '-A'],
      runs,
      {},
    );
  } finally {
    kubectl(['delete', 'namespace', HPA_NAMESPACE, '--wait=false']);
  }
}
