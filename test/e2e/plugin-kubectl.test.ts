// kubectl-cmetrics as kubectl sees it: found on PATH, run as `kubectl cmetrics`, listed by
// `kubectl plugin list`, and completed through kubectl_complete-cmetrics (kubectl ≥ 1.26).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMPLETION_HELPER } from '../../scripts/build.ts';
import type { APIResourceList } from '../../shared/api-types.ts';
import { getRaw } from './helpers.ts';
import { cmetrics, type Installed, installPlugin, kubectlOnPath } from './plugin.ts';

/** The completions kubectl prints for `kubectl cmetrics WORDS…`, descriptions dropped. */
function completions(plugin: Installed, words: string[]): string[] {
  const r = kubectlOnPath(plugin, ['__complete', 'cmetrics', ...words]);
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines.at(-1)).toBe(':4');
  return lines.slice(0, -1).map((l) => l.split('\t')[0] as string);
}

describe('kubectl runs kubectl-cmetrics from PATH', () => {
  let plugin: Installed;
  beforeAll(async () => {
    plugin = await installPlugin();
  });

  it('kubectl plugin list shows it, with no warning', () => {
    const r = kubectlOnPath(plugin, ['plugin', 'list']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `The following compatible plugins are available:\n\n${join(plugin.dir, 'kubectl-cmetrics')}\n`,
    );
    expect(r.stderr).toBe('');
  });

  it('kubectl cmetrics --help is the plugin', () => {
    const r = cmetrics(plugin, ['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^kubectl cmetrics <command>\n/);
  });

  it('kubectl completes commands and flag values through kubectl_complete-cmetrics', () => {
    expect(completions(plugin, [''])).toEqual([
      'top',
      'get',
      'list',
      'explain',
      'doctor',
      'migrate',
      'version',
      'completion',
    ]);
    expect(completions(plugin, ['top', 'no'])).toEqual(['nodes']);
    expect(completions(plugin, ['top', 'pods', '--sort-by', ''])).toEqual(['cpu', 'memory']);
  });

  it('completes from the cluster: namespaces, and the custom metrics discovery lists for pods', () => {
    expect(completions(plugin, ['top', 'pods', '-n', 'kube-'])).toEqual([
      'kube-node-lease',
      'kube-public',
      'kube-system',
    ]);
    const discovery = getRaw<APIResourceList>('/apis/custom.metrics.k8s.io/v1beta2');
    expect(discovery.ok).toBe(true);
    const podMetrics = (discovery as { body: APIResourceList }).body.resources
      .filter((r) => r.name.startsWith('pods/'))
      .map((r) => r.name.slice('pods/'.length))
      .sort();
    expect(completions(plugin, ['top', 'pods', '--metric', ''])).toEqual(podMetrics);
  });

  it('completion kubectl prints the helper that the build ships', () => {
    const r = cmetrics(plugin, ['completion', 'kubectl']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(plugin.dir, COMPLETION_HELPER), 'utf8'));
  });
});
