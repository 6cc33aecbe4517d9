// -o json and -o yaml as kubectl writes them: JSON indented by four spaces; YAML through
// sigs.k8s.io/yaml, i.e. keys sorted and list items not indented under their key.
import { stringify } from 'yaml';

export type DocumentFormat = 'json' | 'yaml';

export function formatDocument(doc: unknown, format: DocumentFormat): string {
  return format === 'json'
    ? `${JSON.stringify(doc, null, 4)}\n`
    : stringify(doc, { indentSeq: false, sortMapEntries: true, lineWidth: 0 });
}
