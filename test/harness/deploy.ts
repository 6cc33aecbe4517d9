// The shipped manifests (deploy/kustomize, deploy/helm) as the harness and the tests use them:
// rendered by the real kubectl kustomize and helm, and the proxy's own ServiceAccount and RBAC taken
// from them, so that the proxy the harness runs has exactly the permissions an install grants.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { type Cluster, writeKubeconfig } from './cluster.ts';
import { waitFor } from './processes.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KUSTOMIZE_BASE = join(root, 'deploy', 'kustomize', 'base');
/** The default overlay: the base with the groups the shipped config serves (resource and custom metrics). */
const KUSTOMIZE_DEFAULT = join(root, 'deploy', 'kustomize', 'overlays', 'default');
export const kustomizeComponent = (name: string) => join(root, 'deploy', 'kustomize', 'components', name);
export const KUSTOMIZE_COMPONENTS = ['cert-manager', 'service-monitor'].map(kustomizeComponent);
export const HELM_CHART = join(root, 'deploy', 'helm', 'cmetrics');

/** Where the shipped manifests put the proxy, and its ServiceAccount. */
export const SHIPPED = { namespace: 'cmetrics', service: 'cmetrics', serviceAccount: 'cmetrics' };
export const PROXY_USER = `system:serviceaccount:${SHIPPED.namespace}:${SHIPPED.serviceAccount}`;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** An object as it was, without what the server sets (resourceVersion, uid, status…): to create it again. */
export function recreatable<T extends { metadata: object; status?: unknown }>(o: T): T {
  const {
    resourceVersion: _r,
    uid: _u,
    creationTimestamp: _c,
    managedFields: _m,
    generation: _g,
    ...metadata
  } = o.metadata as Record<string, unknown>;
  const { status: _s, ...rest } = o;
  return { ...rest, metadata } as unknown as T;
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/**
 * `kubectl kustomize` of `resources` (the default overlay: the base with resource and custom metrics), with the given
 * components (through a throwaway overlay).
 */
export function renderKustomize(
  binDir: string,
  components: readonly string[] = [],
  resources = KUSTOMIZE_DEFAULT,
): K8sObject[] {
  if (!components.length) return parseManifests(kubectlKustomize(binDir, resources));
  const overlay = mkdtempSync(join(tmpdir(), 'cmetrics-overlay-'));
  try {
    // kustomize takes relative paths only.
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [relative(overlay, resources)],
        components: components.map((c) => relative(overlay, c)),
      }),
    );
    return parseManifests(kubectlKustomize(binDir, overlay));
  } finally {
    rmSync(overlay, { recursive: true, force: true });
  }
}

function kubectlKustomize(binDir: string, dir: string): string {
  return execFileSync(join(binDir, 'kubectl'), ['kustomize', dir], { encoding: 'utf8' });
}

/** `helm template` of the chart as release `cmetrics` in namespace `cmetrics`, with more helm arguments. */
export function renderHelm(binDir: string, args: readonly string[] = []): K8sObject[] {
  return parseManifests(
    execFileSync(
      join(binDir, 'helm'),
      ['template', 'cmetrics', HELM_CHART, `--namespace=${SHIPPED.namespace}`, ...args],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
}

const IDENTITY_KINDS = new Set([
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
]);

/** The base's ServiceAccount and RBAC objects: who the proxy is and what it (and its readers) may do. */
export function shippedIdentity(binDir: string): K8sObject[] {
  return renderKustomize(binDir).filter((o) => IDENTITY_KINDS.has(o.kind));
}

/**
 * Applies the shipped ServiceAccount and RBAC and writes a kubeconfig holding a token of that
 * ServiceAccount (a week long: the demo runs for as long as one likes), once RBAC lets it read
 * what the proxy reads at start.
 */
export async function shippedProxyKubeconfig(cluster: Cluster): Promise<string> {
  cluster.kubectl(
    ['apply', '-f', '-'],
    stringify({ apiVersion: 'v1', kind: 'List', items: shippedIdentity(cluster.binDir) }),
  );
  const asProxy = (args: string[]) =>
    cluster.kubectl(['auth', 'can-i', ...args, `--as=${PROXY_USER}`]).trim() === 'yes';
  // can-i exits 1 for "no"; waitFor retries until every answer is yes.
  await waitFor(
    'RBAC of the shipped manifests in force',
    async () =>
      asProxy(['create', 'subjectaccessreviews.authorization.k8s.io']) &&
      asProxy(['get', 'configmap/extension-apiserver-authentication', '-n', 'kube-system']) &&
      asProxy(['watch', 'pods', '--all-namespaces'])
        ? true
        : undefined,
    { timeoutMs: 30_000 },
  );
  return serviceAccountKubeconfig(
    cluster.kubectl,
    join(cluster.workDir, 'cmetrics-proxy-sa.kubeconfig'),
    { server: cluster.apiserverUrl, caFile: cluster.pki.ca.cert },
    SHIPPED,
  );
}

/** A kubeconfig at `path` holding a token (a week long) of the ServiceAccount NAMESPACE/NAME. */
export function serviceAccountKubeconfig(
  kubectl: (args: string[]) => string,
  path: string,
  apiserver: { server: string; caFile: string },
  account: { namespace: string; serviceAccount: string },
): string {
  const token = kubectl([
    'create',
    'token',
    account.serviceAccount,
    '-n',
    account.namespace,
    '--duration=168h',
  ]).trim();
  return writeKubeconfig(path, apiserver.server, apiserver.caFile, { token });
}
