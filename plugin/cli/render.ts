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

/** kubectl's notice for an empty list: of one namespace, or of all (undefined). */
export function noResourcesFound(namespace: string | undefined): string {
  return namespace === undefined ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`;
}
