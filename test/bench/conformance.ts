// Compares what cmetrics-proxy and prometheus-adapter answer to the same request, item by item and
// field by field, and says why each difference exists. A difference no rule explains is
// "unclassified": someone has to look at it (the smoke test fails on one).
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import type { AnswerKind } from './scenarios.ts';

export type DifferenceClass =
  /** The adapter is wrong and cmetrics is right (a known adapter bug). */
  | 'adapter bug'
  /** Both are right within what the adapter can express. */
  | 'adapter precision'
  /** The two evaluate at different instants by design; the difference is bounded. */
  | 'evaluation time'
  | 'unclassified';

export interface Difference {
  /** Field path inside an item (`containers[app].usage.cpu`), or `item` for an item only one has. */
  field: string;
  class: DifferenceClass;
  why: string;
  /** Items that differ this way. */
  count: number;
  example: { item: string; cmetrics: string | undefined; adapter: string | undefined };
}

type Leaves = Map<string, string>;

/** The items of a list; a single object (one named pod's PodMetrics) is its own one item. */
export function answerItems(answer: unknown): Record<string, unknown>[] {
  const a = answer as { items?: Record<string, unknown>[]; metadata?: unknown };
  return a.items ?? (a.metadata ? [a as Record<string, unknown>] : []);
}

/** Items by identity, each as its leaves (path → text). */
export function itemsOf(kind: AnswerKind, answer: unknown): Map<string, Leaves> {
  const out = new Map<string, Leaves>();
  for (const item of answerItems(answer)) out.set(identity(kind, item), flatten(item));
  return out;
}

function identity(kind: AnswerKind, item: Record<string, unknown>): string {
  if (kind === 'custom') {
    const o = item.describedObject as { kind: string; namespace?: string; name: string };
    return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
  }
  if (kind === 'external') {
    const labels = item.metricLabels as Record<string, string>;
    return `{${Object.keys(labels)
      .sort()
      .map((k) => `${k}="${labels[k]}"`)
      .join(',')}}`;
  }
  const m = item.metadata as { namespace?: string; name: string };
  return `${m.namespace ? `${m.namespace}/` : ''}${m.name}`;
}

