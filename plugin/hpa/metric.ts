// One metric of the HPA: its answer read as the metrics client reads it, the replica calculator run
// on it, the controller's label and failure wording (horizontal.go computeStatusFor*Metric), and
// the values at which its proposal would change.

import {
  type PodMetricSample,
  readExternalValues,
  readObjectMetricValue,
  readPodMetrics,
  readPodsMetricValues,
} from './answers.ts';
import { at, InvalidField, list, object } from './fields.ts';
import { goLabelSelector, type MetricSpec, metricSelectorError, type Pod } from './objects.ts';
import {
  CalcError,
  calculateRequests,
  countedMetrics,
  externalPerPodProposal,
  externalPerPodSum,
  externalValueSum,
  groupPods,
  objectPerPodProposal,
  type PodTarget,
  podBasedProposal,
  podGroupsOf,
  type ReadinessSettings,
  type Tolerances,
  usageRatioReplicaCount,
} from './replicas.ts';
import type { FetchError, Fetched } from './snapshot.ts';
import type {
  CurrentMetricValue,
  MetricDecision,
  MetricFailureCause,
  MetricFailureReason,
  Milli,
  Threshold,
} from './types.ts';

export interface MetricContext {
  namespace: string;
  /** scale.spec.replicas */
  specReplicas: number;
  /** scale.status.replicas */
  statusReplicas: number;
  /** The pods the scale's selector matches, or why they are not known. */
  pods: Pod[] | { error: string };
  tolerances: Tolerances;
  readiness: ReadinessSettings;
  podLevelResources: boolean;
  /** false: skip the search for the values at which the proposal would change (the replay shows none). */
  thresholds?: boolean;
}

const UNABLE = 'the HPA was unable to compute the replica count: ';

/** A metric that stops before a proposal, with the controller's error text (without UNABLE). */
class MetricStop extends Error {
  override readonly cause: MetricFailureCause;

  constructor(message: string, cause: MetricFailureCause) {
    super(message);
    this.cause = cause;
  }
}

function podsOf(ctx: MetricContext): Pod[] {
  if (Array.isArray(ctx.pods)) return ctx.pods;
  throw new MetricStop(`unable to get pods while calculating replica count: ${ctx.pods.error}`, {
    kind: 'Invalid',
    message: ctx.pods.error,
  });
}

/** The answer's body, or a stop worded as the metrics client words a failed call. */
function answerBody(answer: Fetched<unknown> | null | undefined, prefix: string): unknown {
  if (!answer) {
    throw new MetricStop(`${prefix}the snapshot holds no answer for this metric`, { kind: 'NotFetched' });
  }
  if (answer.error || answer.body === undefined) {
    const error: FetchError = answer.error ?? { code: 0, message: 'no answer' };
    throw new MetricStop(`${prefix}${error.message}`, {
      kind: 'FetchFailed',
      path: answer.path,
      code: error.code,
      message: error.message,
    });
  }
  return answer.body;
}

/** The JSON path of the metric's answer body in the snapshot. */
const bodyPath = (d: MetricDecision) => `metrics[${d.index}].body`;

/** The items of the metric's list answer. */
function items(body: unknown, d: MetricDecision): unknown[] {
  const where = bodyPath(d);
  return list(object(body, where).items, at(where, 'items'));
}

function rfc3339(ms: number): string | undefined {
  return ms > 0 ? new Date(ms).toISOString() : undefined;
}

function failureReason(spec: MetricSpec): MetricFailureReason {
  switch (spec.type) {
    case 'Resource':
      return 'FailedGetResourceMetric';
    case 'ContainerResource':
      return 'FailedGetContainerResourceMetric';
    case 'Pods':
      return 'FailedGetPodsMetric';
    case 'Object':
      return 'FailedGetObjectMetric';
    case 'External':
      return 'FailedGetExternalMetric';
    default:
      return 'InvalidMetricSourceType';
  }
}

