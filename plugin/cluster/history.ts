// What `explain hpa NAME --since 3h` reads: the HPA as it is now (hpa-snapshot.ts fetchSnapshot: its
// spec, its target's selector, its pods' requests, its events), then from cmetrics' history API
// (history.cmetrics.io, paths mirroring the live APIs) for each metric the same call the controller
// makes, over the range, and the HPA's replica history and its pods' lifecycle. replayHistory turns
// those answers into the replay's steps and replays them (pure), so a fetched history can be
// replayed anywhere.

import { HISTORY_GROUP } from '../../shared/api-types.ts';
import { CliError, oneLine } from '../errors.ts';
import { isObject } from '../hpa/fields.ts';
import { type MetricSpec, readHpa, readRescaleEvents, readScale } from '../hpa/objects.ts';
import {
  type ContainerTemplate,
  type MetricValues,
  type PodState,
  type Replay,
  type ReplayInput,
  replay,
  type StepInput,
} from '../hpa/replay.ts';
import type { ControllerSettings, HPASnapshot } from '../hpa/snapshot.ts';
import { type WhatIf, whatIf } from '../hpa/what-if.ts';
import { RequestFailed } from './api.ts';
import { fetchSnapshot } from './hpa-snapshot.ts';
import type { Session } from './session.ts';

const HISTORY_BASE = `/apis/${HISTORY_GROUP}/v1alpha1`;
const HISTORY_API_SERVICE = `v1alpha1.${HISTORY_GROUP}`;

/** The live metrics calls the controller makes (hpa-snapshot.ts records them) and their history paths. */
const HISTORY_OF: [RegExp, string][] = [
  [/^\/apis\/metrics\.k8s\.io\/[^/]+\/namespaces\/([^/]+)\/pods$/, 'namespaces/$1/podmetrics'],
  // A Namespace object's metric (versioned_client.go getForNamespace) is a cluster-scoped object's here.
  [
    /^\/apis\/custom\.metrics\.k8s\.io\/[^/]+\/namespaces\/([^/]+)\/metrics\/([^/]+)$/,
    'custommetrics/namespaces/$1/$2',
  ],
  [/^\/apis\/custom\.metrics\.k8s\.io\/[^/]+\/namespaces\/([^/]+)\/(.+)$/, 'namespaces/$1/custommetrics/$2'],
  [
    /^\/apis\/external\.metrics\.k8s\.io\/[^/]+\/namespaces\/([^/]+)\/([^/]+)$/,
    'namespaces/$1/externalmetrics/$2',
  ],
];

/** The history path (with the query string) of a live metrics call; undefined for no metrics API's. */
function historyPathOf(live: string): string | undefined {
  const [path = '', query] = live.split('?', 2);
  const found = HISTORY_OF.find(([pattern]) => pattern.test(path));
  if (!found) return undefined;
  const history = `${HISTORY_BASE}/${path.replace(found[0], found[1])}`;
  return query ? `${history}?${query}` : history;
}

/** The time range and step of a replay, epoch ms. */
export interface HistoryRange {
  start: number;
  end: number;
  stepMs: number;
}

/** Everything a replay reads, as fetched: the HPA now and the history answers. */
interface FetchedHistory {
  snapshot: HPASnapshot;
  range: HistoryRange;
  /** One per metric of the HPA: its history answer; null when the controller makes no call for it. */
  metrics: (HistoryAnswer | null)[];
  replicas: HistoryAnswer;
  pods: HistoryAnswer | undefined;
}

/** The live HPA, then every history call at once; a failed call is thrown (cli/describe-error.ts words it). */
export async function fetchHistory(
  s: Session,
  name: string,
  controller: ControllerSettings,
  range: HistoryRange,
): Promise<FetchedHistory> {
  const snapshot = await fetchSnapshot(s, name, controller);
  const window = {
    start: String(range.start / 1000),
    end: String(range.end / 1000),
    step: `${range.stepMs / 1000}s`,
  };
  const get = async (pathAndQuery: string) => {
    const [path = '', query = ''] = pathAndQuery.split('?', 2);
    try {
      return (await s.api.history(path, {
        ...Object.fromEntries(new URLSearchParams(query)),
        ...window,
      })) as HistoryAnswer;
    } catch (e) {
      // The history API answers 200 with no series for what it has no samples of: a 404 is the group's.
      if (e instanceof RequestFailed && e.code === 404) {
        throw new CliError(
          `${HISTORY_GROUP} is not served by this cluster (${oneLine(e.message)}); cmetrics-proxy serves it through the APIService ${HISTORY_API_SERVICE}: check kubectl get apiservice ${HISTORY_API_SERVICE}`,
        );
      }
      throw e;
    }
  };
  const ns = s.namespace;
  const selector =
    snapshot.scale?.body === undefined ? undefined : readScale(snapshot.scale.body, 'scale.body').selector;
  const [metrics, replicas, pods] = await Promise.all([
    Promise.all(
      snapshot.metrics.map((m) => {
        const path = m && historyPathOf(m.path);
        return path ? get(path) : null;
      }),
    ),
    get(
      `${HISTORY_BASE}/namespaces/${encodeURIComponent(ns)}/horizontalpodautoscalers/${encodeURIComponent(name)}`,
    ),
    selector
      ? get(
          `${HISTORY_BASE}/namespaces/${encodeURIComponent(ns)}/pods?${new URLSearchParams({ labelSelector: selector })}`,
        )
      : undefined,
  ]);
  return { snapshot, range, metrics, replicas, pods };
}

