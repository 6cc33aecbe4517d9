// The executables of the other five platforms, as `npm run package` shipped them (global setup):
// linux/arm64 runs a smoke set under qemu-user against the harness cluster and offline; windows/amd64
// the same under Wine; darwin's are checked from their bytes (Mach-O target, load commands, ad hoc
// signature whose page hashes match, Bun's payload untouched by signing); windows/arm64's PE headers.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { version } from '../../scripts/build.ts';
import {
  compile,
  completionHelperName,
  executableName,
  type Platform,
  rcodesign,
  signAdHoc,
} from '../../scripts/package.ts';
import { deploymentReplicas, eventually, kubectl } from './helpers.ts';
import { canRun, removeWinePrefix, runOn } from './platforms.ts';
import { shipped } from './plugin.ts';

const AMD64: Platform = { os: 'linux', arch: 'amd64' };
const APP = 'custom-metrics-app';
const HPA = 'cmetrics-platforms';
/** Bun's trailer at the end of the payload it embeds (src/StandaloneModuleGraph.zig, `trailer`). */
const BUN_TRAILER = '\n---- Bun! ----\n';
/** The commit this build names (`version -o json` of the linux/amd64 executable), and the plugin's describe. */
const buildCommit = () =>
  (
    JSON.parse(runOn(AMD64, shipped(AMD64).executable, ['version', '-o', 'json']).stdout) as {
      clientVersion: { gitCommit: string };
    }
  ).clientVersion.gitCommit;
const DESCRIPTION = 'Kubernetes metrics APIs, read the way kubectl reads them';

const work = mkdtempSync(join(tmpdir(), 'cmetrics-platforms-'));
/** The snapshot the linux/amd64 executable saved, and what it printed while saving it. */
const snapshot = join(work, 'hpa.json');
let live = '';

beforeAll(() => {
  // An HPA that keeps the app where it is (min = max = its replicas), so the smoke set has one to explain.
  const replicas = deploymentReplicas(APP);
  kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: HPA, namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: APP },
        minReplicas: replicas,
        maxReplicas: replicas,
        metrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } },
          },
        ],
      },
    }),
  );
  const r = runOn(
    AMD64,
    shipped(AMD64).executable,
    ['explain', 'hpa', HPA, '--save-snapshot', snapshot],
    clusterEnv(),
  );
  expect(r.status, r.stderr).toBe(0);
  live = r.stdout;
  expect(live).toContain(`HorizontalPodAutoscaler default/${HPA}`);
}, 120_000);

afterAll(() => {
  removeWinePrefix();
  kubectl(['delete', 'hpa', HPA, '-n', 'default', '--ignore-not-found']);
  rmSync(work, { recursive: true, force: true });
});

/** The harness's kubeconfig, and no PATH (so no node). */
const clusterEnv = () => ({ KUBECONFIG: inject('kubeconfig'), HOME: work });

/** `kubectl top pods ARGS` and the executable's `top pods ARGS`, until they agree (pods and values move). */
function sameAsKubectlTop(p: Platform, args: string[]): Promise<string> {
  return eventually(
    `${p.os}/${p.arch} top pods ${args.join(' ')}`,
    () => {
      const real = kubectl(['top', 'pods', ...args]);
      const ours = runOn(p, shipped(p).executable, ['top', 'pods', ...args], clusterEnv());
      if (ours.status !== 0 || ours.stdout !== real)
        throw new Error(`kubectl: ${real}\nours: ${ours.stdout}${ours.stderr}`);
      return ours.stdout;
    },
    60_000,
    1000,
  );
}

