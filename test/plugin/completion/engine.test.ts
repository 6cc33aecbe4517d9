import { describe, expect, it } from 'vitest';
import { complete, type Sources, walk } from '../../../plugin/completion/engine.ts';
import { PLUGIN } from '../../../plugin/spec.ts';

const asked: string[] = [];
const sources: Sources = async (source, w) => {
  asked.push(`${source} ${JSON.stringify(Object.fromEntries(w.flags))} ${JSON.stringify(w.positionals)}`);
  const values: Record<string, string[]> = {
    namespaces: ['default', 'kube-system', 'prod'],
    'pod-metrics': ['qps', 'cpuTemperature'],
    'custom-target-metrics': ['http_requests'],
    pods: ['web-1', 'web-2'],
    hpas: ['web', 'api'],
  };
  return values[source] ?? [];
};

/** The candidates without descriptions, and the directive. */
async function candidates(...words: string[]) {
  const out = (await complete(PLUGIN, words, sources)).trimEnd().split('\n');
  return { values: out.slice(0, -1).map((l) => l.split('\t')[0]), directive: out.at(-1) };
}

describe('complete', () => {
  it.each<[string, string[], string[], string]>([
    [
      'commands, hidden ones left out',
      [''],
      ['top', 'get', 'list', 'explain', 'doctor', 'migrate', 'version', 'completion'],
      ':4',
    ],
    ['a command by prefix', ['t'], ['top'], ':4'],
    [
      'subcommands',
      ['top', ''],
      ['pods', 'nodes', 'deployments', 'statefulsets', 'daemonsets', 'jobs'],
      ':4',
    ],
    ['a subcommand by its short name', ['top', 'sts', '--sort'], ['--sort-by'], ':4'],
    ['after an alias', ['top', 'po', '--sort'], ['--sort-by'], ':4'],
    ['choices of a flag', ['top', 'pods', '-o', ''], ['json', 'yaml', 'wide'], ':4'],
    ['choices in --flag=value form', ['top', 'pods', '--output=w'], ['--output=wide'], ':4'],
    ['flag values from the cluster', ['top', 'pods', '-n', 'p'], ['prod'], ':4'],
    ['custom metrics of pods for --metric', ['top', 'pods', '--metric', ''], ['qps', 'cpuTemperature'], ':4'],
    ['a positional from the cluster', ['top', 'pods', ''], ['web-1', 'web-2'], ':4'],
    ['positional choices', ['get', 'resource', ''], ['pods', 'nodes'], ':4'],
    ['HPA names from the cluster', ['explain', 'hpa', ''], ['web', 'api'], ':4'],
    ['snapshot files', ['explain', 'hpa', '--from-snapshot', ''], [], ':0'],
    ['file names for --kubeconfig', ['top', '--kubeconfig', ''], [], ':0'],
    ['short flags with one dash', ['top', 'nodes', '-o'], ['-o'], ':4'],
    ['nothing after an unknown command', ['nope', ''], [], ':4'],
  ])('%s', async (_name, words, values, directive) => {
    expect(await candidates(...words)).toEqual({ values, directive });
  });

  it('flags of the command and the global ones, not those already given', async () => {
    const { values } = await candidates('top', 'nodes', '--no-headers', '--');
    expect(values).toContain('--kubeconfig');
    expect(values).toContain('--show-capacity');
    expect(values).toContain('--metric');
    expect(values).not.toContain('--no-headers');
    expect(values).not.toContain('--containers');
  });

  it('gives sources the connection flags and positionals typed so far', async () => {
    asked.length = 0;
    await candidates('--context', 'prod', 'get', 'custom', '-n', 'shop', 'services/web', '');
    expect(asked).toEqual([
      'custom-target-metrics {"context":["prod"],"namespace":["shop"]} ["services/web"]',
    ]);
  });

  it('describes commands for the shells that show descriptions', async () => {
    expect(await complete(PLUGIN, ['top', 'n'], sources)).toBe(
      'nodes\tDisplay resource (CPU/memory) usage of nodes, as kubectl top node does, and more\n:4\n',
    );
  });
});

describe('walk', () => {
  it('finds commands through flags and their values', () => {
    const w = walk(PLUGIN, ['-n', 'prod', 'top', 'pods', '--sort-by=cpu', 'web-1', '-A']);
    expect(w.path.map((c) => c.name)).toEqual(['kubectl cmetrics', 'top', 'pods']);
    expect(w.positionals).toEqual(['web-1']);
    expect(Object.fromEntries(w.flags)).toEqual({
      namespace: ['prod'],
      'sort-by': ['cpu'],
      'all-namespaces': ['true'],
    });
  });

  it('notes a word that stands where a command should', () => {
    expect(walk(PLUGIN, ['top', 'pdos']).unknownCommand).toBe('pdos');
  });
});
