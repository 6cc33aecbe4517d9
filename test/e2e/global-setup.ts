// One stack for the whole end-to-end suite: built binaries, control plane, Prometheus, sample app
// pods and cmetrics-proxy registered as APIServices; and the release `npm run package` makes, whose
// executables the plugin tests run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packagePlugin, type Release } from '../../scripts/package.ts';
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

export default async function setup(project: TestProject) {
  const t0 = Date.now();
  // Before the stack, so that the two cores are not shared with the cluster's start.
  const dist = mkdtempSync(join(tmpdir(), 'cmetrics-package-'));
  const krewManifest = join(dist, 'krew-manifest.yaml');
  project.provide('release', await packagePlugin(dist, krewManifest));
  project.provide('krewManifest', krewManifest);
  console.log(`[e2e] npm run package in ${((Date.now() - t0) / 1000).toFixed(1)} s (${dist})`);
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
    rmSync(dist, { recursive: true, force: true });
  };
}
