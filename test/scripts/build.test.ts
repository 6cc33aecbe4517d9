// npm run build: the plugin's bin turns away a Node older than package.json's engines with one line,
// before it loads the bundle (whose syntax such a Node may not parse), and runs it otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, requiredNode, version } from '../../scripts/build.ts';

const dist = mkdtempSync(join(tmpdir(), 'cmetrics-build-'));
const bin = join(dist, 'kubectl-cmetrics.js');
beforeAll(() => build(dist), 60_000);
afterAll(() => rmSync(dist, { recursive: true, force: true }));

/** Node 24 made to report `reported` as its version before the bin runs. */
function runAs(reported: string, args: string[]) {
  const pretend = `Object.defineProperty(process,'versions',{value:{...process.versions,node:'${reported}'}});Object.defineProperty(process,'version',{value:'v${reported}'});`;
  return spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(pretend)}`, bin, ...args],
    {
      encoding: 'utf8',
    },
  );
}

const ONE_LINE = /^error: kubectl-cmetrics needs Node\.js 24 or later, and \S+ is v[\d.]+; [^\n]*\n$/;

describe('the npm bin', () => {
  it('needs the major of engines.node', () => expect(requiredNode()).toBe(24));

  it.each(['20.20.2', '23.11.0'])('under a Node reporting %s prints one line and exits 1', (v) => {
    const r = runAs(v, ['version']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toContain(`is v${v};`);
  });

  it('under Node 24 runs the bundle, which knows its version and commit', () => {
    const r = runAs(process.versions.node, ['version']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^cmetrics v${version().replaceAll('.', '\\.')} \\(commit ([0-9a-f]{12}|unknown), linux/amd64, node 24\\.[\\d.]+\\)\\n$`,
      ),
    );
  });

  // The system's node, where it is older (Debian's is 20): a real old Node, parsing the real file.
  const system = '/usr/bin/node';
  const old =
    existsSync(system) &&
    Number(spawnSync(system, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) <
      24;
  if (old)
    it('under the system node, older than 24, prints one line and exits 1', () => {
      const r = spawnSync(system, [bin, 'top', 'pods'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(ONE_LINE);
      expect(r.stderr).toContain(`${system} is v`);
    });
});
