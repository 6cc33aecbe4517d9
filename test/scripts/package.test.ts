// krew-manifest.yaml against krew's validation rules (internal/index/validation/validate.go): the
// generated text, the committed file, and one broken manifest per rule to show each rule bites.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { version } from '../../scripts/build.ts';
import { archiveName, krewManifest, PLATFORMS, RELEASES } from '../../scripts/package.ts';

interface Manifest {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown };
  spec?: {
    version?: unknown;
    shortDescription?: unknown;
    platforms?: {
      uri?: unknown;
      sha256?: unknown;
      bin?: unknown;
      selector?: { matchLabels?: Record<string, unknown>; matchExpressions?: { key: string }[] };
      files?: { from?: unknown; to?: unknown }[];
    }[];
  };
}

type Platform = NonNullable<NonNullable<Manifest['spec']>['platforms']>[number];
const each = (m: Manifest, check: (p: Platform) => boolean) => (m.spec?.platforms ?? []).every(check);

/** krew's index holds a manifest as plugins/NAME.yaml; ours would be plugins/cmetrics.yaml. */
const INDEX_FILE = 'cmetrics.yaml';

const RULES: [string, (m: Manifest) => boolean][] = [
  ['apiVersion', (m) => m.apiVersion === 'krew.googlecontainertools.github.com/v1alpha2'],
  ['kind', (m) => m.kind === 'Plugin'],
  ['name', (m) => typeof m.metadata?.name === 'string' && /^[\w-]+$/.test(m.metadata.name)],
  ['name is the index file name', (m) => `${m.metadata?.name}.yaml` === INDEX_FILE],
  [
    'shortDescription is one line',
    (m) => typeof m.spec?.shortDescription === 'string' && /^[^\n]+$/.test(m.spec.shortDescription),
  ],
  [
    'version is v-prefixed semver',
    (m) =>
      typeof m.spec?.version === 'string' && /^v\d+\.\d+\.\d+(-[\w.-]+)?(\+[\w.-]+)?$/.test(m.spec.version),
  ],
  ['platforms', (m) => (m.spec?.platforms?.length ?? 0) > 0],
  [
    'uri is .tar.gz or .zip',
    (m) => each(m, (p) => typeof p.uri === 'string' && /\.(tar\.gz|zip)$/.test(p.uri)),
  ],
  [
    'sha256 is lowercase hex',
    (m) => each(m, (p) => typeof p.sha256 === 'string' && /^[a-f0-9]{64}$/.test(p.sha256)),
  ],
  ['bin', (m) => each(m, (p) => typeof p.bin === 'string' && p.bin !== '')],
  [
    'selector: os and arch only',
    (m) =>
      each(m, (p) => {
        const keys = [
          ...Object.keys(p.selector?.matchLabels ?? {}),
          ...(p.selector?.matchExpressions ?? []).map((e) => e.key),
        ];
        return keys.length > 0 && keys.every((k) => k === 'os' || k === 'arch');
      }),
  ],
  [
    'files: non-empty, each from and to',
    (m) =>
      each(m, (p) => p.files === undefined || (p.files.length > 0 && p.files.every((f) => f.from && f.to))),
  ],
  [
    'windows bin ends in .exe',
    (m) => each(m, (p) => p.selector?.matchLabels?.os !== 'windows' || /\.exe$/.test(`${p.bin}`)),
  ],
];

function broken(text: string): string[] {
  const m = parse(text) as Manifest;
  return RULES.filter(([, ok]) => !ok(m)).map(([rule]) => rule);
}

const SHA = 'ab'.repeat(32);
const generated = krewManifest(
  '1.2.3',
  PLATFORMS.map((p) => ({ ...p, archive: archiveName(p, '1.2.3'), sha256: SHA })),
);
const committed = readFileSync(join(import.meta.dirname, '..', '..', 'krew-manifest.yaml'), 'utf8');

describe('krew manifest', () => {
  it('the generated manifest passes every rule', () => {
    expect(broken(generated)).toEqual([]);
    const m = parse(generated) as Manifest;
    expect(m.spec?.version).toBe('v1.2.3');
    expect(m.spec?.platforms?.[0]?.uri).toBe(`${RELEASES}/v1.2.3/kubectl-cmetrics_v1.2.3_linux_amd64.tar.gz`);
  });

  it('the committed krew-manifest.yaml passes every rule, at the package.json version', () => {
    expect(broken(committed)).toEqual([]);
    expect((parse(committed) as Manifest).spec?.version).toBe(`v${version()}`);
  });

  it.each([
    ['generated', generated],
    ['committed', committed],
  ])('the %s manifest lists the six platforms, each its own archive, executable and helper', (_, text) => {
    const platforms = (parse(text) as Manifest).spec?.platforms ?? [];
    expect(platforms.map((p) => `${p.selector?.matchLabels?.os}/${p.selector?.matchLabels?.arch}`)).toEqual([
      'linux/amd64',
      'linux/arm64',
      'darwin/amd64',
      'darwin/arm64',
      'windows/amd64',
      'windows/arm64',
    ]);
    expect(new Set(platforms.map((p) => p.uri)).size).toBe(6);
    for (const p of platforms) {
      const windows = p.selector?.matchLabels?.os === 'windows';
      expect(p.uri).toMatch(windows ? /_windows_(amd|arm)64\.zip$/ : /_(linux|darwin)_(amd|arm)64\.tar\.gz$/);
      expect(p.bin).toBe(windows ? 'kubectl-cmetrics.exe' : 'kubectl-cmetrics');
      expect(p.files?.map((f) => f.from)).toEqual([
        p.bin,
        windows ? 'kubectl_complete-cmetrics.cmd' : 'kubectl_complete-cmetrics',
        'LICENSE',
      ]);
    }
  });

  it('the committed manifest gives each archive its own sha256, and needs no node', () => {
    const platforms = (parse(committed) as Manifest).spec?.platforms ?? [];
    expect(new Set(platforms.map((p) => p.sha256)).size).toBe(6);
    expect(committed).not.toMatch(/\bnode\b/i);
  });

  const platform = '      bin: kubectl-cmetrics\n';
  it.each<[string, string, string]>([
    ['kind', 'kind: Plugin', 'kind: plugin'],
    ['name', 'name: cmetrics', 'name: c.metrics'],
    ['name is the index file name', 'name: cmetrics', 'name: kubectl-cmetrics'],
    ['shortDescription is one line', 'shortDescription: Read', 'shortDescription: |-\n    Read\n    two'],
    ['version is v-prefixed semver', 'version: v1.2.3', 'version: 1.2.3'],
    ['uri is .tar.gz or .zip', '_amd64.tar.gz', '_amd64.tgz'],
    ['sha256 is lowercase hex', `sha256: ${SHA}`, `sha256: ${SHA.toUpperCase()}`],
    ['bin', platform, '      bin: ""\n'],
    ['selector: os and arch only', 'arch: amd64', 'arch: amd64\n          distro: debian'],
    ['files: non-empty, each from and to', '- from: LICENSE\n          to: .', '- from: LICENSE'],
    ['windows bin ends in .exe', 'os: linux\n          arch: amd64', 'os: windows\n          arch: amd64'],
  ])('breaks rule "%s" when %j becomes %j', (rule, from, to) => {
    expect(generated).toContain(from);
    expect(broken(generated.replace(from, to))).toContain(rule);
  });
});
