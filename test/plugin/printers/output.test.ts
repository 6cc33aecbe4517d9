import { describe, expect, it } from 'vitest';
import { formatDocument } from '../../../plugin/printers/output.ts';

const lines = (...rows: string[]) => rows.map((r) => `${r}\n`).join('');

describe('formatDocument', () => {
  const doc = {
    kind: 'MetricValueList',
    items: [{ value: '1', describedObject: { name: 'a', kind: 'Pod' } }],
  };

  it('json is indented by four spaces, keys in the order served', async () => {
    expect(await formatDocument(doc, 'json')).toBe(`${JSON.stringify(doc, null, 4)}\n`);
  });

  it("yaml is kubectl's: keys sorted, list items at their key's indentation", async () => {
    expect(await formatDocument(doc, 'yaml')).toBe(
      lines(
        'items:',
        '- describedObject:',
        '    kind: Pod',
        '    name: a',
        '  value: "1"',
        'kind: MetricValueList',
      ),
    );
  });
});
