// The HPA controller replayed over history: at each step the snapshot it would have read then (the HPA
// with the status of that step, the target's scale at the REPLAYED replicas, the pods, the metric
// answers) goes through decideWithMemory with the controller's memory carried forward exactly as
// kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go keeps it, and the replicas follow
// the replayed decisions. Pure: the history comes in as values per step (cluster/history.ts reads it).

import { isoTime } from '../../shared/duration.ts';
import { milliValue, parseQuantity } from '../../shared/quantity.ts';
import { decideWithMemory } from './decision.ts';
import { isObject, type Json } from './fields.ts';
import { ControllerMemory } from './memory.ts';
import { CONTROLLER_CONSTANTS } from './normalize.ts';
import { type Hpa, type MetricSpec, readHpa } from './objects.ts';
import {
  type ControllerSettings,
  type Fetched,
  type HPASnapshot,
  SNAPSHOT_API_VERSION,
  SNAPSHOT_KIND,
} from './snapshot.ts';
import type { Decision, ExpectedCondition, MetricDecision } from './types.ts';

/**
 * Replays the controller over `input.steps` (one per step from `input.start`). The first pass finds
 * no memory, as a new controller (recordInitialRecommendation stores the current count first).
 */
export function replay(input: ReplayInput): Replay {
  const hpa = readHpa(input.hpa, 'hpa', input.controller.downscaleStabilizationSeconds);
  const memory = new ControllerMemory();
  const warmUpMs = warmUpSeconds(hpa, input.controller) * 1000;
  const stepSeconds = input.stepMs / 1000;
  let replicas = firstReplicas(input);
  let lastScaleTime: string | undefined;
  let conditions: ExpectedCondition[] = [];
  let desiredBefore: number | undefined;
  const steps: ReplayStep[] = [];
  const changes: ReplayChange[] = [];
  input.steps.forEach((step, i) => {
    const at = input.start + i * input.stepMs;
    // Each pass is requeued a sync period after the last one ended (horizontal.go processNextWorkItem,
    // AddRateLimited), so passes drift later: a recommendation exactly one window old has left it.
    const now = at + i;
    const seen = worldAt(input, step, hpa, replicas);
    const status: Json = { currentReplicas: replicas, conditions };
    if (desiredBefore !== undefined) status.desiredReplicas = desiredBefore;
    if (lastScaleTime !== undefined) status.lastScaleTime = lastScaleTime;
    memory.recordInitial(replicas, now);
    const snapshot = snapshotAt(input, hpa, seen, replicas, status, now);
    const decision = decideWithMemory(snapshot, memory, CONTROLLER_CONSTANTS, { thresholds: false });
    // The prenormalized recommendation is stored by normalization, which runs only on the metrics branch.
    const prenormalized = decision.branch === 'Metrics' ? decision.normalization[0]?.input : undefined;
    if (prenormalized !== undefined) {
      memory.storeRecommendation(
        hpa.behavior,
        input.controller.downscaleStabilizationSeconds,
        prenormalized,
        now,
      );
    }
    const because = [...seen.because];
    for (const m of decision.metrics) {
      if (step.metrics[m.index] === undefined) because.push(`${m.name} has no value at this step`);
    }
    if (at - input.start < warmUpMs) {
      because.push(
        `the controller's memory from before ${isoTime(input.start)} is not known (its first ${warmUpMs / 1000}s)`,
      );
    }
    const out: ReplayStep = {
      at,
      replicas,
      desired: decision.desiredReplicas,
      metrics: decision.metrics.map((m) => stepMetric(m, step.metrics[m.index] === undefined)),
      state: stateOf(decision, step),
      precision: because.length ? { kind: 'approximate', because } : { kind: 'exact' },
    };
    if (step.actualReplicas !== undefined) out.actual = step.actualReplicas;
    if (decision.proposal !== undefined) out.proposal = decision.proposal;
    steps.push(out);
    if (decision.rescale) {
      memory.storeScaleEvent(hpa.behavior, replicas, decision.desiredReplicas, now);
      changes.push({ at, from: replicas, to: decision.desiredReplicas, decision });
      lastScaleTime = new Date(Math.floor(now / 1000) * 1000).toISOString();
      replicas = decision.desiredReplicas;
    }
    desiredBefore = decision.desiredReplicas;
    conditions = merged(conditions, decision.conditions);
  });
  return {
    start: input.start,
    stepSeconds,
    minReplicas: hpa.minReplicas,
    maxReplicas: hpa.maxReplicas,
    steps,
    changes,
    held: heldPeriods(steps, input.stepMs),
    summary: summarize(steps, changes, stepSeconds),
  };
}

