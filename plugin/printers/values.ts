// `get custom|external|resource`: one row per value the API returned, as people read a quantity
// (readable.ts: in milli-units, rounded up) and as a plain number, with the timestamp and window that
// say which interval it covers. -o json|yaml has the exact quantity.
import { formatDecimal, parseQuantity } from '../../shared/quantity.ts';
import { readableQuantity } from './readable.ts';
import { tabwrite } from './tabwriter.ts';

/** The readable quantity as a plain decimal number (`608m` → `0.608`). */
function plainNumber(served: string): string {
  const readable = readableQuantity(served);
  try {
    return formatDecimal(parseQuantity(readable));
  } catch {
    return readable;
  }
}

export interface ValueRow {
  namespace?: string | undefined;
  /** What the value describes: `pod/web-1`, `service/web`, or an external metric's labels. */
  subject: string;
  container?: string | undefined;
  metric: string;
  /** The quantity as served. */
  value: string;
  timestamp: string;
  /** Already a duration (`30s`, `1m0s`); undefined when the API sent none. */
  window: string | undefined;
}

/** `subjectHeader` names the subject column: OBJECT for custom and resource metrics, LABELS for external. */
export function valuesTable(rows: readonly ValueRow[], subjectHeader: 'OBJECT' | 'LABELS'): string {
  const withNamespace = rows.some((r) => r.namespace !== undefined);
  const withContainer = rows.some((r) => r.container !== undefined);
  const header = [
    ...(withNamespace ? ['NAMESPACE'] : []),
    subjectHeader,
    ...(withContainer ? ['CONTAINER'] : []),
    'METRIC',
    'VALUE',
    'NUMBER',
    'TIMESTAMP',
    'WINDOW',
  ];
  const body = rows.map((r) => [
    ...(withNamespace ? [r.namespace ?? ''] : []),
    r.subject,
    ...(withContainer ? [r.container ?? ''] : []),
    r.metric,
    readableQuantity(r.value),
    plainNumber(r.value),
    r.timestamp,
    r.window ?? '<none>',
  ]);
  return tabwrite([header, ...body]);
}
