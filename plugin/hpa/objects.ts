// Reading the Kubernetes objects of an HPASnapshot (as the API sent them) into the few fields the
// controller uses, with the API server's defaults applied, so that hand-written snapshots and
// objects from older servers are read like defaulted ones (pkg/apis/autoscaling/v2/defaults.go).

import { parseDuration } from '../../shared/duration.ts';
import { type LabelSelector, selectorFromLabelSelector } from '../../shared/labels.ts';
import { milliValue, parseQuantity, type Quantity, toNumber } from '../../shared/quantity.ts';
import { compareCodeUnits } from '../../shared/text.ts';
import { wrapInt64 } from './go-int.ts';

/** The zero time.Time (0001-01-01T00:00:00Z) in epoch ms: what Go holds for a missing time. */
const GO_ZERO_TIME = -62135596800000;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown): Json {
  return isObject(v) ? v : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function integer(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** RFC 3339 → epoch ms; a missing or unreadable time is Go's zero time, as the controller sees it. */
export function goTime(v: unknown): number {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? GO_ZERO_TIME : t;
}

/** A field that does not hold what the API defines: the snapshot cannot be decided past it. */
export class InvalidObject extends Error {
  override name = 'InvalidObject';
}

function quantity(v: unknown, where: string): Quantity {
  if (typeof v === 'number') return parseQuantity(String(v));
  if (typeof v !== 'string') throw new InvalidObject(`${where} is not a quantity`);
  try {
    return parseQuantity(v);
  } catch (e) {
    throw new InvalidObject(`${where}: ${(e as Error).message}`);
  }
}

/** Quantity.MilliValue() as the controller's int64. */
function milli(v: unknown, where: string): bigint {
  return wrapInt64(milliValue(quantity(v, where)));
}

// ---- HPA --------------------------------------------------------------------------------------

interface MetricTargetSpec {
  type?: string;
  averageUtilization?: number;
  averageValue?: bigint;
  value?: bigint;
}

interface MetricIdentifier {
  name: string;
  selector?: LabelSelector | null;
}

export type MetricSpec =
  | { type: 'Resource'; resource: string; target: MetricTargetSpec }
  | { type: 'ContainerResource'; resource: string; container: string; target: MetricTargetSpec }
  | { type: 'Pods'; metric: MetricIdentifier; target: MetricTargetSpec }
  | {
      type: 'Object';
      describedObject: { kind: string; name: string; apiVersion: string };
      metric: MetricIdentifier;
      target: MetricTargetSpec;
    }
  | { type: 'External'; metric: MetricIdentifier; target: MetricTargetSpec }
  | { type: 'Unknown'; typeName: string };

type SelectPolicy = 'Max' | 'Min' | 'Disabled';

interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: SelectPolicy;
  policies: ScalingPolicy[];
  /** behavior.scaleUp/scaleDown.tolerance (AsApproximateFloat64), when set. */
  tolerance?: number;
}

export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

interface HpaCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Hpa {
  namespace: string;
  name: string;
  uid?: string;
  target: { kind: string; name: string; apiVersion: string };
  minReplicas: number;
  maxReplicas: number;
  /** After defaulting: never empty. */
  metrics: MetricSpec[];
  /** True when spec.metrics was empty and the CPU 80% default stands in. */
  defaultedMetrics: boolean;
  /** Defaulted (defaults.go SetDefaults_HorizontalPodAutoscalerBehavior); undefined when spec.behavior is not set. */
  behavior?: Behavior;
  status: {
    currentReplicas?: number;
    desiredReplicas?: number;
    lastScaleTime?: string;
    conditions: HpaCondition[];
  };
}

/** autoscaling/v2 defaults.go: the rules a partially specified behavior is completed with. */
function defaultRules(direction: 'scaleUp' | 'scaleDown', downscaleWindowSeconds: number): ScalingRules {
  return direction === 'scaleUp'
    ? {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      }
    : {
        // nil in the API; maybeInitScaleDownStabilizationWindow fills in the controller flag.
        stabilizationWindowSeconds: downscaleWindowSeconds,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      };
}

function readRules(
  v: unknown,
  direction: 'scaleUp' | 'scaleDown',
  downscaleWindowSeconds: number,
): ScalingRules {
  const rules = defaultRules(direction, downscaleWindowSeconds);
  if (!isObject(v)) return rules;
  const where = `spec.behavior.${direction}`;
  const window = integer(v.stabilizationWindowSeconds);
  if (window !== undefined) rules.stabilizationWindowSeconds = window;
  const select = text(v.selectPolicy);
  if (select !== undefined) {
    if (select !== 'Max' && select !== 'Min' && select !== 'Disabled') {
      throw new InvalidObject(`${where}.selectPolicy ${JSON.stringify(select)} is not Max, Min or Disabled`);
    }
    rules.selectPolicy = select;
  }
  if (Array.isArray(v.policies)) {
    rules.policies = v.policies.map((p, i) => {
      const policy = object(p);
      const type = text(policy.type);
      const value = integer(policy.value);
      const periodSeconds = integer(policy.periodSeconds);
      if ((type !== 'Pods' && type !== 'Percent') || value === undefined || periodSeconds === undefined) {
        throw new InvalidObject(
          `${where}.policies[${i}] needs type Pods or Percent, value and periodSeconds`,
        );
      }
      return { type, value, periodSeconds };
    });
  }
  if (v.tolerance !== undefined && v.tolerance !== null) {
    rules.tolerance = toNumber(quantity(v.tolerance, `${where}.tolerance`));
  }
  return rules;
}

function readTarget(v: unknown, where: string): MetricTargetSpec {
  const t = object(v);
  const target: MetricTargetSpec = {};
  const type = text(t.type);
  if (type !== undefined) target.type = type;
  const utilization = integer(t.averageUtilization);
  if (utilization !== undefined) target.averageUtilization = utilization;
  if (t.averageValue !== undefined && t.averageValue !== null) {
    target.averageValue = milli(t.averageValue, `${where}.target.averageValue`);
  }
  if (t.value !== undefined && t.value !== null) target.value = milli(t.value, `${where}.target.value`);
  return target;
}

function readIdentifier(v: unknown, where: string): MetricIdentifier {
  const m = object(v);
  const name = text(m.name);
  if (name === undefined) throw new InvalidObject(`${where}.metric.name is missing`);
  const id: MetricIdentifier = { name };
  if (isObject(m.selector)) id.selector = m.selector as LabelSelector;
  return id;
}

function readMetric(v: unknown, i: number): MetricSpec {
  const m = object(v);
  const type = text(m.type) ?? '';
  const where = `spec.metrics[${i}]`;
  switch (type) {
    case 'Resource': {
      const r = object(m.resource);
      return { type, resource: text(r.name) ?? '', target: readTarget(r.target, `${where}.resource`) };
    }
    case 'ContainerResource': {
      const r = object(m.containerResource);
      return {
        type,
        resource: text(r.name) ?? '',
        container: text(r.container) ?? '',
        target: readTarget(r.target, `${where}.containerResource`),
      };
    }
    case 'Pods': {
      const p = object(m.pods);
      return {
        type,
        metric: readIdentifier(p.metric, `${where}.pods`),
        target: readTarget(p.target, `${where}.pods`),
      };
    }
    case 'Object': {
      const o = object(m.object);
      const d = object(o.describedObject);
      return {
        type,
        describedObject: {
          kind: text(d.kind) ?? '',
          name: text(d.name) ?? '',
          apiVersion: text(d.apiVersion) ?? '',
        },
        metric: readIdentifier(o.metric, `${where}.object`),
        target: readTarget(o.target, `${where}.object`),
      };
    }
    case 'External': {
      const e = object(m.external);
      return {
        type,
        metric: readIdentifier(e.metric, `${where}.external`),
        target: readTarget(e.target, `${where}.external`),
      };
    }
    default:
      return { type: 'Unknown', typeName: type };
  }
}

/** The autoscaling/v2 HPA with the API server's defaults applied. */
export function readHpa(body: unknown, downscaleWindowSeconds: number): Hpa {
  if (!isObject(body)) throw new InvalidObject('the HPA is not an object');
  const metadata = object(body.metadata);
  const spec = object(body.spec);
  const status = object(body.status);
  const ref = object(spec.scaleTargetRef);
  const maxReplicas = integer(spec.maxReplicas);
  if (maxReplicas === undefined) throw new InvalidObject('spec.maxReplicas is missing');
  const specMetrics = list(spec.metrics);
  const defaultedMetrics = specMetrics.length === 0;
  const metrics: MetricSpec[] = defaultedMetrics
    ? [{ type: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } }]
    : specMetrics.map(readMetric);
  const hpa: Hpa = {
    namespace: text(metadata.namespace) ?? 'default',
    name: text(metadata.name) ?? '',
    target: {
      kind: text(ref.kind) ?? '',
      name: text(ref.name) ?? '',
      apiVersion: text(ref.apiVersion) ?? '',
    },
    minReplicas: integer(spec.minReplicas) ?? 1,
    maxReplicas,
    metrics,
    defaultedMetrics,
    status: {
      conditions: list(status.conditions).filter(isObject) as unknown as HpaCondition[],
    },
  };
  if (isObject(spec.behavior)) {
    hpa.behavior = {
      scaleUp: readRules(spec.behavior.scaleUp, 'scaleUp', downscaleWindowSeconds),
      scaleDown: readRules(spec.behavior.scaleDown, 'scaleDown', downscaleWindowSeconds),
    };
  }
  const uid = text(metadata.uid);
  if (uid !== undefined) hpa.uid = uid;
  const current = integer(status.currentReplicas);
  if (current !== undefined) hpa.status.currentReplicas = current;
  const desired = integer(status.desiredReplicas);
  if (desired !== undefined) hpa.status.desiredReplicas = desired;
  const lastScaleTime = text(status.lastScaleTime);
  if (lastScaleTime !== undefined) hpa.status.lastScaleTime = lastScaleTime;
  return hpa;
}

