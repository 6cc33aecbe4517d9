// npm run fuzz [-- --seconds 30] [--ci] [TARGET...]: coverage-guided fuzzing (Jazzer.js, libFuzzer
// in process) of each target in test/fuzz/targets for a set time, one after another. A run starts
// from the corpus in test/fuzz/corpus/TARGET; afterwards the inputs it found that reach new code are
// added to it, unless --ci. An input that breaks a target is kept in
// test/fuzz/findings/TARGET/ and the run fails: each becomes a regression test beside the parser's
// own (test/ mirroring the source) and is fixed. Prints executions per target.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const here = import.meta.dirname;
const root = join(here, '..', '..');
export const TARGETS_DIR = join(here, 'targets');
export const CORPUS_DIR = join(here, 'corpus');
const FINDINGS_DIR = join(here, 'findings');
const JAZZER = join(root, 'node_modules', '@jazzer.js', 'core', 'dist', 'cli.js');

/** Every target: test/fuzz/targets/NAME.fuzz.ts. */
export function fuzzTargets(): string[] {
  return readdirSync(TARGETS_DIR)
    .filter((f) => f.endsWith('.fuzz.ts'))
    .map((f) => f.replace(/\.fuzz\.ts$/, ''))
    .sort();
}

interface Outcome {
  target: string;
  executions: number;
  seconds: number;
  corpusBefore: number;
  corpusAfter: number;
  findings: string[];
}

async function jazzer(target: string, corpora: string[], libFuzzer: string[]) {
  const module = join(TARGETS_DIR, `${target}.fuzz.ts`);
  // A target may turn off bug detectors that its input trips by design, saying why.
  const { DISABLED_BUG_DETECTORS: disabled = [] } = (await import(module)) as {
    DISABLED_BUG_DETECTORS?: string[];
  };
  return spawnSync(
    process.execPath,
    [
      ...['--import', join(here, 'register.ts'), JAZZER],
      module,
      ...corpora,
      '--sync',
      ...disabled.map((d) => `--disable_bug_detectors=${d}`),
      // Coverage of the project's code only (node_modules is left out by default).
      ...['shared', 'proxy', 'plugin'].map((dir) => `--includes=${join(root, dir)}/`),
      '--',
      ...libFuzzer,
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 },
  );
}

async function fuzzOne(target: string, seconds: number, keep: boolean): Promise<Outcome> {
  const corpus = join(CORPUS_DIR, target);
  mkdirSync(corpus, { recursive: true });
  const corpusBefore = readdirSync(corpus).length;
  const found = mkdtempSync(join(tmpdir(), `cmetrics-fuzz-${target}-`));
  const artifacts = mkdtempSync(join(tmpdir(), `cmetrics-fuzz-${target}-artifacts-`));
  try {
    // New inputs go to the first corpus directory: the temporary one.
    const run = await jazzer(
      target,
      [found, corpus],
      [
        `-max_total_time=${seconds}`,
        `-artifact_prefix=${artifacts}/`,
        '-print_final_stats=1',
        // JSON and YAML inputs are longer than libFuzzer's default cap of 4096 bytes at most.
        '-max_len=8192',
      ],
    );
    const out = `${run.stdout}${run.stderr}`;
    const executions = Number(
      /stat::number_of_executed_units:\s*(\d+)/.exec(out)?.[1] ?? /Done (\d+) runs/.exec(out)?.[1] ?? 0,
    );
    const findings = readdirSync(artifacts).map((f) => {
      const dir = join(FINDINGS_DIR, target);
      mkdirSync(dir, { recursive: true });
      renameSync(join(artifacts, f), join(dir, f));
      return join(dir, f);
    });
    if (run.status !== 0 && !findings.length)
      throw new Error(`${target}: jazzer exited with ${run.status}:\n${out.slice(-4000)}`);
    if (findings.length) process.stderr.write(`${out.slice(-4000)}\n`);
    // libFuzzer keeps in the first directory only inputs that reached new code (each named by its
    // sha1), shrunk where it could. (Its -merge=1 re-runs the process without node's --import.)
    if (keep) for (const f of readdirSync(found)) copyFileSync(join(found, f), join(corpus, f));
    return { target, executions, seconds, corpusBefore, corpusAfter: readdirSync(corpus).length, findings };
  } finally {
    rmSync(found, { recursive: true, force: true });
    rmSync(artifacts, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seconds: { type: 'string', default: '30' }, ci: { type: 'boolean', default: false } },
  });
  const targets = positionals.length ? positionals : fuzzTargets();
  for (const t of targets)
    if (!existsSync(join(TARGETS_DIR, `${t}.fuzz.ts`))) throw new Error(`no fuzz target ${t}`);
  const outcomes: Outcome[] = [];
  for (const t of targets) {
    const o = await fuzzOne(t, Number(values.seconds), !values.ci);
    console.log(
      `[fuzz] ${o.target}: ${o.executions} executions in ${o.seconds} s, corpus ${o.corpusBefore} → ${o.corpusAfter}, ${o.findings.length ? `findings: ${o.findings.join(', ')}` : 'no findings'}`,
    );
    outcomes.push(o);
  }
  if (outcomes.some((o) => o.findings.length)) process.exit(1);
}
