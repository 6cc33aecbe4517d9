// HPA snapshots on disk: `explain hpa --save-snapshot FILE` writes one, `--from-snapshot FILE` reads it
// back to explain offline (docs/hpa-snapshot.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { CliError } from '../errors.ts';
import { type HPASnapshot, SNAPSHOT_API_VERSION, SNAPSHOT_KIND } from '../hpa/snapshot.ts';

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
  let doc: HPASnapshot;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not JSON (${(e as Error).message}); pass the file --save-snapshot wrote`);
  }
  if (doc?.apiVersion !== SNAPSHOT_API_VERSION || doc.kind !== SNAPSHOT_KIND) {
    throw new CliError(
      `${file} is not an HPA snapshot (want apiVersion ${SNAPSHOT_API_VERSION}, kind ${SNAPSHOT_KIND}); pass the file --save-snapshot wrote`,
    );
  }
  return doc;
}
