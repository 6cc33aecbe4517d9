// What a fuzz target counts as a finding: any exception but the parser's own refusal of its input
// (a plain Error, or the error class it documents), and any broken invariant the target checks.
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `parse`; rethrows what `refusal` does not recognise; undefined when the input was refused. */
export function unlessRefused<T>(parse: () => T, refusal: (e: unknown) => boolean): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (refusal(e)) return undefined;
    throw e;
  }
}

/** `new Error(...)`, not a TypeError, RangeError or other subclass. */
export const plainError = (e: unknown): boolean => e instanceof Error && e.constructor === Error;

export function invariant(ok: boolean, what: string): void {
  if (!ok) throw new Error(`invariant broken: ${what}`);
}

/** In memory where there is a tmpfs: a write to the disk's /tmp takes over a millisecond here. */
const INPUT_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/** The input as a file, for the loaders that read one (one file per process, rewritten each time). */
export function inputFile(data: Buffer, extension: string): string {
  const file = join(INPUT_DIR, `cmetrics-fuzz-${process.pid}.${extension}`);
  writeFileSync(file, data);
  return file;
}