/** The count the replay starts from: the actual one at the first step that knows it, else the given one. */
function firstReplicas(input: ReplayInput): number {
  return input.steps.find((s) => s.actualReplicas !== undefined)?.actualReplicas ?? input.initialReplicas;
}

/** How long the controller's memory reaches back: the longest stabilization window or policy period. */
function warmUpSeconds(hpa: Hpa, controller: ControllerSettings): number {
  if (!hpa.behavior) return controller.downscaleStabilizationSeconds;
  const rules = [hpa.behavior.scaleUp, hpa.behavior.scaleDown];
  return Math.max(
    ...rules.map((r) => r.stabilizationWindowSeconds),
    ...rules.flatMap((r) => r.policies.map((p) => p.periodSeconds)),
  );
}

/** setCondition: this pass's conditions replace those of their type, the others stay. */
function merged(before: ExpectedCondition[], now: ExpectedCondition[]): ExpectedCondition[] {
  return [...before.filter((c) => !now.some((n) => n.type === c.type)), ...now];
}

// ---- What the controller reads at a step ------------------------------------------------------

/** The pods and metric values of one step as the replayed world has them, and what is assumed. */
interface World {
  pods: PodState[];
  /** scale.status.replicas */
  statusReplicas: number;
  metrics: (MetricValues | undefined)[];
  because: string[];
}

const isPodBased = (v: MetricValues | undefined): v is PodValues | ResourceValues =>
  v?.kind === 'pods' || v?.kind === 'resource';

/**
 * The pods and values at a step. When the replayed count differs from the pods that really ran, their
 * total load is spread evenly over the replayed pods (the per-pod metrics only; object and external
 * values do not depend on the replicas).
 */
function worldAt(input: ReplayInput, step: StepInput, hpa: Hpa, replicas: number): World {
  const because: string[] = [];
  const withValues = new Set<string>();
  for (const m of step.metrics) if (isPodBased(m)) for (const v of m.values) withValues.add(v.pod);
  const podBased = hpa.metrics.some(
    (m) => m.type === 'Resource' || m.type === 'ContainerResource' || m.type === 'Pods',
  );
  let running: number;
  if (step.actualReplicas !== undefined) running = step.actualReplicas;
  else {
    because.push('actual replicas unknown');
    // Object and external values tell nothing of the pods: the replayed count stands.
    running = step.pods ? step.pods.filter((p) => !p.deleted).length : podBased ? withValues.size : replicas;
  }
  if (running === replicas) {
    if (step.pods) {
      return {
        pods: step.pods,
        statusReplicas: step.pods.filter((p) => !p.deleted).length,
        metrics: step.metrics,
        because,
      };
    }
    if (podBased) because.push('no pod set known: pods assumed to be those with values');
    const names = podBased ? [...withValues].sort() : replayedNames(replicas);
    return {
      pods: names.map((name) => ({ name, ready: true, startTime: input.start - HOUR })),
      statusReplicas: replicas,
      metrics: step.metrics,
      because,
    };
  }
  because.push(
    'the replayed count differs from the pods that ran: their per-pod load is spread over the replayed pods',
  );
  const names = replayedNames(replicas);
  return {
    pods: names.map((name) => ({ name, ready: true, startTime: input.start - HOUR })),
    statusReplicas: replicas,
    metrics: step.metrics.map((m) => (isPodBased(m) ? spread(m, names) : m)),
    because,
  };
}

const HOUR = 3_600_000;
const replayedNames = (n: number) => Array.from({ length: n }, (_, i) => `replayed-${i + 1}`);

/** The values' total (per container for resource metrics) shared by `pods`, the remainder one milli at a time. */
function spread(m: PodValues | ResourceValues, pods: string[]): PodValues | ResourceValues {
  if (pods.length === 0) return { ...m, values: [] } as PodValues | ResourceValues;
  const totals = new Map<string, bigint>();
  for (const v of m.values) {
    const key = 'container' in v ? v.container : '';
    totals.set(key, (totals.get(key) ?? 0n) + milliValue(parseQuantity(v.value)));
  }
  const n = BigInt(pods.length);
  const share = (total: bigint, i: number) => `${total / n + (BigInt(i) < total % n ? 1n : 0n)}m`;
  if (m.kind === 'pods') {
    const total = totals.get('') ?? 0n;
    return { kind: 'pods', values: pods.map((pod, i) => ({ pod, value: share(total, i) })) };
  }
  return {
    kind: 'resource',
    values: pods.flatMap((pod, i) =>
      [...totals].map(([container, total]) => ({ pod, container, value: share(total, i) })),
    ),
  };
}

