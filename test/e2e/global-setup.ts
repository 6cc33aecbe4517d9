// One stack for the whole end-to-end suite: built binaries, control plane, Prometheus, sample app
// pods and cmetrics-proxy registered as APIServices; and the release `npm run package` makes, whose
// executables the plugin tests run.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { build, PLUGIN_BUNDLE } from '../../scripts/build.ts';
import { CACHE, packagePlugin, type Release } from '../../scripts/package.ts';
import { startHarnessControl } from '../harness/control.ts';
import { runningProcesses } from '../harness/processes.ts';
import { startStack } from '../harness/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    binDir: string;
    prometheusUrl: string;
    workDir: string;
    podRunnerState: string;
    adapterConfig: string;
    proxyPort: number;
    servingCa: string;
    /** The cluster CA (client-ca-file): tests sign x509 users with it. */
    clusterCa: { cert: string; key: string };
    /** The front-proxy CA (requestheader-client-ca-file): tests sign would-be aggregators with it. */
    frontProxyCa: { cert: string; key: string };
    harnessGroups: number[];
    startMs: number;
    /** test/harness/control.ts: restarts kube-apiserver on request. */
    harnessControl: string;
    /** `npm run package` into a temporary dist: executables, archives. */
    release: Release;
    /** The krew manifest it generated for those archives. */
    krewManifest: string;
  }
}

const root = join(import.meta.dirname, '..', '..');

/**
 * `npm run package` into ~/.cache/cmetrics/release/KEY, reused while the bundle (which names its
 * commit), the packaging code and the lock file (Bun's version) are the same; only the newest are kept
 * (a release is about 1 GB).
 */
async function cachedRelease(): Promise<{ release: Release; manifest: string }> {
  const probe = mkdtempSync(join(tmpdir(), 'cmetrics-bundle-'));
  await build(probe);
  const hash = createHash('sha256').update(readFileSync(join(probe, PLUGIN_BUNDLE)));
  rmSync(probe, { recursive: true, force: true });
  for (const file of ['scripts/package.ts', 'scripts/build.ts', 'package-lock.json', 'LICENSE']) {
    hash.update(readFileSync(join(root, file)));
  }
  const releases = join(CACHE, 'release');
  const dir = join(releases, hash.digest('hex').slice(0, 16));
  const manifest = join(dir, 'krew-manifest.yaml');
  const done = join(dir, 'release.json');
  if (existsSync(done)) {
    // Touched, so that pruning beside it sees it in use.
    utimesSync(dir, new Date(), new Date());
    return { release: JSON.parse(readFileSync(done, 'utf8')) as Release, manifest };
  }
  // Other builds' releases may be in use by a run beside this one (another worktree, another
  // commit): those touched in the last hour stay, and the two newest besides; the rest go (a day of
  // commits would otherwise fill the disk).
  if (existsSync(releases)) {
    const others = readdirSync(releases)
      .map((name) => ({ path: join(releases, name), touched: statSync(join(releases, name)).mtimeMs }))
      .sort((a, b) => b.touched - a.touched);
    for (const [i, other] of others.entries())
      if (i >= 2 && Date.now() - other.touched > 3_600_000)
        rmSync(other.path, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  const release = await packagePlugin(dir, manifest);
  writeFileSync(done, JSON.stringify(release));
  return { release, manifest };
}

export default async function setup(project: TestProject) {
  const t0 = Date.now();
  // Before the stack, so that the two cores are not shared with the cluster's start.
  const { release, manifest } = await cachedRelease();
  project.provide('release', release);
  project.provide('krewManifest', manifest);
  console.log(
    `[e2e] npm run package (or its cache) in ${((Date.now() - t0) / 1000).toFixed(1)} s (${release.releaseDir})`,
  );
  const stack = await startStack();
  console.log(
    `[e2e] stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s (work dir ${stack.cluster.workDir})`,
  );
  project.provide('kubeconfig', stack.cluster.kubeconfig);
  project.provide('binDir', stack.cluster.binDir);
  project.provide('prometheusUrl', stack.prometheus.url);
  project.provide('workDir', stack.cluster.workDir);
  project.provide('podRunnerState', stack.podRunnerState);
  project.provide('adapterConfig', stack.adapterConfig);
  project.provide('proxyPort', stack.proxyPort);
  project.provide('servingCa', stack.cluster.pki.servingCa.cert);
  project.provide('clusterCa', stack.cluster.pki.ca);
  project.provide('frontProxyCa', stack.cluster.pki.frontProxyCa);
  project.provide(
    'harnessGroups',
    runningProcesses().map((p) => p.pid),
  );
  project.provide('startMs', t0);
  const control = await startHarnessControl(stack);
  project.provide('harnessControl', control.url);
  return async () => {
    await control.close();
    await stack.stop();
  };
}
