// What a command prints: stdout and stderr text, kept apart so that --watch can redraw them together.
import { type DocumentFormat, formatDocument } from '../printers/output.ts';

export interface OutputFlags {
  output?: DocumentFormat | 'wide' | undefined;
}

export interface Rendered {
  out: string;
  /** Notices such as "No resources found in default namespace." */
  err: string;
}

/** -o json|yaml prints `document()`, anything else `table()`. */
export async function renderDocumentOr(
  output: OutputFlags['output'],
  document: () => unknown,
  table: () => string,
  notice = '',
): Promise<Rendered> {
  const out = output === 'json' || output === 'yaml' ? await formatDocument(document(), output) : table();
  return { out, err: notice };
}