/** The description of a metric before it is computed: type, names, target. */
function describe(spec: MetricSpec, index: number): MetricDecision {
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const utilization = spec.target.averageValue === undefined;
      const base: MetricDecision = {
        index,
        type: spec.type,
        name: spec.resource,
        label: utilization
          ? `${spec.resource} ${spec.type === 'ContainerResource' ? 'container ' : ''}resource utilization (percentage of request)`
          : `${spec.resource} resource`,
        targetType: utilization ? 'Utilization' : 'AverageValue',
        target: utilization ? (spec.target.averageUtilization ?? 0) : (spec.target.averageValue as Milli),
      };
      if (spec.type === 'ContainerResource') base.subject = spec.container;
      return base;
    }
    case 'Pods':
      return {
        index,
        type: 'Pods',
        name: spec.metric.name,
        label: `pods metric ${spec.metric.name}`,
        targetType: 'AverageValue',
        target: spec.target.averageValue ?? 0n,
      };
    case 'Object': {
      const value = spec.target.type === 'Value' && spec.target.value !== undefined;
      return {
        index,
        type: 'Object',
        name: spec.metric.name,
        subject: `${spec.describedObject.kind}/${spec.describedObject.name}`,
        // The controller's own wording: an AverageValue Object metric is called "external metric".
        label: value
          ? `${spec.describedObject.kind} metric ${spec.metric.name}`
          : `external metric ${spec.metric.name}(${goLabelSelector(spec.metric.selector)})`,
        targetType: value ? 'Value' : 'AverageValue',
        target: (value ? spec.target.value : spec.target.averageValue) ?? 0n,
      };
    }
    case 'External': {
      const average = spec.target.averageValue !== undefined;
      return {
        index,
        type: 'External',
        name: spec.metric.name,
        label: `external metric ${spec.metric.name}(${goLabelSelector(spec.metric.selector)})`,
        targetType: average ? 'AverageValue' : 'Value',
        target: (average ? spec.target.averageValue : spec.target.value) ?? 0n,
      };
    }
    default:
      return {
        index,
        type: 'Unknown',
        name: spec.typeName,
        label: spec.typeName,
        targetType: 'Value',
        target: 0n,
      };
  }
}

/** A proposal as a function of the statistic the target is compared with, for the thresholds. */
type ProposalAt = (statistic: bigint) => number;

/** Computes one metric; never throws for metric-level problems (they become `failure`). */
export function computeMetric(
  spec: MetricSpec,
  index: number,
  answer: Fetched<unknown> | null | undefined,
  ctx: MetricContext,
): MetricDecision {
  const decision = describe(spec, index);
  try {
    const { statistic, proposalAt } = compute(spec, decision, answer, ctx);
    if (ctx.thresholds !== false && decision.proposal !== undefined && statistic !== undefined) {
      addThresholds(decision, statistic, decision.proposal, proposalAt);
    }
  } catch (e) {
    // An answer the API client could not have decoded (a bad quantity) fails the metric, as there:
    // the spec and the pods were decoded before (objects.ts), so the field is the answer's.
    const cause: MetricFailureCause | undefined =
      e instanceof MetricStop || e instanceof CalcError
        ? e.cause
        : e instanceof InvalidField
          ? { kind: 'Invalid', message: e.message, path: answer?.path ?? '' }
          : undefined;
    if (!cause) throw e;
    decision.failure = { reason: failureReason(spec), message: `${UNABLE}${(e as Error).message}`, cause };
    delete decision.proposal;
  }
  return decision;
}

interface Computed {
  /** The current value of the statistic compared with the target (percent or milli). */
  statistic?: bigint;
  proposalAt: ProposalAt;
}

