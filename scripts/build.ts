// npm run build: one self-contained ES module per program (node 24, no node_modules needed), plus the
// kubectl completion helper. The plugin's bin, kubectl-cmetrics.js, checks node's version and then
// loads kubectl-cmetrics.bundle.js, which `npm run package` also compiles into the executables.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { completionScript } from '../plugin/completion/scripts.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const PROGRAMS = ['kubectl-cmetrics', 'cmetrics-proxy'] as const;
export const COMPLETION_HELPER = 'kubectl_complete-cmetrics';
/** The plugin, bundled: what the node version check loads, and what the executables embed. */
export const PLUGIN_BUNDLE = 'kubectl-cmetrics.bundle.js';

interface PackageJson {
  version: string;
  engines: { node: string };
}

function packageJson(): PackageJson {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
}

export function version(): string {
  return packageJson().version;
}

/** The major version of `engines.node` (">=24"). */
export function requiredNode(): number {
  const major = /^>=\s*(\d+)/.exec(packageJson().engines.node)?.[1];
  if (!major)
    throw new Error(`package.json engines.node: expected ">=MAJOR", got ${packageJson().engines.node}`);
  return Number(major);
}

/** The commit built from, for `kubectl cmetrics version`; "unknown" outside a git checkout. */
function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const COMMON = {
  bundle: true,
  platform: 'node',
  minify: true,
  logLevel: 'warning',
  target: 'node24',
} as const;

const programDefines = () => ({
  CMETRICS_BUILD: JSON.stringify({ version: version(), commit: commit() }),
  // yargs' platform shim reads the terminal's width as it loads (yargs lib/platform-shims/esm.mjs
  // stdColumns), which makes Bun create process.stdout: ~11 ms of every run. The plugin sets its
  // width (.wrap in plugin/main.ts), so yargs never uses it; the entry writes with Bun.write.
  'process.stdout.columns': 'undefined',
});

/**
 * The proxy as one CommonJS file, for a Node single executable application (scripts/image.ts): its
 * main script must be CommonJS, run by the embedder's require, which loads node's modules only.
 * yargs-parser's ES module calls createRequire(import.meta.url), which CommonJS has no value for:
 * the executable's own path stands in.
 */
export async function bundleProxyCommonJs(outFile: string): Promise<void> {
  await esbuild({
    ...COMMON,
    entryPoints: [join(root, 'cmd', 'cmetrics-proxy.ts')],
    outfile: outFile,
    format: 'cjs',
    define: { ...programDefines(), 'import.meta.url': '__cmetricsExecutableUrl' },
    banner: { js: "const __cmetricsExecutableUrl=require('node:url').pathToFileURL(process.execPath).href;" },
  });
}

export async function build(outDir = join(root, 'dist')): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await esbuild({
    ...COMMON,
    entryPoints: PROGRAMS.map((name) => ({
      in: join(root, 'cmd', `${name}.ts`),
      out: name === 'kubectl-cmetrics' ? PLUGIN_BUNDLE.replace(/\.js$/, '') : name,
    })),
    outdir: outDir,
    format: 'esm',
    define: programDefines(),
    // Bundled CommonJS dependencies still call require() for node's modules.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  await esbuild({
    ...COMMON,
    bundle: false,
    entryPoints: [join(root, 'cmd', 'kubectl-cmetrics-node.ts')],
    outfile: join(outDir, 'kubectl-cmetrics.js'),
    format: 'esm',
    // Syntax of Node 14 (ES modules with import()): the check must run on the Nodes it turns away.
    target: 'node14',
    define: { REQUIRED_NODE: String(requiredNode()) },
  });
  for (const name of PROGRAMS) chmodSync(join(outDir, `${name}.js`), 0o755);
  writeFileSync(join(outDir, COMPLETION_HELPER), completionScript('kubectl'), { mode: 0o755 });
}

if (import.meta.main) await build(process.argv[2]);
