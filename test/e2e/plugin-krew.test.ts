// The release as krew installs it: the real krew (built from Go modules by build-binaries.sh) installs
// each of the six archives `npm run package` made (in global setup) from the generated manifest, into a
// temporary KREW_ROOT each, as that platform (KREW_OS, KREW_ARCH); the installed plugin then runs
// where this machine can run it: linux/amd64 through kubectl against the harness, linux/arm64 under
// qemu-user, windows/amd64 under Wine. No node on any PATH.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { version } from '../../scripts/build.ts';
import { completionHelperName, executableName, PLATFORMS, type Platform } from '../../scripts/package.ts';
import { canRun, removeWinePrefix, runOn } from './platforms.ts';
import { type Installed, kubectlOnPath, sameAsKubectlTop, shipped } from './plugin.ts';

const temporary: string[] = [];
afterAll(() => {
  removeWinePrefix();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A fresh KREW_ROOT with kubectl-krew on PATH: kubectl finds plugins in its bin dir. */
function krewRoot(): Installed {
  const root = mkdtempSync(join(tmpdir(), 'cmetrics-krew-root-'));
  temporary.push(root);
  const tools = join(root, 'tools');
  mkdirSync(tools);
  symlinkSync(join(inject('binDir'), 'krew'), join(tools, 'kubectl-krew'));
  return {
    dir: join(root, 'bin'),
    env: {
      PATH: [join(root, 'bin'), tools, inject('binDir')].join(':'),
      KREW_ROOT: root,
      KUBECONFIG: inject('kubeconfig'),
      HOME: root,
    },
  };
}

/** `kubectl krew install` of p's archive as p. Proxies on a closed loopback port: any download would fail. */
function krewInstall(krew: Installed, p: Platform) {
  const built = shipped(p);
  return kubectlOnPath(
    krew,
    [
      'krew',
      'install',
      `--manifest=${inject('krewManifest')}`,
      `--archive=${join(inject('release').releaseDir, built.archive)}`,
    ],
    {
      KREW_NO_UPGRADE_CHECK: '1',
      KREW_OS: p.os,
      KREW_ARCH: p.arch,
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
    },
  );
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.each(PLATFORMS.map((p) => [`${p.os}/${p.arch}`, p] as const))('krew installs %s', (_, p) => {
  const krew = krewRoot();
  const root = `${krew.env.KREW_ROOT}`;
  const store = join(root, 'store', 'cmetrics', `v${version()}`);
  const bin = join(root, 'bin', executableName(p));

  it('from the manifest and its archive, whose sha256 krew checks', () => {
    const r = krewInstall(krew, p);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stderr).toContain('Installed plugin: cmetrics');
    expect(existsSync(join(root, 'receipts', 'cmetrics.yaml'))).toBe(true);
  });

  it('with the executable npm run package built, the completion helper and LICENSE', () => {
    expect(readlinkSync(bin)).toBe(join(store, executableName(p)));
    expect(sha256(bin)).toBe(sha256(shipped(p).executable));
    expect(existsSync(join(store, completionHelperName(p)))).toBe(true);
    expect(readFileSync(join(store, 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  if (canRun(p))
    it('that runs here: version names the platform and the bun runtime', () => {
      const r = runOn(p, bin, ['version']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^cmetrics v${version()} \\(commit \\w+, ${p.os}/${p.arch}, bun \\d`),
      );
    });
});

describe('the krew-installed linux/amd64 plugin, run by kubectl', () => {
  const krew = krewRoot();
  it('installs', () => {
    const r = krewInstall(krew, { os: 'linux', arch: 'amd64' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it('is listed by kubectl plugin list', () => {
    const r = kubectlOnPath(krew, ['plugin', 'list']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toContain(join(krew.dir, 'kubectl-cmetrics'));
    expect(r.stderr).toBe('');
  });

  it.each([[['pods']], [['pods', '-A']]])(
    'kubectl cmetrics top %j prints what kubectl top prints',
    async (args) => {
      expect(`${krew.env.PATH}`.split(':').some((dir) => existsSync(join(dir, 'node')))).toBe(false);
      expect(await sameAsKubectlTop(krew, args)).not.toBe('');
    },
  );
});