function compute(
  spec: MetricSpec,
  d: MetricDecision,
  answer: Fetched<unknown> | null | undefined,
  ctx: MetricContext,
): Computed {
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource':
      return resourceMetric(spec, d, answer, ctx);
    case 'Pods': {
      const selectorError = metricSelectorError(spec.metric.selector);
      if (selectorError) throw new MetricStop(selectorError, { kind: 'Invalid', message: selectorError });
      if (spec.target.averageValue === undefined) {
        const message = 'invalid pods metric source: no average value target was set';
        throw new MetricStop(message, { kind: 'Invalid', message });
      }
      const prefix = `unable to get metric ${spec.metric.name}: `;
      const body = answerBody(answer, `${prefix}unable to fetch metrics from custom metrics API: `);
      if (items(body, d).length === 0) {
        throw new MetricStop(`${prefix}no metrics returned from custom metrics API`, {
          kind: 'NoValues',
          path: answer?.path ?? '',
        });
      }
      const samples = readPodsMetricValues(body, bodyPath(d));
      return podMetric(d, samples, '', { kind: 'AverageValue', target: spec.target.averageValue }, ctx, body);
    }
    case 'Object':
      return objectMetric(spec, d, answer, ctx);
    case 'External':
      return externalMetric(spec, d, answer, ctx);
    default: {
      const message = `unknown metric source type ${JSON.stringify(spec.typeName)}`;
      throw new MetricStop(message, {
        kind: 'Invalid',
        message: `${spec.where}: ${message} (expected Resource, ContainerResource, Pods, Object or External)`,
      });
    }
  }
}

function firstTimestamp(body: unknown, d: MetricDecision): string | undefined {
  const first = items(body, d)[0] as { timestamp?: unknown } | undefined;
  return typeof first?.timestamp === 'string' ? first.timestamp : undefined;
}

function resourceMetric(
  spec: Extract<MetricSpec, { type: 'Resource' | 'ContainerResource' }>,
  d: MetricDecision,
  answer: Fetched<unknown> | null | undefined,
  ctx: MetricContext,
): Computed {
  const container = spec.type === 'ContainerResource' ? spec.container : '';
  const { averageValue, averageUtilization } = spec.target;
  if (averageValue === undefined && averageUtilization === undefined) {
    const message =
      'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set';
    throw new MetricStop(message, { kind: 'Invalid', message });
  }
  const prefix = `failed to get ${spec.resource} ${averageValue !== undefined ? 'usage' : 'utilization'}: `;
  const fetchPrefix = `${prefix}unable to get metrics for resource ${spec.resource}: `;
  const body = answerBody(answer, `${fetchPrefix}unable to fetch metrics from resource metrics API: `);
  if (items(body, d).length === 0) {
    throw new MetricStop(`${fetchPrefix}no metrics returned from resource metrics API`, {
      kind: 'NoValues',
      path: answer?.path ?? '',
    });
  }
  const samples = readPodMetrics(body, bodyPath(d), spec.resource, container);
  try {
    if (averageValue !== undefined) {
      return podMetric(d, samples, spec.resource, { kind: 'AverageValue', target: averageValue }, ctx, body);
    }
    return podMetric(
      d,
      samples,
      spec.resource,
      { kind: 'Utilization', target: averageUtilization as number, container, resource: spec.resource },
      ctx,
      body,
    );
  } catch (e) {
    if (e instanceof MetricStop || e instanceof CalcError)
      throw new MetricStop(`${prefix}${e.message}`, e.cause as MetricFailureCause);
    throw e;
  }
}

type PodTargetSpec =
  | { kind: 'AverageValue'; target: bigint }
  | { kind: 'Utilization'; target: number; container: string; resource: string };

