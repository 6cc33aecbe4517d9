// The plugin as users run it: the linux/amd64 executable `npm run package` ships (built in global
// setup), found by the real kubectl on PATH as kubectl-cmetrics (with kubectl_complete-cmetrics beside
// it), against the harness's cluster. No node on that PATH.
import { execFile, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, inject } from 'vitest';
import { COMPLETION_HELPER } from '../../scripts/build.ts';
import type { Built, Platform } from '../../scripts/package.ts';
import { eventually } from './helpers.ts';

export interface Installed {
  /** The directory on PATH with kubectl-cmetrics and kubectl_complete-cmetrics. */
  dir: string;
  /** PATH: that directory and the harness's kubectl, nothing else; KUBECONFIG: the harness's. */
  env: NodeJS.ProcessEnv;
}

/** What `npm run package` built for one platform. */
export function shipped(p: Platform): Built {
  const built = inject('release').platforms.find((x) => x.os === p.os && x.arch === p.arch);
  if (!built) throw new Error(`npm run package built nothing for ${p.os}/${p.arch}`);
  return built;
}

export function installPlugin(): Installed {
  const dir = mkdtempSync(join(tmpdir(), 'cmetrics-plugin-path-'));
  const { executable } = shipped({ os: 'linux', arch: 'amd64' });
  symlinkSync(executable, join(dir, 'kubectl-cmetrics'));
  copyFileSync(join(dirname(inject('release').bundle), COMPLETION_HELPER), join(dir, COMPLETION_HELPER));
  chmodSync(join(dir, COMPLETION_HELPER), 0o755);
  const env = { PATH: `${dir}:${inject('binDir')}`, KUBECONFIG: inject('kubeconfig'), HOME: dir };
  expect(env.PATH.split(':').some((d) => existsSync(join(d, 'node')))).toBe(false);
  return { dir, env };
}

/** The real kubectl with that PATH: `kubectl top …`, `kubectl cmetrics …`, `kubectl plugin list`. */
export function kubectlOnPath(
  plugin: Installed,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  return spawnSync(join(inject('binDir'), 'kubectl'), args, {
    encoding: 'utf8',
    env: { ...plugin.env, ...env },
    timeout: 60_000,
  });
}

export function cmetrics(plugin: Installed, args: string[], env: NodeJS.ProcessEnv = {}) {
  return kubectlOnPath(plugin, ['cmetrics', ...args], env);
}

/** `kubectl cmetrics ARGS` without blocking the event loop: its exit code and output. */
export function cmetricsAsync(
  plugin: Installed,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(inject('binDir'), 'kubectl'),
      ['cmetrics', ...args],
      { encoding: 'utf8', env: plugin.env, timeout: 60_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/**
 * `kubectl cmetrics ARGS` with --watch, until its output holds `frames` tables (each starting with a
 * line that starts with `header`), then Ctrl-C: the output and the exit code. kubectl execs the plugin
 * in its own process, so the signal reaches the plugin.
 */
export async function watchFrames(
  plugin: Installed,
  args: string[],
  header: string,
  frames: number,
): Promise<{ out: string; status: number | null }> {
  const child = spawn(join(inject('binDir'), 'kubectl'), ['cmetrics', ...args], { env: plugin.env });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const count = () => out.split('\n').filter((l) => l.startsWith(header)).length;
  try {
    await eventually(
      `${frames} frames of ${args.join(' ')}`,
      () => (count() >= frames ? true : undefined),
      30_000,
      100,
    );
  } finally {
    child.kill('SIGINT');
  }
  return { out, status: await exit };
}

/**
 * `kubectl top ARGS` and `kubectl cmetrics top ARGS`, until both succeed with the same stdout (a pod of
 * the sample app may come or go between the two, or a value move at a rounding edge): that stdout.
 */
export function sameAsKubectlTop(plugin: Installed, args: string[]): Promise<string> {
  return eventually(
    `kubectl cmetrics top ${args.join(' ')} equals kubectl top ${args.join(' ')}`,
    () => {
      const real = kubectlOnPath(plugin, ['top', ...args]);
      const ours = cmetrics(plugin, ['top', ...args]);
      if (real.status !== 0 || ours.status !== 0 || real.stdout !== ours.stdout) {
        throw new Error(`kubectl: ${real.stdout}${real.stderr}\ncmetrics: ${ours.stdout}${ours.stderr}`);
      }
      expect(ours.stderr).toBe(real.stderr);
      return ours.stdout;
    },
    30_000,
    1000,
  );
}
