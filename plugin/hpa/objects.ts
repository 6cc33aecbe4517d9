// Reading the Kubernetes objects of an HPASnapshot (as the API sent them) into the few fields the
// controller uses, with the API server's defaults applied, so that hand-written snapshots and
// objects from older servers are read like defaulted ones (pkg/apis/autoscaling/v2/defaults.go).
// Every reader takes `where`, the object's JSON path in the snapshot (`hpa.body`), so that a field of
// the wrong type is named by its full path (fields.ts).

import { type LabelSelector, selectorFromLabelSelector } from '../../shared/labels.ts';
import { toNumber } from '../../shared/quantity.ts';
import { compareCodeUnits } from '../../shared/text.ts';
import {
  at,
  expectKind,
  goTime,
  InvalidField,
  int32,
  isObject,
  list,
  milli,
  object,
  optionalObject,
  quantity,
  required,
  text,
  time,
} from './fields.ts';

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
  /** A type the controller does not know; `where` is the JSON path of its `type`. */
  | { type: 'Unknown'; typeName: string; where: string };

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
  where: string,
): ScalingRules {
  const rules = defaultRules(direction, downscaleWindowSeconds);
  const r = optionalObject(v, where);
  if (!r) return rules;
  const window = int32(r.stabilizationWindowSeconds, at(where, 'stabilizationWindowSeconds'));
  if (window !== undefined) rules.stabilizationWindowSeconds = window;
  const selectWhere = at(where, 'selectPolicy');
  const select = text(r.selectPolicy, selectWhere);
  if (select !== undefined) {
    if (select !== 'Max' && select !== 'Min' && select !== 'Disabled') {
      throw new InvalidField(selectWhere, 'Max, Min or Disabled', select);
    }
    rules.selectPolicy = select;
  }
  if (r.policies !== undefined && r.policies !== null) {
    const policiesWhere = at(where, 'policies');
    rules.policies = list(r.policies, policiesWhere).map((p, i) => {
      const policyWhere = at(policiesWhere, i);
      const policy = object(p, policyWhere);
      const typeWhere = at(policyWhere, 'type');
      const type = text(policy.type, typeWhere);
      if (type !== 'Pods' && type !== 'Percent') throw new InvalidField(typeWhere, 'Pods or Percent', type);
      const value = at(policyWhere, 'value');
      const period = at(policyWhere, 'periodSeconds');
      return {
        type,
        value: required(int32(policy.value, value), value, 'an integer'),
        periodSeconds: required(int32(policy.periodSeconds, period), period, 'an integer'),
      };
    });
  }
  if (r.tolerance !== undefined && r.tolerance !== null) {
    rules.tolerance = toNumber(quantity(r.tolerance, at(where, 'tolerance')));
  }
  return rules;
}

function readTarget(v: unknown, where: string): MetricTargetSpec {
  const t = object(v, where);
  const target: MetricTargetSpec = {};
  const type = text(t.type, at(where, 'type'));
  if (type !== undefined) target.type = type;
  const utilization = int32(t.averageUtilization, at(where, 'averageUtilization'));
  if (utilization !== undefined) target.averageUtilization = utilization;
  if (t.averageValue !== undefined && t.averageValue !== null) {
    target.averageValue = milli(t.averageValue, at(where, 'averageValue'));
  }
  if (t.value !== undefined && t.value !== null) target.value = milli(t.value, at(where, 'value'));
  return target;
}

/** A metav1.LabelSelector, its fields checked so that the selector parser sees strings only. */
function readSelector(v: unknown, where: string): LabelSelector | undefined {
  const s = optionalObject(v, where);
  if (!s) return undefined;
  const selector: LabelSelector = {};
  const labelsWhere = at(where, 'matchLabels');
  const labels = optionalObject(s.matchLabels, labelsWhere);
  if (labels) {
    selector.matchLabels = Object.fromEntries(
      Object.entries(labels).map(([k, value]) => [k, text(value, at(labelsWhere, k)) ?? '']),
    );
  }
  const expressionsWhere = at(where, 'matchExpressions');
  if (s.matchExpressions !== undefined && s.matchExpressions !== null) {
    selector.matchExpressions = list(s.matchExpressions, expressionsWhere).map((e, i) => {
      const eWhere = at(expressionsWhere, i);
      const x = object(e, eWhere);
      const valuesWhere = at(eWhere, 'values');
      const requirement: NonNullable<LabelSelector['matchExpressions']>[number] = {
        key: text(x.key, at(eWhere, 'key')) ?? '',
        operator: text(x.operator, at(eWhere, 'operator')) ?? '',
      };
      if (x.values !== undefined && x.values !== null) {
        requirement.values = list(x.values, valuesWhere).map(
          (value, j) => text(value, at(valuesWhere, j)) ?? '',
        );
      }
      return requirement;
    });
  }
  return selector;
}