/** GetResourceReplicas / GetRawResourceReplicas / GetMetricReplicas after the fetch. */
function podMetric(
  d: MetricDecision,
  samples: Map<string, PodMetricSample>,
  resource: string,
  targetSpec: PodTargetSpec,
  ctx: MetricContext,
  body: unknown,
): Computed {
  const timestamp = firstTimestamp(body, d);
  if (timestamp) d.timestamp = timestamp;
  const pods = podsOf(ctx);
  if (pods.length === 0) {
    throw new MetricStop('no pods returned by selector while calculating replica count', { kind: 'NoPods' });
  }
  const groups = groupPods(pods, samples, resource, ctx.readiness);
  d.pods = podGroupsOf(groups, pods);
  const counted = countedMetrics(samples, groups);
  const target: PodTarget =
    targetSpec.kind === 'Utilization'
      ? {
          kind: 'Utilization',
          target: targetSpec.target,
          requests: calculateRequests(pods, targetSpec.container, targetSpec.resource, ctx.podLevelResources),
        }
      : targetSpec;
  const result = podBasedProposal(ctx.specReplicas, counted, groups, target, ctx.tolerances);
  d.ratio = result.ratio;
  if (result.filledRatio !== undefined) d.filledRatio = result.filledRatio;
  d.tolerance = ctx.tolerances;
  d.podCount = result.podCount;
  d.path = result.path;
  d.proposal = result.replicas;
  const current: CurrentMetricValue = { averageValue: result.average };
  if (result.utilization !== undefined) current.averageUtilization = result.utilization;
  d.current = current;

  // Thresholds move the total of the values that count, through one pod's value: only totals matter.
  const requests = target.kind === 'Utilization' ? target.requests : undefined;
  const countedKeys = [...counted.keys()].filter((pod) => !requests || requests.has(pod));
  const pivot = countedKeys[0] as string;
  const total = countedKeys.reduce((sum, pod) => sum + (counted.get(pod) as bigint), 0n);
  const requestTotal = countedKeys.reduce((sum, pod) => sum + (requests?.get(pod) ?? 0n), 0n);
  const sumFor = (statistic: bigint): bigint =>
    requests
      ? (statistic * requestTotal + 99n) / 100n // the smallest total with this utilization
      : statistic * BigInt(counted.size);
  return {
    statistic: result.utilization !== undefined ? BigInt(result.utilization) : result.average,
    proposalAt: (statistic) => {
      const shifted = new Map(counted);
      shifted.set(pivot, (counted.get(pivot) as bigint) + sumFor(statistic) - total);
      return podBasedProposal(ctx.specReplicas, shifted, groups, target, ctx.tolerances).replicas;
    },
  };
}

function objectMetric(
  spec: Extract<MetricSpec, { type: 'Object' }>,
  d: MetricDecision,
  answer: Fetched<unknown> | null | undefined,
  ctx: MetricContext,
): Computed {
  const selectorError = metricSelectorError(spec.metric.selector);
  if (selectorError) throw new MetricStop(selectorError, { kind: 'Invalid', message: selectorError });
  const { value, averageValue, type } = spec.target;
  const object = spec.describedObject;
  const prefix = `unable to get metric ${spec.metric.name} on ${object.kind} ${ctx.namespace}/${object.name}: unable to fetch metrics from custom metrics API: `;
  const read = () => {
    const body = answerBody(answer, prefix);
    const result = readObjectMetricValue(body, bodyPath(d));
    if ('error' in result) {
      throw new MetricStop(`${prefix}${result.error}`, { kind: 'NoValues', path: answer?.path ?? '' });
    }
    const timestamp = rfc3339(result.timestamp);
    if (timestamp) d.timestamp = timestamp;
    return result.value;
  };
  if (type === 'Value' && value !== undefined) {
    const usage = read();
    d.current = { value: usage };
    return valueMetric(d, usage, value, ctx);
  }
  if (type === 'AverageValue' && averageValue !== undefined) {
    const usage = read();
    return perPodMetric(d, usage, averageValue, ctx, objectPerPodProposal);
  }
  const message = 'invalid object metric source: neither a value target nor an average value target was set';
  throw new MetricStop(message, { kind: 'Invalid', message });
}