/** JSON leaves by path; lists of named objects (containers) are keyed by name. */
export function flatten(value: unknown, path = '', out: Leaves = new Map()): Leaves {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const name = (v as { name?: unknown } | null)?.name;
      flatten(v, `${path}[${typeof name === 'string' ? name : i}]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, String(value));
  }
  return out;
}

export function compareAnswers(kind: AnswerKind, cmetrics: unknown, adapter: unknown): Difference[] {
  const ours = itemsOf(kind, cmetrics);
  const theirs = itemsOf(kind, adapter);
  const found = new Map<string, Difference>();
  const note = (item: string, field: string, c: string | undefined, a: string | undefined) => {
    const { class: cls, why } = classify(kind, field, c, a);
    const key = `${genericField(field)}\u0000${cls}\u0000${why}`;
    const d = found.get(key);
    if (d) d.count++;
    else
      found.set(key, {
        field: genericField(field),
        class: cls,
        why,
        count: 1,
        example: { item, cmetrics: c, adapter: a },
      });
  };
  for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
    const c = ours.get(key);
    const a = theirs.get(key);
    if (!c || !a) {
      note(key, 'item', c ? 'present' : undefined, a ? 'present' : undefined);
      continue;
    }
    for (const field of new Set([...c.keys(), ...a.keys()])) {
      if (c.get(field) !== a.get(field)) note(key, field, c.get(field), a.get(field));
    }
  }
  return [...found.values()];
}

/** `containers[app].usage.cpu` and `containers[sidecar].usage.cpu` are the same kind of difference. */
function genericField(field: string): string {
  return field.replace(/\[[^\]]*\]/g, '[]');
}

const VALUE_FIELDS = /(^|\.)value$|usage\.(cpu|memory)$/;
const SECONDS_APART_LIMIT = 3;
/**
 * How far behind the adapter's timestamp cmetrics' metrics.k8s.io one may be: its store's snapshot
 * is served until two periods old, and the bench's cmetrics runs the default period (the rules' 30 s
 * window bounded to 15 s: proxy/prometheus/resource-store.ts).
 */
const STORE_SECONDS_BEHIND_LIMIT = 2 * 15 + SECONDS_APART_LIMIT;

export function classify(
  kind: AnswerKind,
  field: string,
  c: string | undefined,
  a: string | undefined,
): { class: DifferenceClass; why: string } {
  if (c !== undefined && a !== undefined && VALUE_FIELDS.test(field)) return classifyValue(kind, field, c, a);
  if (field === 'timestamp' && c && a && (kind === 'pods' || kind === 'nodes')) {
    const behind = (Date.parse(a) - Date.parse(c)) / 1000;
    if (behind >= -SECONDS_APART_LIMIT && behind <= STORE_SECONDS_BEHIND_LIMIT) {
      return {
        class: 'evaluation time',
        why: "cmetrics answers from its store's last evaluation (every --metric-resolution), the adapter evaluates at the request",
      };
    }
  }
  if ((field === 'timestamp' || field === 'metadata.creationTimestamp') && c && a) {
    const apart = Math.abs(Date.parse(c) - Date.parse(a)) / 1000;
    if (apart <= SECONDS_APART_LIMIT) {
      if (field === 'metadata.creationTimestamp') {
        return {
          class: 'evaluation time',
          why: 'creationTimestamp is when the answer was made (metrics-server rule)',
        };
      }
      return kind === 'custom'
        ? {
            class: 'adapter bug',
            why: 'adapter stamps time.Now() (#545); cmetrics the time the value was evaluated at (last settled second)',
          }
        : {
            class: 'evaluation time',
            why: 'both stamp the evaluation time: the adapter evaluates at the request, cmetrics at the last settled second',
          };
    }
  }
  if (field === 'describedObject.apiVersion' && a === '/v1' && c === 'v1') {
    return {
      class: 'adapter bug',
      why: 'custom-metrics-apiserver writes "/v1" for the core group (group "" + "/" + version)',
    };
  }
  if ((field === 'windowSeconds' || field === 'window') && a === undefined && c !== undefined) {
    return {
      class: 'adapter bug',
      why: "the adapter sets no window; cmetrics the range of the rule's rate() ([30s])",
    };
  }
  return { class: 'unclassified', why: 'no rule explains it' };
}

function classifyValue(
  kind: AnswerKind,
  field: string,
  c: string,
  a: string,
): { class: DifferenceClass; why: string } {
  const cv = toNumber(parseQuantity(c));
  const av = toNumber(parseQuantity(a));
  if (cv === av) return { class: 'unclassified', why: 'same value, written differently' };
  const isCpu = field.endsWith('usage.cpu');
  if (!isCpu && av <= cv && cv - av < 0.001 + 1e-9 * Math.abs(cv)) {
    return {
      class: 'adapter precision',
      why: 'the adapter truncates to milli-units (NewMilliQuantity(int64(v*1000))); cmetrics keeps the value',
    };
  }
  if (isCpu && (kind === 'pods' || kind === 'nodes')) {
    if (av <= cv && cv - av < 0.001 + 1e-9) {
      return {
        class: 'adapter precision',
        why: 'the adapter truncates CPU to millicores; cmetrics gives nanocores, as metrics-server does',
      };
    }
    // Both sides of the adapter's truncation: a millicore, or 5% of a larger value.
    if (Math.abs(Math.floor(cv * 1000) / 1000 - av) <= Math.max(0.001, 0.05 * cv) + 1e-9) {
      return {
        class: 'evaluation time',
        why: 'CPU is the rate of a counter kwok integrates between scrapes, evaluated at different instants (within 1m or 5%)',
      };
    }
  }
  return { class: 'unclassified', why: 'values differ' };
}
