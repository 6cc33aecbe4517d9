// The Dockerfile, checked without docker (there is none on the test machines): a build stage on the
// pinned Node 24 slim that runs `scripts/image.ts --rootfs`, and a final stage from scratch holding only
// that root filesystem, run as the image `npm run image` builds is run (test/e2e/image.test.ts runs
// that one): the same entrypoint, user, port and CA bundle.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IMAGE } from '../../scripts/image.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Instruction {
  op: string;
  args: string;
}

/** Instructions per stage, continuation lines joined, comments dropped. */
function stages(dockerfile: string): Instruction[][] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: Instruction[][] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const ins = { op: op.toUpperCase(), args: rest.join(' ') };
    if (ins.op === 'FROM') out.push([]);
    out.at(-1)?.push(ins);
  }
  return out;
}

const dockerfile = stages(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const finalStage = dockerfile.at(-1) ?? [];
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};
const nodeVersion = lock.packages['node_modules/node']?.version;
const args = (op: string, stage = finalStage) => stage.filter((i) => i.op === op).map((i) => i.args);

describe('Dockerfile', () => {
  it('builds on Node 24 slim, pinned to the Node version the tests run on, into an image from scratch', () => {
    expect(nodeVersion).toMatch(/^24\.\d+\.\d+$/);
    const bases = dockerfile.map((s) => s[0]?.args.split(' ')[0]);
    expect(bases).toEqual([`node:${nodeVersion}-slim`, 'scratch']);
    expect(dockerfile[0]?.[0]?.args).toMatch(/ AS build$/);
  });

  it('lays the root filesystem out with npm ci and scripts/image.ts --rootfs', () => {
    expect(args('RUN', dockerfile[0])).toEqual([
      'apt-get update && apt-get install -y --no-install-recommends ca-certificates',
      'npm ci --no-audit --no-fund',
      'node scripts/image.ts --rootfs /rootfs',
    ]);
  });

  it('puts only that root filesystem into the final stage, and runs nothing there', () => {
    expect(finalStage.filter((i) => ['COPY', 'ADD'].includes(i.op))).toEqual([
      { op: 'COPY', args: '--from=build /rootfs/ /' },
    ]);
    expect(args('RUN')).toEqual([]);
  });

  it('runs the entrypoint as the numeric non-root user, as the image npm run image builds', () => {
    // Numeric, so that the kubelet can verify runAsNonRoot; the manifests' runAsUser is the same.
    expect(args('USER')).toEqual([`${IMAGE.uid}:${IMAGE.uid}`]);
    expect(args('ENTRYPOINT')).toEqual([JSON.stringify([IMAGE.entrypoint]).replace(',', ', ')]);
    expect(args('EXPOSE')).toEqual([String(IMAGE.port)]);
    expect(args('ENV')).toEqual([`NODE_EXTRA_CA_CERTS=${IMAGE.caCertificates}`]);
    const instructions = finalStage.map((i) => i.op);
    expect(instructions.indexOf('USER')).toBeLessThan(instructions.indexOf('ENTRYPOINT'));
  });

  it('sends the build only the sources it compiles (.dockerignore)', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const included = ignore.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
    const copiedFromContext = dockerfile
      .flat()
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(' ').slice(0, -1))
      .map((p) => p.replace(/^\.\//, ''));
    expect(new Set(included)).toEqual(new Set(copiedFromContext));
    expect(included).not.toContain('node_modules');
    expect(included).not.toContain('dist');
  });
});
