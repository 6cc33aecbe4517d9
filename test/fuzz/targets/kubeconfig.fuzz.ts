// Kubeconfig files (shared/kubeconfig.ts), as kubectl-cmetrics and the proxy read them: a file that is
// no YAML, or names a file with something else than a string, is refused with a plain Error, anything
// else is read; the current cluster, when there is one, names its server as a string.
import { Kubeconfig } from '../../../shared/kubeconfig.ts';
import { inputFile, invariant, plainError, unlessRefused } from './contract.ts';

/**
 * Jazzer.js' path traversal detector flags every "../" the input puts into a path: a kubeconfig's
 * relative paths are relative to its own directory by design (client-go loader.go
 * ResolveLocalPaths), and whoever writes the file chooses what it reads.
 */
export const DISABLED_BUG_DETECTORS = ['path-traversal'];

export function fuzz(data: Buffer): void {
  const kc = new Kubeconfig();
  const read = unlessRefused(() => {
    kc.addFile(inputFile(data, 'yaml'));
    return true;
  }, plainError);
  if (!read) return;
  invariant(typeof kc.getCurrentContext() === 'string', 'the current context is a string');
  kc.getContexts();
  const cluster = kc.getCurrentCluster();
  if (cluster) invariant(['string', 'undefined'].includes(typeof cluster.server), 'the server is a string');
}
