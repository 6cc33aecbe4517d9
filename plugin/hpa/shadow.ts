// The shadow comparison of `migrate check`: one HPA's decision recomputed twice, from the answers of
// the server that holds the metrics APIs today and from cmetrics' answers to the very same calls,
// with each difference put in a class of docs/migrating-from-prometheus-adapter.md ("What answers
// differently"). Pure: the caller fetches both snapshots (cluster/shadow-snapshot.ts).
import { parseQuantity, toNumber } from '../../shared/quantity.ts';
import { decide } from './decision.ts';
import type { Fetched, HPASnapshot } from './snapshot.ts';
import type { Decision, MetricDecision } from './types.ts';

/** Two snapshots of one HPA that differ only in the metric answers. */
export interface Shadow {
  /** As the HPA controller reads it today, through the registered APIServices. */
  serving: HPASnapshot;
  /** The same, with the answers of the compared calls from cmetrics. */
  cmetrics: HPASnapshot;
  /** Per `metrics` entry: whether its call was also sent to cmetrics (its group is being compared). */
  compared: readonly boolean[];
}

/** Why two answers to the same call differ: the documented differences, and the rest. */
export type DifferenceClass =
  /** Values within the milli-unit the adapter truncates to (its #27, #32). */
  | 'precision'
  /** The adapter serves 0 (custom) or the lowest int64 (external) where cmetrics leaves a NaN out (#280). */
  | 'NaN'
  /** The two list different objects or series (the adapter's name regexes #668, relists that drop a metric #64). */
  | 'objects'
  /** Values apart by more than precision: Prometheus read at different instants (the adapter at the request, cmetrics at the last settled second, #545). */
  | 'evaluation time'
  /** One answered, the other failed, or both failed differently. */
  | 'failure';

export interface Difference {
  class: DifferenceClass;
  why: string;
}

export type Verdict = 'Same' | 'DifferentValue' | 'DifferentDecision';

export interface MetricComparison {
  /** The serving side's metric decision (label, target, value, proposal). */
  serving: MetricDecision;
  cmetrics: MetricDecision | undefined;
  compared: boolean;
  /** Undefined when both answered alike (or the metric was not compared). */
  difference?: Difference;
}

export interface HpaComparison {
  namespace: string;
  name: string;
  serving: Decision;
  cmetrics: Decision;
  metrics: MetricComparison[];
  verdict: Verdict;
}

/** The lowest int64 in milli-units: what the adapter serves for an external NaN (NewMilliQuantity(int64(NaN*1000))). */
const ADAPTER_EXTERNAL_NAN = '-9223372036854775808m';

type Item = { value: string };

/** The values of an answer by what they describe (object, container and resource, or series labels). */
function answerItems(body: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const b = body as { items?: unknown[] } | null;
  const items = Array.isArray(b?.items) ? b.items : body && typeof body === 'object' ? [body] : [];
  for (const raw of items) {
    const item = raw as Item & {
      metadata?: { name?: string };
      containers?: { name: string; usage?: Record<string, string> }[];
      describedObject?: { kind?: string; namespace?: string; name?: string };
      metric?: { selector?: unknown };
      metricLabels?: Record<string, string>;
    };
    if (item.containers) {
      for (const c of item.containers)
        for (const [resource, q] of Object.entries(c.usage ?? {}))
          out.set(`pod ${item.metadata?.name}/${c.name} ${resource}`, q);
      continue;
    }
    if (item.value === undefined) continue;
    const o = item.describedObject;
    const labels = item.metricLabels ?? item.metric?.selector;
    const what = o ? `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}` : '';
    const key = [what, labels && Object.keys(labels).length ? JSON.stringify(labels) : ''].join(' ').trim();
    out.set(key || '-', item.value);
  }
  return out;
}

function number(q: string): number {
  try {
    return toNumber(parseQuantity(q));
  } catch {
    return Number.NaN;
  }
}

const side = (f: Fetched<unknown>) => (f.error ? `${f.error.code} ${f.error.message}` : 'values');

/** How cmetrics' answer differs from the serving one; undefined when they say the same. */
function answerDifference(serving: Fetched<unknown>, cmetrics: Fetched<unknown>): Difference | undefined {
  if (serving.error || cmetrics.error) {
    if (serving.error && cmetrics.error && serving.error.code === cmetrics.error.code) return undefined;
    return { class: 'failure', why: `serving: ${side(serving)}; cmetrics: ${side(cmetrics)}` };
  }
  const a = answerItems(serving.body);
  const c = answerItems(cmetrics.body);
  const onlyServing = [...a.keys()].filter((k) => !c.has(k));
  const onlyCmetrics = [...c.keys()].filter((k) => !a.has(k));
  const nan = onlyServing.filter((k) => {
    const v = a.get(k) as string;
    return v === ADAPTER_EXTERNAL_NAN || number(v) === 0;
  });
  if (nan.length && nan.length === onlyServing.length && !onlyCmetrics.length) {
    return {
      class: 'NaN',
      why: `served as ${[...new Set(nan.map((k) => a.get(k)))].join(', ')}, left out by cmetrics (a NaN sample): ${nan.join(', ')}`,
    };
  }
  if (onlyServing.length || onlyCmetrics.length) {
    const list = (keys: string[]) => (keys.length ? keys.join(', ') : 'nothing more');
    return {
      class: 'objects',
      why: `only served: ${list(onlyServing)}; only cmetrics: ${list(onlyCmetrics)}`,
    };
  }
  const apart = [...a.keys()].filter((k) => number(a.get(k) as string) !== number(c.get(k) as string));
  if (!apart.length) return undefined;
  const widest = Math.max(
    ...apart.map((k) => Math.abs(number(a.get(k) as string) - number(c.get(k) as string))),
  );
  const example = `${apart[0]}: ${a.get(apart[0] as string)} vs ${c.get(apart[0] as string)}`;
  return widest < 0.001
    ? { class: 'precision', why: `within a milli-unit (${example})` }
    : { class: 'evaluation time', why: `apart by up to ${Number(widest.toPrecision(3))} (${example})` };
}

/** Both decisions, metric by metric, and the HPA's verdict. */
export function compareShadow(shadow: Shadow): HpaComparison {
  const serving = decide(shadow.serving);
  const cmetrics = decide(shadow.cmetrics);
  const metrics = serving.metrics.map((m): MetricComparison => {
    const compared = shadow.compared[m.index] === true;
    const a = shadow.serving.metrics[m.index];
    const c = shadow.cmetrics.metrics[m.index];
    const difference = compared && a && c ? answerDifference(a, c) : undefined;
    return {
      serving: m,
      cmetrics: cmetrics.metrics.find((x) => x.index === m.index),
      compared,
      ...(difference ? { difference } : {}),
    };
  });
  const verdict: Verdict =
    serving.desiredReplicas !== cmetrics.desiredReplicas
      ? 'DifferentDecision'
      : metrics.some((m) => m.difference)
        ? 'DifferentValue'
        : 'Same';
  return { namespace: serving.namespace, name: serving.name, serving, cmetrics, metrics, verdict };
}