function externalMetric(
  spec: Extract<MetricSpec, { type: 'External' }>,
  d: MetricDecision,
  answer: Fetched<unknown> | null | undefined,
  ctx: MetricContext,
): Computed {
  const { value, averageValue } = spec.target;
  if (averageValue === undefined && value === undefined) {
    const message =
      'invalid external metric source: neither a value target nor an average value target was set';
    throw new MetricStop(message, { kind: 'Invalid', message });
  }
  const selectorError = metricSelectorError(spec.metric.selector);
  if (selectorError) throw new MetricStop(selectorError, { kind: 'Invalid', message: selectorError });
  const prefix = `unable to get external metric ${ctx.namespace}/${spec.metric.name}/${goLabelSelector(spec.metric.selector)}: `;
  const body = answerBody(answer, `${prefix}unable to fetch metrics from external metrics API: `);
  if (items(body, d).length === 0) {
    throw new MetricStop(`${prefix}no metrics returned from external metrics API`, {
      kind: 'NoValues',
      path: answer?.path ?? '',
    });
  }
  const { values, timestamp } = readExternalValues(body, bodyPath(d));
  const time = rfc3339(timestamp);
  if (time) d.timestamp = time;
  if (averageValue !== undefined) {
    return perPodMetric(d, externalPerPodSum(values), averageValue, ctx, externalPerPodProposal);
  }
  const usage = externalValueSum(values);
  d.current = { value: usage };
  return valueMetric(d, usage, value as bigint, ctx);
}

/** Object and External Value targets (getUsageRatioReplicaCount). */
function valueMetric(d: MetricDecision, usage: bigint, target: bigint, ctx: MetricContext): Computed {
  const proposal = (v: bigint) =>
    usageRatioReplicaCount(ctx.specReplicas, Number(v) / Number(target), ctx.tolerances, () => podsOf(ctx));
  const result = proposal(usage);
  d.ratio = Number(usage) / Number(target);
  d.tolerance = ctx.tolerances;
  d.path = result.path;
  if (result.podCount !== undefined) d.podCount = result.podCount;
  d.proposal = result.replicas;
  return { statistic: usage, proposalAt: (v) => proposal(v).replicas };
}

/** Object and External AverageValue targets: the total against target × status replicas. */
function perPodMetric(
  d: MetricDecision,
  usage: bigint,
  target: bigint,
  ctx: MetricContext,
  propose: typeof objectPerPodProposal,
): Computed {
  const result = propose(ctx.statusReplicas, target, usage, ctx.tolerances);
  d.current = { averageValue: result.average };
  d.ratio = result.ratio;
  d.tolerance = ctx.tolerances;
  d.path = result.path;
  d.podCount = ctx.statusReplicas;
  d.proposal = result.replicas;
  if (ctx.statusReplicas <= 0) return { proposalAt: () => result.replicas };
  // The statistic is the per-pod average the status shows; the total is that times status replicas.
  const replicas = BigInt(ctx.statusReplicas);
  return {
    statistic: result.average,
    proposalAt: (average) => propose(ctx.statusReplicas, target, average * replicas, ctx.tolerances).replicas,
  };
}

const SEARCH_LIMIT = 1n << 62n;

/** The nearest statistic values at which the proposal moves up and down (monotone search). */
function addThresholds(d: MetricDecision, current: bigint, proposal: number, proposalAt: ProposalAt): void {
  const asThreshold = (at: bigint, replicas: number): Threshold => ({
    at: d.targetType === 'Utilization' ? Number(at) : at,
    replicas,
  });
  // Up: the smallest value above the current one where the proposal exceeds today's.
  let low = current < 0n ? 0n : current;
  let high = low === 0n ? 1n : low * 2n;
  while (high < SEARCH_LIMIT && proposalAt(high) <= proposal) {
    low = high;
    high *= 2n;
  }
  if (high < SEARCH_LIMIT) {
    while (high - low > 1n) {
      const mid = (low + high) / 2n;
      if (proposalAt(mid) > proposal) high = mid;
      else low = mid;
    }
    if (proposalAt(low) > proposal) high = low;
    d.scaleUpAt = asThreshold(high, proposalAt(high));
  }
  // Down: the largest value below the current one where the proposal falls under today's.
  if (current > 0n && proposalAt(0n) < proposal) {
    let below = 0n;
    let above = current;
    while (above - below > 1n) {
      const mid = (below + above) / 2n;
      if (proposalAt(mid) < proposal) below = mid;
      else above = mid;
    }
    d.scaleDownAt = asThreshold(below, proposalAt(below));
  }
}