/**
 * metav1.LabelSelector printed with Go's %+v (its generated String()), as the controller writes it
 * into External metric labels and messages: `&LabelSelector{MatchLabels:map[string]string{a: b,},MatchExpressions:[]LabelSelectorRequirement{},}`, `nil` when unset.
 */
export function goLabelSelector(selector: LabelSelector | null | undefined): string {
  if (!selector) return 'nil';
  const labels = Object.keys(selector.matchLabels ?? {})
    .sort(compareCodeUnits)
    .map((k) => `${k}: ${selector.matchLabels?.[k]},`)
    .join('');
  const expressions = (selector.matchExpressions ?? [])
    .map(
      (e) =>
        `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`,
    )
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${expressions}},}`;
}

/** Parses a metric selector as metav1.LabelSelectorAsSelector does; returns its error message. */
export function metricSelectorError(selector: LabelSelector | null | undefined): string | undefined {
  try {
    selectorFromLabelSelector(selector);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

// ---- Scale ------------------------------------------------------------------------------------

export interface Scale {
  specReplicas: number;
  statusReplicas: number;
  selector: string;
}

export function readScale(body: unknown): Scale {
  const scale = object(body);
  return {
    specReplicas: integer(object(scale.spec).replicas) ?? 0,
    statusReplicas: integer(object(scale.status).replicas) ?? 0,
    selector: text(object(scale.status).selector) ?? '',
  };
}

// ---- Pods -------------------------------------------------------------------------------------

interface ContainerRequests {
  name: string;
  /** Milli requests by resource name. */
  requests: Map<string, bigint>;
}

export interface Pod {
  name: string;
  deleted: boolean;
  phase: string;
  /** The Ready condition, when the pod has one. */
  ready?: { status: string; lastTransitionTime: number };
  /** status.startTime, when set. */
  startTime?: number;
  containers: ContainerRequests[];
  /** Init containers with restartPolicy Always (sidecars): their requests count like containers'. */
  sidecars: ContainerRequests[];
  /** Pod-level spec.resources.requests (PodLevelResources), when set. */
  podRequests?: Map<string, bigint>;
}

function readRequests(resources: unknown, where: string): Map<string, bigint> {
  const requests = new Map<string, bigint>();
  for (const [name, q] of Object.entries(object(object(resources).requests))) {
    requests.set(name, milli(q, `${where}.resources.requests.${name}`));
  }
  return requests;
}

function readContainers(v: unknown, where: string): ContainerRequests[] {
  return list(v).map((c, i) => {
    const container = object(c);
    return {
      name: text(container.name) ?? '',
      requests: readRequests(container.resources, `${where}[${i}]`),
    };
  });
}

export function readPods(body: unknown): Pod[] {
  return list(object(body).items).map((item) => {
    const p = object(item);
    const metadata = object(p.metadata);
    const spec = object(p.spec);
    const status = object(p.status);
    const name = text(metadata.name) ?? '';
    const where = `pod ${name} spec`;
    const pod: Pod = {
      name,
      deleted: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
      phase: text(status.phase) ?? '',
      containers: readContainers(spec.containers, `${where}.containers`),
      sidecars: readContainers(
        list(spec.initContainers).filter((c) => object(c).restartPolicy === 'Always'),
        `${where}.initContainers`,
      ),
    };
    const ready = list(status.conditions)
      .map(object)
      .find((c) => c.type === 'Ready');
    if (ready)
      pod.ready = { status: text(ready.status) ?? '', lastTransitionTime: goTime(ready.lastTransitionTime) };
    if (status.startTime !== undefined && status.startTime !== null) pod.startTime = goTime(status.startTime);
    if (isObject(spec.resources)) {
      const podRequests = readRequests(spec.resources, where);
      if (podRequests.size > 0) pod.podRequests = podRequests;
    }
    return pod;
  });
}

// ---- Metric answers ---------------------------------------------------------------------------

/** One value the metrics client hands to the replica calculator (metricsclient.PodMetric). */
export interface PodMetricSample {
  value: bigint;
  timestamp: number;
  windowMs: number;
}

/** The window a metrics server writes ("30s", "1m0s"); a missing or malformed one counts as none, as in Go's zero value. */
function goDurationMs(v: unknown): number {
  if (typeof v !== 'string') return 0;
  try {
    return parseDuration(v);
  } catch {
    return 0;
  }
}

/**
 * A PodMetricsList as getPodMetrics / getContainerMetrics read it: a pod's value is the sum of its
 * containers' usage (a pod with a container lacking the resource, or with no containers, has none),
 * or the named container's usage. Later items with the same name replace earlier ones (a Go map).
 */
export function readPodMetrics(
  body: unknown,
  resource: string,
  container: string,
): Map<string, PodMetricSample> {
  const samples = new Map<string, PodMetricSample>();
  for (const item of list(object(body).items)) {
    const m = object(item);
    const name = text(object(m.metadata).name) ?? '';
    const base = { timestamp: goTime(m.timestamp), windowMs: goDurationMs(m.window) };
    const containers = list(m.containers).map(object);
    if (container !== '') {
      const c = containers.find((x) => x.name === container);
      const usage = c ? object(c.usage)[resource] : undefined;
      if (usage !== undefined)
        samples.set(name, { ...base, value: milli(usage, `usage of ${name}/${container}`) });
      continue;
    }
    let sum = 0n;
    let missing = containers.length === 0;
    for (const c of containers) {
      const usage = object(c.usage)[resource];
      if (usage === undefined) {
        missing = true;
        break;
      }
      sum = wrapInt64(sum + milli(usage, `usage of ${name}/${text(c.name)}`));
    }
    if (!missing) samples.set(name, { ...base, value: sum });
  }
  return samples;
}

/** Items of a MetricValueList (custom.metrics.k8s.io v1beta1 or v1beta2). */
function metricValues(body: unknown): Json[] {
  return list(object(body).items).map(object);
}

/** custom pods/* answers by pod name (GetRawMetric); the window defaults to one minute. */
export function readPodsMetricValues(body: unknown): Map<string, PodMetricSample> {
  const samples = new Map<string, PodMetricSample>();
  for (const m of metricValues(body)) {
    const name = text(object(m.describedObject).name) ?? '';
    const seconds = integer(m.windowSeconds) ?? integer(m.window);
    samples.set(name, {
      value: milli(m.value, `value of ${name}`),
      timestamp: goTime(m.timestamp),
      windowMs: seconds === undefined ? 60_000 : seconds * 1000,
    });
  }
  return samples;
}

/** The single object value GetForObject insists on; undefined with the client's error otherwise. */
export function readObjectMetricValue(
  body: unknown,
): { value: bigint; timestamp: number } | { error: string } {
  const items = isObject(body) && body.kind === 'MetricValue' ? [body] : metricValues(body);
  if (items.length !== 1) {
    return {
      error: `the custom metrics API server returned ${items.length} results when we asked for exactly one`,
    };
  }
  const item = items[0] as Json;
  return { value: milli(item.value, 'the object metric value'), timestamp: goTime(item.timestamp) };
}

/** External values in answer order, with the first item's timestamp. */
export function readExternalValues(body: unknown): { values: bigint[]; timestamp: number } {
  const items = list(object(body).items).map(object);
  return {
    values: items.map((m, i) => milli(m.value, `external value ${i}`)),
    timestamp: goTime(items[0]?.timestamp),
  };
}

// ---- Events -----------------------------------------------------------------------------------

export interface RescaleEvent {
  newSize: number;
  reason: string;
  /** The first and last time it was seen, epoch ms (second resolution). */
  first: number;
  last: number;
  count: number;
}

/** SuccessfulRescale events ("New size: N; reason: R") from an EventList (core/v1 or events.k8s.io/v1). */
export function readRescaleEvents(body: unknown): RescaleEvent[] {
  const events: RescaleEvent[] = [];
  for (const item of list(object(body).items)) {
    const e = object(item);
    if (e.reason !== 'SuccessfulRescale') continue;
    const message = text(e.message) ?? text(e.note) ?? '';
    const match = /^New size: (\d+); reason: (.*)$/s.exec(message);
    if (!match) continue;
    const series = object(e.series);
    const created = text(object(e.metadata).creationTimestamp);
    const lastText = text(e.lastTimestamp) ?? text(series.lastObservedTime) ?? text(e.eventTime) ?? created;
    const firstText = text(e.firstTimestamp) ?? text(e.eventTime) ?? lastText;
    if (lastText === undefined || firstText === undefined) continue;
    events.push({
      newSize: Number(match[1]),
      reason: match[2] as string,
      first: Date.parse(firstText),
      last: Date.parse(lastText),
      count: integer(e.count) ?? integer(series.count) ?? 1,
    });
  }
  return events.sort((a, b) => a.last - b.last);
}