function readIdentifier(v: unknown, where: string): MetricIdentifier {
  const m = object(v, where);
  const nameWhere = at(where, 'name');
  const id: MetricIdentifier = { name: required(text(m.name, nameWhere), nameWhere, 'a string') };
  const selector = readSelector(m.selector, at(where, 'selector'));
  if (selector) id.selector = selector;
  return id;
}

function readMetric(v: unknown, where: string): MetricSpec {
  const m = object(v, where);
  const typeWhere = at(where, 'type');
  const type = text(m.type, typeWhere) ?? '';
  switch (type) {
    case 'Resource': {
      const rWhere = at(where, 'resource');
      const r = object(m.resource, rWhere);
      return {
        type,
        resource: text(r.name, at(rWhere, 'name')) ?? '',
        target: readTarget(r.target, at(rWhere, 'target')),
      };
    }
    case 'ContainerResource': {
      const rWhere = at(where, 'containerResource');
      const r = object(m.containerResource, rWhere);
      return {
        type,
        resource: text(r.name, at(rWhere, 'name')) ?? '',
        container: text(r.container, at(rWhere, 'container')) ?? '',
        target: readTarget(r.target, at(rWhere, 'target')),
      };
    }
    case 'Pods': {
      const pWhere = at(where, 'pods');
      const p = object(m.pods, pWhere);
      return {
        type,
        metric: readIdentifier(p.metric, at(pWhere, 'metric')),
        target: readTarget(p.target, at(pWhere, 'target')),
      };
    }
    case 'Object': {
      const oWhere = at(where, 'object');
      const o = object(m.object, oWhere);
      const dWhere = at(oWhere, 'describedObject');
      const d = object(o.describedObject, dWhere);
      return {
        type,
        describedObject: {
          kind: text(d.kind, at(dWhere, 'kind')) ?? '',
          name: text(d.name, at(dWhere, 'name')) ?? '',
          apiVersion: text(d.apiVersion, at(dWhere, 'apiVersion')) ?? '',
        },
        metric: readIdentifier(o.metric, at(oWhere, 'metric')),
        target: readTarget(o.target, at(oWhere, 'target')),
      };
    }
    case 'External': {
      const eWhere = at(where, 'external');
      const e = object(m.external, eWhere);
      return {
        type,
        metric: readIdentifier(e.metric, at(eWhere, 'metric')),
        target: readTarget(e.target, at(eWhere, 'target')),
      };
    }
    default:
      // The API server refuses other types; the controller fails such a metric alone
      // (horizontal.go computeReplicasForMetric: InvalidMetricSourceType), and so does metric.ts.
      return { type: 'Unknown', typeName: type, where: typeWhere };
  }
}

export function readCondition(v: unknown, where: string): HpaCondition {
  const c = object(v, where);
  const condition: HpaCondition = {
    type: text(c.type, at(where, 'type')) ?? '',
    status: text(c.status, at(where, 'status')) ?? '',
  };
  const reason = text(c.reason, at(where, 'reason'));
  if (reason !== undefined) condition.reason = reason;
  const message = text(c.message, at(where, 'message'));
  if (message !== undefined) condition.message = message;
  const timeWhere = at(where, 'lastTransitionTime');
  if (time(c.lastTransitionTime, timeWhere) !== undefined) {
    condition.lastTransitionTime = c.lastTransitionTime as string;
  }
  return condition;
}