/** The snapshot the controller would have read at `now`. */
function snapshotAt(
  input: ReplayInput,
  hpa: Hpa,
  world: World,
  replicas: number,
  status: Json,
  now: number,
): HPASnapshot {
  const takenAt = new Date(now).toISOString();
  const ns = hpa.namespace;
  const body = isObject(input.hpa) ? input.hpa : {};
  const snapshot: HPASnapshot = {
    apiVersion: SNAPSHOT_API_VERSION,
    kind: SNAPSHOT_KIND,
    takenAt,
    controller: input.controller,
    hpa: {
      path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${hpa.name}`,
      body: { ...body, status },
    },
    scale: {
      path: REPLAYED,
      body: {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        spec: { replicas },
        status: { replicas: world.statusReplicas, selector: input.selector },
      },
    },
    pods: {
      path: REPLAYED,
      body: {
        kind: 'PodList',
        apiVersion: 'v1',
        items: world.pods.map((p) => podJson(p, ns, input.containers)),
      },
    },
    metrics: hpa.metrics.map((spec, i) => answerOf(spec, world.metrics[i], ns, takenAt)),
  };
  if (input.serverVersion !== undefined) snapshot.serverVersion = input.serverVersion;
  return snapshot;
}

/** RFC 3339 of a pod's times, which repeat at every step: formatted once each. */
const ISO = new Map<number, string>();
function iso(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  let text = ISO.get(ms);
  if (text === undefined) {
    if (ISO.size > 100_000) ISO.clear();
    text = new Date(ms).toISOString();
    ISO.set(ms, text);
  }
  return text;
}

function podJson(p: PodState, namespace: string, containers: readonly ContainerTemplate[] | undefined): Json {
  const ready = iso(p.readySince ?? p.startTime);
  return {
    metadata: {
      name: p.name,
      namespace,
      ...(p.deleted ? { deletionTimestamp: iso(p.startTime ?? 0) } : {}),
    },
    spec: {
      containers: (containers ?? []).map((c) => ({ name: c.name, resources: { requests: c.requests } })),
    },
    status: {
      phase: 'Running',
      conditions: [
        {
          type: 'Ready',
          status: p.ready ? 'True' : 'False',
          ...(ready ? { lastTransitionTime: ready } : {}),
        },
      ],
      ...(p.startTime !== undefined ? { startTime: iso(p.startTime) } : {}),
    },
  };
}

/** The metrics API answer of one metric at a step; a missing value is an empty answer. */
function answerOf(
  spec: MetricSpec,
  values: MetricValues | undefined,
  namespace: string,
  timestamp: string,
): Fetched<unknown> | null {
  const path = REPLAYED;
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const byPod = new Map<string, Json[]>();
      for (const v of values?.kind === 'resource' ? values.values : []) {
        const containers = byPod.get(v.pod) ?? [];
        containers.push({ name: v.container, usage: { [spec.resource]: v.value } });
        byPod.set(v.pod, containers);
      }
      return {
        path,
        body: {
          kind: 'PodMetricsList',
          apiVersion: 'metrics.k8s.io/v1beta1',
          items: [...byPod].map(([name, containers]) => ({
            metadata: { name, namespace },
            timestamp,
            window: RESOURCE_WINDOW,
            containers,
          })),
        },
      };
    }
    case 'Pods':
      return {
        path,
        body: {
          kind: 'MetricValueList',
          apiVersion: 'custom.metrics.k8s.io/v1beta2',
          items: (values?.kind === 'pods' ? values.values : []).map((v) => ({
            describedObject: { kind: 'Pod', namespace, name: v.pod, apiVersion: '/v1' },
            metric: { name: spec.metric.name },
            timestamp,
            value: v.value,
          })),
        },
      };
    case 'Object':
      return {
        path,
        body: {
          kind: 'MetricValueList',
          apiVersion: 'custom.metrics.k8s.io/v1beta2',
          items:
            values?.kind === 'object'
              ? [
                  {
                    describedObject: spec.describedObject,
                    metric: { name: spec.metric.name },
                    timestamp,
                    value: values.value,
                  },
                ]
              : [],
        },
      };
    case 'External':
      return {
        path,
        body: {
          kind: 'ExternalMetricValueList',
          apiVersion: 'external.metrics.k8s.io/v1beta1',
          items: (values?.kind === 'external' ? values.values : []).map((value) => ({
            metricName: spec.metric.name,
            timestamp,
            value,
          })),
        },
      };
    default:
      return null;
  }
}

/** The path of the replay's answers: they were built from history, not asked. */
const REPLAYED = 'replayed from history';

/** The window the resource values are taken to cover (the history does not carry it). */
const RESOURCE_WINDOW = '30s';

// ---- What a step shows ------------------------------------------------------------------------

function stepMetric(m: MetricDecision, missing: boolean): StepMetric {
  const out: StepMetric = {
    index: m.index,
    name: m.name,
    targetType: m.targetType,
    target: amount(m.target),
    missing,
  };
  const value = comparedValue(m);
  if (value !== undefined) out.value = value;
  if (m.ratio !== undefined) out.ratio = m.ratio;
  if (m.proposal !== undefined) out.proposal = m.proposal;
  return out;
}

const amount = (v: number | bigint) => (typeof v === 'bigint' ? Number(v) / 1000 : v);

/** The value compared with the target: percent for Utilization, else the quantity as a number. */
function comparedValue(m: MetricDecision): number | undefined {
  const c = m.current;
  if (!c) return undefined;
  if (m.targetType === 'Utilization') return c.averageUtilization;
  const v = m.targetType === 'Value' ? c.value : (c.averageValue ?? c.value);
  return v === undefined ? undefined : amount(v);
}

function stateOf(d: Decision, step: StepInput): StepState {
  if (d.branch === 'ScalingDisabled') return 'Disabled';
  if (d.heldByFailures || d.selectorProblem) {
    return d.metrics.some((m) => m.failure && step.metrics[m.index] === undefined)
      ? 'MetricMissing'
      : 'MetricFailed';
  }
  if (d.desiredReplicas > d.currentReplicas) return 'ScaleUp';
  if (d.desiredReplicas < d.currentReplicas) return 'ScaleDown';
  const [stabilize, limit] = d.normalization;
  if (d.proposal === undefined || d.proposal === d.currentReplicas || !stabilize) return 'Steady';
  if (stabilize.output === d.currentReplicas) return 'Stabilized';
  switch (limit?.reason) {
    case 'TooManyReplicas':
      return 'AtMax';
    case 'TooFewReplicas':
      return 'AtMin';
    case 'ScaleUpLimit':
    case 'ScaleDownLimit':
      return 'RateLimited';
    default:
      return 'Steady';
  }
}

const HOLDING: readonly StepState[] = [
  'Stabilized',
  'RateLimited',
  'AtMax',
  'AtMin',
  'MetricMissing',
  'MetricFailed',
];

/** Consecutive steps held in the same state, merged. */
function heldPeriods(steps: readonly ReplayStep[], stepMs: number): HeldPeriod[] {
  const held: HeldPeriod[] = [];
  for (const s of steps) {
    if (!HOLDING.includes(s.state)) continue;
    const last = held[held.length - 1];
    if (last && last.state === s.state && last.replicas === s.replicas && last.to === s.at) {
      last.to = s.at + stepMs;
      last.steps++;
      if (s.proposal !== undefined) {
        last.proposal = {
          min: Math.min(last.proposal?.min ?? s.proposal, s.proposal),
          max: Math.max(last.proposal?.max ?? s.proposal, s.proposal),
        };
      }
      continue;
    }
    const period: HeldPeriod = {
      from: s.at,
      to: s.at + stepMs,
      state: s.state,
      replicas: s.replicas,
      steps: 1,
    };
    if (s.proposal !== undefined) period.proposal = { min: s.proposal, max: s.proposal };
    held.push(period);
  }
  return held;
}

function summarize(
  steps: readonly ReplayStep[],
  changes: readonly ReplayChange[],
  stepSeconds: number,
): ReplaySummary {
  const summary: ReplaySummary = {
    steps: steps.length,
    exactSteps: steps.filter((s) => s.precision.kind === 'exact').length,
    replicaSeconds: steps.reduce((sum, s) => sum + s.replicas * stepSeconds, 0),
    aboveTargetSeconds: steps.filter((s) => s.metrics.some((m) => (m.ratio ?? 0) > 1)).length * stepSeconds,
    scaleEvents: changes.length,
    largestStep: Math.max(0, ...changes.map((c) => Math.abs(c.to - c.from))),
  };
  const known = steps.flatMap((s, i) => (s.actual === undefined ? [] : [i]));
  if (known.length > 0) {
    const replayedChanges = new Set(changes.map((c) => steps.findIndex((s) => s.at === c.at) + 1));
    let actualChanges = 0;
    let matched = 0;
    for (let k = 1; k < known.length; k++) {
      const i = known[k] as number;
      const previous = steps[known[k - 1] as number]?.actual;
      if (steps[i]?.actual === previous) continue;
      actualChanges++;
      if ([i - 1, i, i + 1].some((j) => replayedChanges.has(j))) matched++;
    }
    summary.agreement = {
      steps: known.length,
      equal: known.filter((i) => steps[i]?.actual === steps[i]?.replicas).length,
      actualChanges,
      matched,
    };
  }
  return summary;
}

// ---- The replay's words -----------------------------------------------------------------------

/** A pod as the history knows it at a step. */
export interface PodState {
  name: string;
  ready: boolean;
  /** When the Ready condition last changed (epoch ms); default: startTime. */
  readySince?: number;
  startTime?: number;
  deleted?: boolean;
}

/** Per-pod values of a Pods metric (custom.metrics.k8s.io pods/*), as quantities. */
interface PodValues {
  kind: 'pods';
  values: { pod: string; value: string }[];
}

/** Per-container usage of a Resource/ContainerResource metric (metrics.k8s.io). */
interface ResourceValues {
  kind: 'resource';
  values: { pod: string; container: string; value: string }[];
}

/** One metric's values at one step, as the metrics API would have answered. */
export type MetricValues =
  | PodValues
  | ResourceValues
  | { kind: 'object'; value: string }
  | { kind: 'external'; values: string[] };

/** What the history tells about one step. */
export interface StepInput {
  /** One per hpa.spec.metrics[i] (after defaulting); undefined: no value at this step. */
  metrics: (MetricValues | undefined)[];
  /** The pods at this step, when the history knows them. */
  pods?: PodState[];
  /** The replicas that really ran, when known. */
  actualReplicas?: number;
}

/** A container of the pod template and its requests (quantities by resource), for Utilization targets. */
export interface ContainerTemplate {
  name: string;
  requests: Record<string, string>;
}

export interface ReplayInput {
  /** The HPA as the API sent it (autoscaling/v2): its spec is what is replayed. */
  hpa: unknown;
  controller: ControllerSettings;
  serverVersion?: string;
  /** The scale's pod selector (scale.status.selector). */
  selector: string;
  /** The pods' containers and requests (today's template: the history has no requests). */
  containers?: ContainerTemplate[];
  /** Epoch ms of the first step. */
  start: number;
  stepMs: number;
  steps: StepInput[];
  /** The count to start from when no step knows the actual one. */
  initialReplicas: number;
}

/** What the replayed controller does at a step. */
export type StepState =
  | 'ScaleUp'
  | 'ScaleDown'
  /** The proposal differs, the stabilization window holds the count. */
  | 'Stabilized'
  /** The proposal differs, the rate limit (policies, or the scale-up limit) holds the count. */
  | 'RateLimited'
  | 'AtMax'
  | 'AtMin'
  /** A metric had no value and the controller kept the count. */
  | 'MetricMissing'
  | 'MetricFailed'
  /** The target has 0 replicas and minReplicas > 0: autoscaling is off. */
  | 'Disabled'
  | 'Steady';

export interface StepMetric {
  index: number;
  name: string;
  targetType: MetricDecision['targetType'];
  /** Percent for Utilization, else the quantity as a number (800m → 0.8). */
  target: number;
  value?: number;
  ratio?: number;
  proposal?: number;
  /** The history has no value at this step. */
  missing: boolean;
}

type StepPrecision = { kind: 'exact' } | { kind: 'approximate'; because: string[] };

export interface ReplayStep {
  /** Epoch ms. */
  at: number;
  /** The replayed count the controller read (scale.spec.replicas). */
  replicas: number;
  /** What the pass set: the next step's replicas. */
  desired: number;
  actual?: number;
  proposal?: number;
  metrics: StepMetric[];
  state: StepState;
  precision: StepPrecision;
}

/** A replayed rescale and the decision that made it. */
export interface ReplayChange {
  at: number;
  from: number;
  to: number;
  decision: Decision;
}

export interface HeldPeriod {
  from: number;
  /** End, exclusive. */
  to: number;
  state: StepState;
  replicas: number;
  steps: number;
  proposal?: { min: number; max: number };
}

export interface ReplaySummary {
  steps: number;
  exactSteps: number;
  replicaSeconds: number;
  /** Steps where some metric was above its target (ratio > 1), in seconds. */
  aboveTargetSeconds: number;
  scaleEvents: number;
  /** The largest single rescale, in replicas. */
  largestStep: number;
  /** Against the actual replicas: steps known and equal, actual changes and those matched by a replayed one within ±1 step. */
  agreement?: { steps: number; equal: number; actualChanges: number; matched: number };
}

export interface Replay {
  start: number;
  stepSeconds: number;
  minReplicas: number;
  maxReplicas: number;
  steps: ReplayStep[];
  changes: ReplayChange[];
  held: HeldPeriod[];
  summary: ReplaySummary;
}