describe.each([
  ['linux/arm64 under qemu-user', { os: 'linux', arch: 'arm64' } as Platform],
  ['windows/amd64 under Wine', { os: 'windows', arch: 'amd64' } as Platform],
])('%s', (_, p) => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runOn(p, shipped(p).executable, args, env);

  it('can run here (setup.sh installs the emulator)', () => expect(canRun(p)).toBe(true));

  it('version names its platform and runtime, and -o json is parseable', () => {
    const r = run(['version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^cmetrics v${version()} \\(commit \\w+, ${p.os}/${p.arch}, bun \\d[\\d.]*\\)\\n$`),
    );
    const json = run(['version', '-o', 'json']);
    expect(JSON.parse(json.stdout).clientVersion.platform).toBe(`${p.os}/${p.arch}`);
  });

  it('--help prints what the linux/amd64 executable prints', () => {
    const r = run(['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(runOn(AMD64, shipped(AMD64).executable, ['--help']).stdout);
  });

  it('explain hpa --from-snapshot prints the same bytes as the live run, without a cluster', () => {
    const file = p.os === 'windows' ? `Z:${snapshot.replaceAll('/', '\\')}` : snapshot;
    const r = run(['explain', 'hpa', '--from-snapshot', file, '--kubeconfig', '/nonexistent']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(live);
  });

  if (p.os === 'windows')
    it('kubectl_complete-cmetrics.cmd completes through the kubectl-cmetrics.exe on PATH, in cmd', () => {
      const dir = mkdtempSync(join(work, 'path-'));
      copyFileSync(shipped(p).executable, join(dir, executableName(p)));
      const helper = completionHelperName(p);
      copyFileSync(join(dirname(inject('release').bundle), helper), join(dir, helper));
      const windowsDir = `Z:${dir.replaceAll('/', '\\')}`;
      const r = runOn(p, 'cmd', ['/c', `${windowsDir}\\${helper}`, 'top', ''], { WINEPATH: windowsDir });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split('\n').map((l) => l.split('\t')[0])).toEqual([
        'pods',
        'nodes',
        'deployments',
        'statefulsets',
        'daemonsets',
        'jobs',
        ':4',
        '',
      ]);
    });

  it('a bad snapshot gets one error line and exit 1', () => {
    const bad = join(work, `bad-${p.os}.json`);
    writeFileSync(bad, '{"not": "a snapshot"');
    const r = run(['explain', 'hpa', '--from-snapshot', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
  });

  describe('against the harness cluster', () => {
    it('top pods prints what kubectl top pods prints', async () => {
      expect(await sameAsKubectlTop(p, ['-n', 'default'])).toContain('NAME');
    });

    it('get custom prints the pods of the app', () => {
      const r = run(
        ['get', 'custom', 'pods/*', 'cpuTemperature', '-l', `app=${APP}`, '-n', 'default'],
        clusterEnv(),
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^NAMESPACE\s+OBJECT\s+METRIC\s+VALUE\s/);
      expect(r.stdout).toMatch(new RegExp(`^default\\s+pod/${APP}-\\S+\\s+cpuTemperature\\s+\\d`, 'm'));
    });

    it('explain hpa explains the HPA, as the linux/amd64 executable does', () => {
      const r = run(['explain', 'hpa', HPA, '-n', 'default', '-o', 'json'], clusterEnv());
      expect(r.status, r.stderr).toBe(0);
      const ours = JSON.parse(r.stdout) as { kind: string; decision: { desiredReplicas: number } };
      expect(ours.kind).toBe('HPAExplanation');
      expect(ours.decision.desiredReplicas).toBe(deploymentReplicas(APP));
    });
  });
});

/** Bun's payload in a Mach-O: the __BUN,__bun section's bytes (rcodesign's segment listing). */
function machoPayload(file: string): Buffer {
  const segments = execFileSync(rcodesign(), ['extract', 'macho-segments', file], { encoding: 'utf8' });
  const m = /section #\d+: __bun; offsets=0x[0-9a-f]+-0x[0-9a-f]+ \((\d+)-(\d+)\)/.exec(segments);
  expect(m, segments).not.toBeNull();
  return readFileSync(file).subarray(Number(m?.[1]), Number(m?.[2]));
}

/** The CodeDirectory's code limit, page size and page hashes, as rcodesign parses them. */
function codeDirectory(file: string) {
  const text = execFileSync(rcodesign(), ['extract', 'code-directory', file], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return {
    text,
    codeLimit: Number(/code_limit: (\d+)/.exec(text)?.[1]),
    pageSize: Number(/page_size: (\d+)/.exec(text)?.[1]),
    digests: [...text.matchAll(/^\s+([0-9a-f]{64}),$/gm)].map((m) => m[1]),
  };
}

/** sha256 of each page below the code limit: what macOS checks each page it loads against. */
function pageHashes(bytes: Buffer, codeLimit: number, pageSize: number): string[] {
  const hashes: string[] = [];
  for (let at = 0; at < codeLimit; at += pageSize) {
    hashes.push(
      createHash('sha256')
        .update(bytes.subarray(at, Math.min(at + pageSize, codeLimit)))
        .digest('hex'),
    );
  }
  return hashes;
}

describe.each([
  ['darwin/amd64', { os: 'darwin', arch: 'amd64' } as Platform],
  ['darwin/arm64', { os: 'darwin', arch: 'arm64' } as Platform],
])('%s, checked from Linux with rcodesign', (_, p) => {
  const file = () => shipped(p).executable;

  it('is a 64-bit Mach-O executable for its architecture and macOS', () => {
    const header = execFileSync(rcodesign(), ['extract', 'macho-header', file()], { encoding: 'utf8' });
    // CPU_TYPE_ARM64 = CPU_TYPE_ARM | CPU_ARCH_ABI64, CPU_TYPE_X86_64 = CPU_TYPE_X86 | CPU_ARCH_ABI64 (mach/machine.h)
    expect(header).toContain(`cputype: ${p.arch === 'arm64' ? 0x0100000c : 0x01000007},`);
    expect(header).toContain('magic: 0xfeedfacf,');
    expect(header).toContain('filetype: "EXECUTE",');
    const target = execFileSync(rcodesign(), ['extract', 'macho-target', file()], { encoding: 'utf8' });
    expect(target).toMatch(/^Platform: macOS$/m);
  });

  it('has the load commands macOS needs: dylinker, main entry, code signature', () => {
    const commands = execFileSync(rcodesign(), ['extract', 'macho-load-commands', file()], {
      encoding: 'utf8',
    });
    for (const command of [
      'LC_LOAD_DYLINKER',
      'LC_MAIN',
      'LC_CODE_SIGNATURE',
      'LC_BUILD_VERSION',
      'LC_SEGMENT_64',
    ]) {
      expect(commands).toContain(command);
    }
  });

  it('is signed ad hoc as kubectl-cmetrics, and every page hash of the CodeDirectory matches', () => {
    const info = execFileSync(rcodesign(), ['print-signature-info', file()], { encoding: 'utf8' });
    // amd64: Bun's x64 runtime runs with the hardened runtime and its JIT entitlements, which stay.
    expect(info).toMatch(
      p.arch === 'amd64'
        ? /flags: CodeSignatureFlags\(ADHOC \| RUNTIME\)/
        : /flags: CodeSignatureFlags\(ADHOC\)/,
    );
    if (p.arch === 'amd64') expect(info).toContain('- slot: Entitlements (5)');
    expect(info).toMatch(/identifier: kubectl-cmetrics/);
    expect(info).toMatch(/digest_type: sha256/);
    const cd = codeDirectory(file());
    expect(cd.digests.length).toBeGreaterThan(1000);
    expect(pageHashes(readFileSync(file()), cd.codeLimit, cd.pageSize)).toEqual(cd.digests);
  });

  it('a changed byte in the payload no longer matches its page hash', () => {
    const copy = join(work, `tampered-${p.arch}`);
    copyFileSync(file(), copy);
    const bytes = readFileSync(copy);
    const payload = machoPayload(copy);
    const at = payload.byteOffset + (payload.length >> 1);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    const cd = codeDirectory(copy);
    const hashes = pageHashes(bytes, cd.codeLimit, cd.pageSize);
    const page = Math.floor(at / cd.pageSize);
    expect(hashes[page]).not.toBe(cd.digests[page]);
    expect(hashes.filter((h, i) => h !== cd.digests[i])).toHaveLength(1);
  });

  it("signing keeps Bun's payload byte for byte; the shipped one holds this build of the plugin", () => {
    // Bun's bytecode differs from one compile to the next (a few bytes): sign a copy of one compile.
    const unsigned = join(work, `unsigned-${p.arch}`);
    const signed = join(work, `signed-${p.arch}`);
    compile(inject('release').bundle, p, unsigned, { sign: false });
    copyFileSync(unsigned, signed);
    signAdHoc(signed);
    expect(readFileSync(signed).equals(readFileSync(unsigned))).toBe(false);
    expect(machoPayload(signed).equals(machoPayload(unsigned))).toBe(true);
    // What Bun's signature held (entitlements above all) is still there, beside the new ad hoc one.
    const slots = (f: string) =>
      execFileSync(rcodesign(), ['print-signature-info', f], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes('- slot: ') && !l.includes('CMS'))
        .map((l) => l.trim());
    expect(slots(signed)).toEqual(expect.arrayContaining(slots(unsigned)));
    const shippedPayload = machoPayload(file());
    expect(shippedPayload.subarray(-BUN_TRAILER.length).toString('latin1')).toBe(BUN_TRAILER);
    expect(shippedPayload.includes(buildCommit())).toBe(true);
    expect(shippedPayload.includes(DESCRIPTION)).toBe(true);
  });

  // Why signing is needed at all on amd64: Bun 1.4.4 keeps the bun runtime's own signature there, whose
  // page hashes stop before the payload and no longer match the pages it changed.
  if (p.arch === 'amd64')
    it("Bun's own output carries the bun runtime's signature, which does not match", () => {
      const unsigned = join(work, `unsigned-${p.arch}`);
      const cd = codeDirectory(unsigned);
      expect(cd.text).toContain('ident: "bun"');
      expect(cd.codeLimit).toBeLessThan(machoPayload(unsigned).byteOffset + machoPayload(unsigned).length);
      const hashes = pageHashes(readFileSync(unsigned), cd.codeLimit, cd.pageSize);
      expect(hashes.filter((h, i) => h !== cd.digests[i]).length).toBeGreaterThan(0);
    });
});

/** PE: the COFF header's machine (0x8664 amd64, 0xAA64 arm64), optional header magic, subsystem. */
function peHeaders(file: string) {
  const b = readFileSync(file);
  const pe = b.readUInt32LE(0x3c);
  const optional = pe + 24;
  const sections = optional + b.readUInt16LE(pe + 20);
  const names = Array.from({ length: b.readUInt16LE(pe + 6) }, (_, i) =>
    b
      .subarray(sections + i * 40, sections + i * 40 + 8)
      .toString('latin1')
      .replace(/\0+$/, ''),
  );
  const bun = names.indexOf('.bun');
  const raw = (i: number) => ({
    size: b.readUInt32LE(sections + i * 40 + 16),
    at: b.readUInt32LE(sections + i * 40 + 20),
  });
  // The section's bytes: its virtual size, within the raw data the file holds.
  const length = (i: number) => Math.min(b.readUInt32LE(sections + i * 40 + 8), raw(i).size);
  const payload = bun < 0 ? Buffer.alloc(0) : b.subarray(raw(bun).at, raw(bun).at + length(bun));
  return {
    mz: b.subarray(0, 2).toString('latin1'),
    signature: b.subarray(pe, pe + 4).toString('latin1'),
    machine: b.readUInt16LE(pe + 4),
    magic: b.readUInt16LE(optional),
    subsystem: b.readUInt16LE(optional + 68),
    names,
    payload,
  };
}

describe.each([
  ['windows/amd64', { os: 'windows', arch: 'amd64' } as Platform, 0x8664],
  ['windows/arm64', { os: 'windows', arch: 'arm64' } as Platform, 0xaa64],
])('%s PE headers', (_, p, machine) => {
  it("a PE32+ console executable for its machine, with Bun's payload section", () => {
    const h = peHeaders(shipped(p).executable);
    expect([h.mz, h.signature]).toEqual(['MZ', 'PE\0\0']);
    expect(h.machine.toString(16)).toBe(machine.toString(16));
    expect(h.magic).toBe(0x20b);
    expect(h.subsystem).toBe(3);
    expect(h.names).toContain('.bun');
    expect(h.payload.toString('latin1')).toContain(BUN_TRAILER);
    expect(h.payload.includes(buildCommit())).toBe(true);
    expect(h.payload.includes(DESCRIPTION)).toBe(true);
  });
});
