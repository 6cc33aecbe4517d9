// HPA snapshots on disk: `explain hpa --save-snapshot FILE` writes one, `--from-snapshot FILE` reads it
// back to explain offline (docs/hpa-snapshot.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { CliError } from '../errors.ts';
import { InvalidField } from '../hpa/fields.ts';
import { type HPASnapshot, parseSnapshot } from '../hpa/snapshot.ts';

export function saveSnapshot(file: string, snapshot: HPASnapshot): void {
  try {
    writeFileSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
  } catch (e) {
    throw new CliError(
      `cannot write the snapshot to ${file}: ${(e as Error).message}; choose another --save-snapshot FILE`,
    );
  }
}

export function loadSnapshot(file: string): HPASnapshot {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(
      `cannot read the snapshot ${file}: ${(e as Error).message}; pass the file --save-snapshot wrote`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not JSON (${(e as Error).message}); pass the file --save-snapshot wrote`);
  }
  try {
    return parseSnapshot(doc);
  } catch (e) {
    if (e instanceof InvalidField) throw malformed(file, e);
    throw e;
  }
}

/** A snapshot file with a field that does not hold what the format defines, as one line. */
export function malformed(file: string, e: InvalidField): CliError {
  return new CliError(`${file}: ${e.message}; fix the snapshot or take a new one with --save-snapshot`);
}
