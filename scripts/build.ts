// npm run build: one self-contained ES module per program (node 24, no node_modules needed), plus the
// kubectl completion helper. `build(dir)` is also what the end-to-end tests run the plugin from.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { completionScript } from '../plugin/completion/scripts.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const PROGRAMS = ['kubectl-cmetrics', 'cmetrics-proxy'] as const;
export const COMPLETION_HELPER = 'kubectl_complete-cmetrics';

export async function build(outDir = join(root, 'dist')): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await esbuild({
    entryPoints: PROGRAMS.map((name) => ({ in: join(root, 'cmd', `${name}.ts`), out: name })),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    // Bundled CommonJS dependencies still call require() for node's modules.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'warning',
  });
  for (const name of PROGRAMS) chmodSync(join(outDir, `${name}.js`), 0o755);
  writeFileSync(join(outDir, COMPLETION_HELPER), completionScript('kubectl'), { mode: 0o755 });
}

if (import.meta.main) await build(process.argv[2]);
