import { describe, expect, it } from 'vitest';
import { main } from '../../plugin/main.ts';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    { out: (t) => void out.push(t), err: (t) => void err.push(t), tty: false },
    new AbortController().signal,
  );
  return { code, out: out.join(''), err: err.join('') };
}

describe('kubectl cmetrics', () => {
  it('--help: usage, commands and examples on stdout, exit 0', async () => {
    const { code, out, err } = await run('--help');
    expect([code, err]).toEqual([0, '']);
    expect(out).toMatch(/^kubectl cmetrics <command>\n/);
    expect(out).toContain('kubectl cmetrics top');
    expect(out).toContain('Examples:');
    expect(out).not.toContain('__complete');
  });

  it.each([
    ['top'],
    ['top', 'pods'],
    ['top', 'nodes'],
    ['get'],
    ['get', 'custom'],
    ['get', 'external'],
    ['get', 'resource'],
    ['list'],
    ['explain'],
    ['explain', 'hpa'],
    ['doctor'],
    ['completion'],
  ])('%s -h has examples', async (...words) => {
    const { code, out } = await run(...words, '-h');
    expect(code).toBe(0);
    expect(out).toContain(`kubectl cmetrics ${words.join(' ')}`);
    expect(out).toContain('Examples:');
  });

  it.each<[string, string[], string]>([
    [
      'an unknown command',
      ['topp'],
      'error: unknown command "topp" for "kubectl cmetrics" (did you mean top?); see: kubectl cmetrics --help\n',
    ],
    [
      'an unknown subcommand',
      ['top', 'pdos'],
      'error: unknown command "pdos" for "kubectl cmetrics top" (did you mean pods?); see: kubectl cmetrics top --help\n',
    ],
    ['no subcommand', ['top'], 'error: name a command: pods, nodes; see: kubectl cmetrics top --help\n'],
    [
      'a value outside the choices',
      ['top', 'pods', '--sort-by', 'disk'],
      'error: Invalid values: Argument: sort-by, Given: "disk", Choices: "cpu", "memory"; see: kubectl cmetrics top pods --help\n',
    ],
    [
      'an unknown flag',
      ['top', 'nodes', '--containers'],
      'error: Unknown argument: containers; see: kubectl cmetrics top nodes --help\n',
    ],
    [
      'a missing argument',
      ['get', 'custom', 'pods/*'],
      'error: Not enough non-option arguments: got 1, need at least 2; see: kubectl cmetrics get custom --help\n',
    ],
    [
      'a kubeconfig that is not there',
      ['top', 'pods', '--kubeconfig', '/nonexistent/kubeconfig'],
      "error: cannot load the kubeconfig /nonexistent/kubeconfig: ENOENT: no such file or directory, open '/nonexistent/kubeconfig'; pass --kubeconfig FILE or set KUBECONFIG\n",
    ],
  ])('%s: one line on stderr, exit 1', async (_name, argv, line) => {
    expect(await run(...argv)).toEqual({ code: 1, out: '', err: line });
  });

  it('--no-headers is a flag of its own, not the negation of "headers"', async () => {
    const { err } = await run('top', 'nodes', '--no-headers', '--kubeconfig', '/nonexistent/kubeconfig');
    expect(err).toMatch(/^error: cannot load the kubeconfig/);
  });

  it('completion kubectl: the helper kubectl runs from PATH', async () => {
    const { code, out } = await run('completion', 'kubectl');
    expect(code).toBe(0);
    expect(out).toMatch(/^#!\/bin\/sh\n/);
    expect(out).toContain('exec kubectl-cmetrics __complete "$@"');
  });

  it.each(['bash', 'zsh', 'fish'])('completion %s asks __complete', async (shell) => {
    expect((await run('completion', shell)).out).toContain('kubectl-cmetrics __complete');
  });

  it('__complete takes the words as typed, flags included', async () => {
    expect(await run('__complete', 'top', 'pods', '--sort-by', '')).toEqual({
      code: 0,
      out: 'cpu\nmemory\n:4\n',
      err: '',
    });
  });
});
