// The Dockerfile, checked without docker (there is none on the test machines): pinned Node 24 slim
// base, a final stage holding only the bundle and the LICENSE, a numeric non-root user; and that
// those two files alone run, laid out as the final stage lays them out.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { build, PROGRAMS } from '../../scripts/build.ts';

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

describe('Dockerfile', () => {
  it('builds on Node 24 slim, pinned to the Node version the tests run on', () => {
    expect(nodeVersion).toMatch(/^24\.\d+\.\d+$/);
    const bases = dockerfile.map((s) => s[0]?.args.split(' ')[0]);
    expect(bases).toEqual([`node:${nodeVersion}-slim`, `node:${nodeVersion}-slim`]);
  });

  it('builds the bundle with npm ci and npm run build', () => {
    const runs = (dockerfile[0] ?? []).filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    expect(dockerfile[0]?.[0]?.args).toMatch(/ AS build$/);
  });

  it('puts only the bundle and the LICENSE into the final stage', () => {
    const copies = finalStage.filter((i) => ['COPY', 'ADD'].includes(i.op));
    expect(copies).toEqual([
      { op: 'COPY', args: '--from=build /src/dist/cmetrics-proxy.js ./dist/cmetrics-proxy.js' },
      { op: 'COPY', args: 'LICENSE ./LICENSE' },
    ]);
    expect(finalStage.filter((i) => i.op === 'RUN')).toEqual([]);
  });

  it('runs the proxy as a numeric non-root user', () => {
    const users = finalStage.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0] ?? '').split(':').map(Number);
    // Numeric, so that the kubelet can verify runAsNonRoot; the manifests' runAsUser is the same.
    expect(uid).toBe(65532);
    expect(gid).toBe(65532);
    const instructions = finalStage.map((i) => i.op);
    expect(instructions.indexOf('USER')).toBeLessThan(instructions.indexOf('ENTRYPOINT'));
    expect(finalStage.find((i) => i.op === 'WORKDIR')?.args).toBe('/app');
    expect(finalStage.find((i) => i.op === 'ENTRYPOINT')?.args).toBe(
      '["node", "--max-semi-space-size=4", "dist/cmetrics-proxy.js"]',
    );
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

describe("the final stage's files", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmetrics-image-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run the proxy without node_modules or package.json', async () => {
    expect(PROGRAMS).toContain('cmetrics-proxy');
    // The image's Node major, so that what runs here is what runs there.
    expect(process.versions.node.split('.')[0]).toBe('24');
    await build(join(dir, 'build'));
    // As the final stage lays them out in /app.
    const app = join(dir, 'app');
    mkdirSync(join(app, 'dist'), { recursive: true });
    copyFileSync(join(dir, 'build', 'cmetrics-proxy.js'), join(app, 'dist', 'cmetrics-proxy.js'));
    copyFileSync(join(root, 'LICENSE'), join(app, 'LICENSE'));
    const help = execFileSync(process.execPath, ['dist/cmetrics-proxy.js', '--help'], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(help).toContain('--prometheus-url');
    expect(help).toContain('--tls-cert-file');
  }, 60_000);
});
