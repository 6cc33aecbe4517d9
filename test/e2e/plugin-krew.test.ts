// The release as krew installs it: `npm run package` into a temporary dist, then the real krew (built
// from Go modules by build-binaries.sh) installs krew-manifest.yaml with the local archive into a
// temporary KREW_ROOT, and kubectl runs the installed plugin against the harness. No node on PATH:
// the linux/amd64 archive holds the single executable.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packagePlugin, type Release, version } from '../../scripts/package.ts';
import { type Installed, kubectlOnPath, sameAsKubectlTop } from './plugin.ts';

/** Temporary directories, removed after the tests: dist alone is ~300 MB. */
const temporary: string[] = [];
let release: Release;
let manifest: string;
let krewRoot: string;
/** PATH: krew's bin dir, kubectl-krew, the harness's binaries; no node. */
let krew: Installed;

/** `kubectl krew ARGS`. Proxies on a closed loopback port: any HTTP(S) request krew tried would fail there. */
function kubectlKrew(args: string[], env: NodeJS.ProcessEnv = {}) {
  return kubectlOnPath(krew, ['krew', ...args], {
    KREW_NO_UPGRADE_CHECK: '1',
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    ...env,
  });
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  const dist = tempDir('cmetrics-package-');
  manifest = join(dist, 'krew-manifest.yaml');
  const t0 = Date.now();
  release = await packagePlugin(dist, manifest);
  console.log(`[plugin-krew] npm run package in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  krewRoot = tempDir('cmetrics-krew-root-');
  const tools = join(krewRoot, 'tools');
  mkdirSync(tools);
  symlinkSync(join(inject('binDir'), 'krew'), join(tools, 'kubectl-krew'));
  krew = {
    dir: join(krewRoot, 'bin'),
    env: {
      PATH: [join(krewRoot, 'bin'), tools, inject('binDir')].join(':'),
      KREW_ROOT: krewRoot,
      KUBECONFIG: inject('kubeconfig'),
      HOME: krewRoot,
    },
  };
}, 240_000);

/** The archive the manifest names for that platform. */
function archiveFor(os: string, arch: string): string {
  const p = release.platforms.find((x) => x.os === os && x.arch === arch);
  expect(p).toBeDefined();
  return join(release.releaseDir, (p as { archive: string }).archive);
}

describe('the single executable', () => {
  it('runs with an empty environment', () => {
    const r = spawnSync('env', ['-i', release.binary, '--help'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^kubectl cmetrics <command>\n/);
    expect(r.stderr).toBe('');
  });
});

describe('krew installs the linux/amd64 archive', () => {
  beforeAll(() => {
    const r = kubectlKrew(['install', `--manifest=${manifest}`, `--archive=${archiveFor('linux', 'amd64')}`]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stderr).toContain('Installed plugin: cmetrics');
  });

  it('links kubectl-cmetrics into its bin dir and keeps a receipt', () => {
    const store = join(krewRoot, 'store', 'cmetrics', `v${version()}`);
    expect(readlinkSync(join(krewRoot, 'bin', 'kubectl-cmetrics'))).toBe(join(store, 'kubectl-cmetrics'));
    expect(existsSync(join(store, 'kubectl_complete-cmetrics'))).toBe(true);
    expect(existsSync(join(krewRoot, 'receipts', 'cmetrics.yaml'))).toBe(true);
  });

  it('kubectl plugin list shows it', () => {
    const r = kubectlOnPath(krew, ['plugin', 'list']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toContain(join(krewRoot, 'bin', 'kubectl-cmetrics'));
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

// Other platforms get the JS bundle; KREW_OS/KREW_ARCH make krew pick darwin/arm64's entry here.
describe('krew installs the portable archive for darwin/arm64', () => {
  it('whose kubectl-cmetrics runs with node on PATH', () => {
    const root = tempDir('cmetrics-krew-darwin-');
    const r = kubectlKrew(
      ['install', `--manifest=${manifest}`, `--archive=${archiveFor('darwin', 'arm64')}`],
      {
        KREW_ROOT: root,
        KREW_OS: 'darwin',
        KREW_ARCH: 'arm64',
      },
    );
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const bin = join(root, 'bin', 'kubectl-cmetrics');
    expect(readFileSync(bin, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const help = spawnSync(bin, ['--help'], {
      encoding: 'utf8',
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
    });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^kubectl cmetrics <command>\n/);
  });
});
