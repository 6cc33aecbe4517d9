// `explain hpa --from-snapshot FILE` (plugin/cli/snapshot-file.ts): loadSnapshot refuses a file with
// a CliError (one line: the file, what is wrong, what to do), nothing else.
import { loadSnapshot } from '../../../plugin/cli/snapshot-file.ts';
import { CliError } from '../../../plugin/errors.ts';
import { inputFile, unlessRefused } from './contract.ts';

export function fuzz(data: Buffer): void {
  unlessRefused(
    () => loadSnapshot(inputFile(data, 'json')),
    (e) => e instanceof CliError,
  );
}