/**
 * The replay of a fetched history (and with `sets`, the what-if beside it), with what it had to
 * assume: what `explain hpa --since` prints, from answers fetched anywhere.
 */
export function replayHistory(h: FetchedHistory, sets: readonly string[] = []): HistoryReplay {
  const { input, notes } = replayInputOf(h);
  if (sets.length === 0) return { input, replay: replay(input), notes };
  const what = whatIf(input, sets);
  return { input, replay: what.actual, whatIf: what, notes };
}

export interface HistoryReplay {
  /** The steps as replayed, from the answers. */
  input: ReplayInput;
  replay: Replay;
  whatIf?: WhatIf;
  /** What holds for the whole range (no pod history, today's requests, replicas from events). */
  notes: string[];
}

/** The replay's input from the fetched history, and what it had to assume. */
function replayInputOf(h: FetchedHistory): { input: ReplayInput; notes: string[] } {
  const { snapshot, range } = h;
  const notes: string[] = [];
  const controller = snapshot.controller;
  const hpa = readHpa(snapshot.hpa.body, 'hpa.body', controller.downscaleStabilizationSeconds);
  const scale = snapshot.scale?.body === undefined ? undefined : readScale(snapshot.scale.body, 'scale.body');
  const count = Math.floor((range.end - range.start) / range.stepMs) + 1;
  const indexOf = (unixSeconds: number) => {
    const k = Math.round((unixSeconds * 1000 - range.start) / range.stepMs);
    return k >= 0 && k < count ? k : undefined;
  };
  const steps: StepInput[] = Array.from({ length: count }, () => ({
    metrics: hpa.metrics.map(() => undefined),
  }));
  hpa.metrics.forEach((spec, i) => {
    const answer = h.metrics[i];
    if (!answer) return;
    for (const series of seriesFor(spec, answer)) {
      for (const [t, value] of series.points) {
        const k = indexOf(t);
        if (k === undefined) continue;
        const step = steps[k] as StepInput;
        step.metrics[i] = withPoint(step.metrics[i], spec.type, series, value);
      }
    }
  });
  const actual = actualReplicas(h, hpa.status, indexOf, count, notes);
  actual.forEach((replicas, k) => {
    if (replicas !== undefined) (steps[k] as StepInput).actualReplicas = replicas;
  });
  if (h.pods && h.pods.source !== 'none') {
    podStates(h.pods, indexOf, count, (k) => range.start + k * range.stepMs).forEach((pods, k) => {
      (steps[k] as StepInput).pods = pods;
    });
  } else notes.push('no pod history (kube-state-metrics): the pods are assumed to be those with values');
  const containers = templateOf(snapshot);
  if (
    hpa.metrics.some(
      (m) =>
        (m.type === 'Resource' || m.type === 'ContainerResource') &&
        m.target.averageUtilization !== undefined,
    )
  ) {
    notes.push("utilization is against today's container requests: the history has no requests");
  }
  const input: ReplayInput = {
    hpa: snapshot.hpa.body,
    controller,
    selector: scale?.selector ?? '',
    containers,
    start: range.start,
    stepMs: range.stepMs,
    steps,
    initialReplicas: scale?.specReplicas ?? hpa.status.currentReplicas ?? hpa.minReplicas,
  };
  if (snapshot.serverVersion !== undefined) input.serverVersion = snapshot.serverVersion;
  return { input, notes };
}

/**
 * The series of an answer that count for `spec`: for resource metrics those of its resource, and a pod's
 * total (no container) only for a pod without per-container series.
 */
function seriesFor(spec: MetricSpec, answer: HistoryAnswer): HistorySeries[] {
  if (spec.type !== 'Resource' && spec.type !== 'ContainerResource') return answer.series;
  const own = answer.series.filter((s) => s.resource === spec.resource);
  const perContainer = new Set(
    own.filter((s) => s.container !== undefined).map((s) => s.describedObject?.name),
  );
  return own.filter((s) => s.container !== undefined || !perContainer.has(s.describedObject?.name));
}

/** `before` with one more point, shaped by the metric's source type. */
function withPoint(
  before: MetricValues | undefined,
  type: MetricSpec['type'],
  series: HistorySeries,
  value: string,
): MetricValues | undefined {
  const pod = series.describedObject?.name ?? '';
  switch (type) {
    case 'Pods': {
      const values: Extract<MetricValues, { kind: 'pods' }> =
        before?.kind === 'pods' ? before : { kind: 'pods', values: [] };
      values.values.push({ pod, value });
      return values;
    }
    case 'Resource':
    case 'ContainerResource': {
      const values: Extract<MetricValues, { kind: 'resource' }> =
        before?.kind === 'resource' ? before : { kind: 'resource', values: [] };
      values.values.push({ pod, container: series.container ?? '', value });
      return values;
    }
    case 'Object':
      return { kind: 'object', value };
    case 'External': {
      const values: Extract<MetricValues, { kind: 'external' }> =
        before?.kind === 'external' ? before : { kind: 'external', values: [] };
      values.values.push(value);
      return values;
    }
    default:
      return before;
  }
}

