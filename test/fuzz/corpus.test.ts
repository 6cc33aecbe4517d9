// The fuzzing corpus replayed (test/fuzz/corpus/TARGET, with every past finding in it): each input
// through its target as `npm run fuzz` runs it, without the fuzzing engine, so that CI runs every
// input that once reached new code or broke a parser.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, fuzzTargets, TARGETS_DIR } from './run.ts';

describe.each(fuzzTargets())('fuzz target %s', (target) => {
  const inputs = readdirSync(join(CORPUS_DIR, target)).sort();

  it('has a corpus', () => {
    expect(inputs.length).toBeGreaterThan(0);
  });

  it('takes every input of its corpus', async () => {
    const { fuzz } = (await import(join(TARGETS_DIR, `${target}.fuzz.ts`))) as { fuzz(data: Buffer): void };
    for (const input of inputs) {
      const data = readFileSync(join(CORPUS_DIR, target, input));
      expect(() => fuzz(data), `${target}/${input}`).not.toThrow();
    }
  });
});