/** The autoscaling/v2 HPA with the API server's defaults applied. */
export function readHpa(body: unknown, where: string, downscaleWindowSeconds: number): Hpa {
  if (!isObject(body)) throw new InvalidField(where, 'an object (a HorizontalPodAutoscaler)', body);
  expectKind(body, where, ['HorizontalPodAutoscaler']);
  // autoscaling/v1 and v2beta* spell the metrics differently: read as v2 they would mean something else.
  const apiVersion = text(body.apiVersion, at(where, 'apiVersion'));
  if (apiVersion !== undefined && apiVersion !== 'autoscaling/v2') {
    throw new InvalidField(at(where, 'apiVersion'), '"autoscaling/v2"', apiVersion);
  }
  const metadataWhere = at(where, 'metadata');
  const specWhere = at(where, 'spec');
  const statusWhere = at(where, 'status');
  const metadata = object(body.metadata, metadataWhere);
  const spec = object(body.spec, specWhere);
  const status = object(body.status, statusWhere);
  const refWhere = at(specWhere, 'scaleTargetRef');
  const ref = object(spec.scaleTargetRef, refWhere);
  const maxWhere = at(specWhere, 'maxReplicas');
  const maxReplicas = required(int32(spec.maxReplicas, maxWhere), maxWhere, 'an integer');
  const metricsWhere = at(specWhere, 'metrics');
  const specMetrics = list(spec.metrics, metricsWhere);
  const defaultedMetrics = specMetrics.length === 0;
  const metrics: MetricSpec[] = defaultedMetrics
    ? [{ type: 'Resource', resource: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } }]
    : specMetrics.map((m, i) => readMetric(m, at(metricsWhere, i)));
  const conditionsWhere = at(statusWhere, 'conditions');
  const hpa: Hpa = {
    namespace: text(metadata.namespace, at(metadataWhere, 'namespace')) ?? 'default',
    name: text(metadata.name, at(metadataWhere, 'name')) ?? '',
    target: {
      kind: text(ref.kind, at(refWhere, 'kind')) ?? '',
      name: text(ref.name, at(refWhere, 'name')) ?? '',
      apiVersion: text(ref.apiVersion, at(refWhere, 'apiVersion')) ?? '',
    },
    minReplicas: int32(spec.minReplicas, at(specWhere, 'minReplicas')) ?? 1,
    maxReplicas,
    metrics,
    defaultedMetrics,
    status: {
      conditions: list(status.conditions, conditionsWhere).map((c, i) =>
        readCondition(c, at(conditionsWhere, i)),
      ),
    },
  };
  const behaviorWhere = at(specWhere, 'behavior');
  const behavior = optionalObject(spec.behavior, behaviorWhere);
  if (behavior) {
    hpa.behavior = {
      scaleUp: readRules(behavior.scaleUp, 'scaleUp', downscaleWindowSeconds, at(behaviorWhere, 'scaleUp')),
      scaleDown: readRules(
        behavior.scaleDown,
        'scaleDown',
        downscaleWindowSeconds,
        at(behaviorWhere, 'scaleDown'),
      ),
    };
  }
  const uid = text(metadata.uid, at(metadataWhere, 'uid'));
  if (uid !== undefined) hpa.uid = uid;
  const current = int32(status.currentReplicas, at(statusWhere, 'currentReplicas'));
  if (current !== undefined) hpa.status.currentReplicas = current;
  const desired = int32(status.desiredReplicas, at(statusWhere, 'desiredReplicas'));
  if (desired !== undefined) hpa.status.desiredReplicas = desired;
  const lastScaleWhere = at(statusWhere, 'lastScaleTime');
  if (time(status.lastScaleTime, lastScaleWhere) !== undefined) {
    hpa.status.lastScaleTime = status.lastScaleTime as string;
  }
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