/**
 * The replicas that ran at each step: the HPA's currentReplicas series (kube-state-metrics), or, with
 * no such series, read back from SuccessfulRescale events and status.lastScaleTime.
 */
function actualReplicas(
  h: FetchedHistory,
  status: { currentReplicas?: number; lastScaleTime?: string },
  indexOf: (t: number) => number | undefined,
  count: number,
  notes: string[],
): (number | undefined)[] {
  const actual: (number | undefined)[] = Array(count).fill(undefined);
  if (h.replicas.source !== 'none') {
    for (const series of h.replicas.series.filter((s) => s.name === 'currentReplicas')) {
      for (const [t, value] of series.points) {
        const k = indexOf(t);
        if (k !== undefined) actual[k] = Number(value);
      }
    }
    return actual;
  }
  notes.push(
    'no replica history (kube-state-metrics): the actual replicas are read back from SuccessfulRescale events and status.lastScaleTime, which are aggregated and expire: approximate',
  );
  const events =
    h.snapshot.events?.body === undefined ? [] : readRescaleEvents(h.snapshot.events.body, 'events.body');
  const lastScale = status.lastScaleTime === undefined ? undefined : Date.parse(status.lastScaleTime);
  for (let k = 0; k < count; k++) {
    const at = h.range.start + k * h.range.stepMs;
    // Since the last rescale the count is today's; before it, the last event's; before the first event, unknown.
    if (lastScale === undefined || at >= lastScale) actual[k] = status.currentReplicas;
    else actual[k] = events.findLast((e) => e.last <= at)?.newSize;
  }
  return actual;
}

/** The pods at each step from the pod history: those with a ready point, their start and deletion. */
function podStates(
  answer: HistoryAnswer,
  indexOf: (t: number) => number | undefined,
  count: number,
  timeOf: (k: number) => number,
): PodState[][] {
  const byPod = new Map<string, { ready: (number | undefined)[]; deleted: boolean[]; startTime?: number }>();
  for (const series of answer.series) {
    const name = series.describedObject?.name;
    if (!name) continue;
    let pod = byPod.get(name);
    if (!pod) {
      pod = { ready: Array(count).fill(undefined), deleted: Array(count).fill(false) };
      byPod.set(name, pod);
    }
    for (const [t, value] of series.points) {
      if (series.name === 'startTime') pod.startTime = Number(value) * 1000;
      const k = indexOf(t);
      if (k === undefined) continue;
      if (series.name === 'ready') pod.ready[k] = Number(value);
      if (series.name === 'deleted') pod.deleted[k] = Number(value) === 1;
    }
  }
  const steps: PodState[][] = Array.from({ length: count }, () => []);
  for (const [name, pod] of [...byPod].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let since: number | undefined;
    for (let k = 0; k < count; k++) {
      const ready = pod.ready[k];
      if (ready === undefined) {
        since = undefined;
        continue;
      }
      if (k > 0 && pod.ready[k - 1] !== ready) since = timeOf(k);
      const state: PodState = { name, ready: ready === 1 };
      if (pod.startTime !== undefined) state.startTime = pod.startTime;
      if (since !== undefined) state.readySince = since;
      if (pod.deleted[k]) state.deleted = true;
      (steps[k] as PodState[]).push(state);
    }
  }
  return steps;
}

/** The containers and requests of today's first pod: the template the replayed pods are taken to have. */
function templateOf(snapshot: HPASnapshot): ContainerTemplate[] | undefined {
  const items = isObject(snapshot.pods?.body) ? snapshot.pods.body.items : undefined;
  const first = Array.isArray(items)
    ? (items[0] as { spec?: { containers?: unknown[] } } | undefined)
    : undefined;
  const containers = first?.spec?.containers;
  if (!Array.isArray(containers)) return undefined;
  return containers.map((c) => {
    const container = c as { name?: string; resources?: { requests?: Record<string, string> } };
    return { name: container.name ?? '', requests: container.resources?.requests ?? {} };
  });
}

// ---- The history API's answer (the contract of history.cmetrics.io/v1alpha1) --------------------

interface HistorySeries {
  describedObject?: { kind?: string; namespace?: string; name?: string };
  metric?: { name?: string };
  container?: string;
  resource?: string;
  /** HPA and pod endpoints: which series. */
  name?: string;
  /** [unix seconds, quantity]. */
  points: [number, string][];
}

interface HistoryAnswer {
  kind: string;
  series: HistorySeries[];
  /** HPA and pod endpoints: "kube-state-metrics", or "none" when there is no such series. */
  source?: string;
}
