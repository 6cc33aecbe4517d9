// -o json and -o yaml as kubectl writes them: JSON indented by four spaces; YAML through
// sigs.k8s.io/yaml, i.e. keys sorted and list items not indented under their key.

export type DocumentFormat = 'json' | 'yaml';

export async function formatDocument(doc: unknown, format: DocumentFormat): Promise<string> {
  if (format === 'json') return `${JSON.stringify(doc, null, 4)}\n`;
  // Loaded for -o yaml only: the package costs every run of the executable ~1.3 ms to load.
  const { stringify } = await import('yaml');
  return stringify(doc, { indentSeq: false, sortMapEntries: true, lineWidth: 0 });
}