export function readScale(body: unknown, where: string): Scale {
  const scale = object(body, where);
  expectKind(scale, where, ['Scale']);
  const specWhere = at(where, 'spec');
  const statusWhere = at(where, 'status');
  const spec = object(scale.spec, specWhere);
  const status = object(scale.status, statusWhere);
  return {
    specReplicas: int32(spec.replicas, at(specWhere, 'replicas')) ?? 0,
    statusReplicas: int32(status.replicas, at(statusWhere, 'replicas')) ?? 0,
    selector: text(status.selector, at(statusWhere, 'selector')) ?? '',
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
  const requestsWhere = at(where, 'requests');
  const requests = new Map<string, bigint>();
  for (const [name, q] of Object.entries(object(object(resources, where).requests, requestsWhere))) {
    requests.set(name, milli(q, at(requestsWhere, name)));
  }
  return requests;
}

/** Containers, or only the init containers with restartPolicy Always (sidecars). */
function readContainers(v: unknown, where: string, sidecarsOnly: boolean): ContainerRequests[] {
  return list(v, where).flatMap((c, i) => {
    const containerWhere = at(where, i);
    const container = object(c, containerWhere);
    const restartPolicy = text(container.restartPolicy, at(containerWhere, 'restartPolicy'));
    if (sidecarsOnly && restartPolicy !== 'Always') return [];
    return [
      {
        name: text(container.name, at(containerWhere, 'name')) ?? '',
        requests: readRequests(container.resources, at(containerWhere, 'resources')),
      },
    ];
  });
}

function readPod(item: unknown, where: string): Pod {
  const p = object(item, where);
  const metadataWhere = at(where, 'metadata');
  const specWhere = at(where, 'spec');
  const statusWhere = at(where, 'status');
  const metadata = object(p.metadata, metadataWhere);
  const spec = object(p.spec, specWhere);
  const status = object(p.status, statusWhere);
  const pod: Pod = {
    name: text(metadata.name, at(metadataWhere, 'name')) ?? '',
    deleted: time(metadata.deletionTimestamp, at(metadataWhere, 'deletionTimestamp')) !== undefined,
    phase: text(status.phase, at(statusWhere, 'phase')) ?? '',
    containers: readContainers(spec.containers, at(specWhere, 'containers'), false),
    sidecars: readContainers(spec.initContainers, at(specWhere, 'initContainers'), true),
  };
  const conditionsWhere = at(statusWhere, 'conditions');
  list(status.conditions, conditionsWhere).forEach((c, i) => {
    const conditionWhere = at(conditionsWhere, i);
    const condition = object(c, conditionWhere);
    if (text(condition.type, at(conditionWhere, 'type')) !== 'Ready' || pod.ready) return;
    pod.ready = {
      status: text(condition.status, at(conditionWhere, 'status')) ?? '',
      lastTransitionTime: goTime(condition.lastTransitionTime, at(conditionWhere, 'lastTransitionTime')),
    };
  });
  const startTime = time(status.startTime, at(statusWhere, 'startTime'));
  if (startTime !== undefined) pod.startTime = startTime;
  const resourcesWhere = at(specWhere, 'resources');
  if (optionalObject(spec.resources, resourcesWhere)) {
    const podRequests = readRequests(spec.resources, resourcesWhere);
    if (podRequests.size > 0) pod.podRequests = podRequests;
  }
  return pod;
}

/** A PodList's items. */
export function readPods(body: unknown, where: string): Pod[] {
  const pods = object(body, where);
  expectKind(pods, where, ['PodList']);
  const itemsWhere = at(where, 'items');
  return list(pods.items, itemsWhere).map((item, i) => readPod(item, at(itemsWhere, i)));
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
export function readRescaleEvents(body: unknown, where: string): RescaleEvent[] {
  const eventList = object(body, where);
  expectKind(eventList, where, ['EventList']);
  const itemsWhere = at(where, 'items');
  const events: RescaleEvent[] = [];
  list(eventList.items, itemsWhere).forEach((item, i) => {
    const eventWhere = at(itemsWhere, i);
    const e = object(item, eventWhere);
    if (text(e.reason, at(eventWhere, 'reason')) !== 'SuccessfulRescale') return;
    const message = text(e.message, at(eventWhere, 'message')) ?? text(e.note, at(eventWhere, 'note')) ?? '';
    const match = /^New size: (\d+); reason: (.*)$/s.exec(message);
    if (!match) return;
    const seriesWhere = at(eventWhere, 'series');
    const series = object(e.series, seriesWhere);
    const metadataWhere = at(eventWhere, 'metadata');
    const created = time(
      object(e.metadata, metadataWhere).creationTimestamp,
      at(metadataWhere, 'creationTimestamp'),
    );
    const eventTime = time(e.eventTime, at(eventWhere, 'eventTime'));
    const last =
      time(e.lastTimestamp, at(eventWhere, 'lastTimestamp')) ??
      time(series.lastObservedTime, at(seriesWhere, 'lastObservedTime')) ??
      eventTime ??
      created;
    const first = time(e.firstTimestamp, at(eventWhere, 'firstTimestamp')) ?? eventTime ?? last;
    if (last === undefined || first === undefined) return;
    events.push({
      newSize: Number(match[1]),
      reason: match[2] as string,
      first,
      last,
      count: int32(e.count, at(eventWhere, 'count')) ?? int32(series.count, at(seriesWhere, 'count')) ?? 1,
    });
  });
  return events.sort((a, b) => a.last - b.last);
}
