import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clientVersion, renderVersion } from '../../../plugin/commands/version.ts';

const V = { gitVersion: 'v1.2.3', gitCommit: 'abc1234', platform: 'darwin/arm64', runtime: 'bun 1.4.4' };

describe('version', () => {
  it('prints one line, as kubectl-style plugins do', async () => {
    expect(await renderVersion(V, undefined)).toBe(
      'cmetrics v1.2.3 (commit abc1234, darwin/arm64, bun 1.4.4)\n',
    );
  });

  it.each(['json', 'yaml'] as const)('-o %s nests it under clientVersion', async (format) => {
    const text = await renderVersion(V, format);
    expect(format === 'json' ? JSON.parse(text) : parse(text)).toEqual({ clientVersion: V });
  });

  it("names this platform in Go's words, and the runtime; from sources it has no build version", () => {
    const v = clientVersion();
    const os = process.platform === 'win32' ? 'windows' : process.platform;
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    expect(v.platform).toBe(`${os}/${arch}`);
    expect(v.runtime).toBe(`node ${process.versions.node}`);
    expect(v).toMatchObject({ gitVersion: 'v0.0.0-dev', gitCommit: 'unknown' });
  });
});
