// The replica calculator of the HPA controller (pkg/controller/podautoscaler/replica_calculator.go and
// metrics/utilization.go, Kubernetes v1.37), on values already read from the snapshot. Integer steps
// use bigint wrapped to int64/int32 where Go's types would wrap; ratios are float64 as in Go.

import type { PodMetricSample } from './answers.ts';
import { goInt32, goInt64, INT32_MAX, INT64_MAX, wrapInt32, wrapInt64 } from './go-int.ts';
import type { Pod } from './objects.ts';
import type { MetricFailureCause, PodGroupReason, PodGroups, ProposalPath } from './types.ts';

export interface Tolerances {
  down: number;
  up: number;
}

/** Tolerances.isWithin: the band is inclusive at both ends. */
function isWithin(t: Tolerances, ratio: number): boolean {
  return 1 - t.down <= ratio && ratio <= 1 + t.up;
}

export interface ReadinessSettings {
  now: number;
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
}

interface GroupedPods {
  readyPodCount: number;
  unready: Map<string, PodGroupReason>;
  missing: Set<string>;
  ignored: Map<string, PodGroupReason>;
}

/** groupPods: ignored, unready, missing or ready, in the controller's order of tests. */
export function groupPods(
  pods: Pod[],
  metrics: ReadonlyMap<string, PodMetricSample>,
  resource: string,
  settings: ReadinessSettings,
): GroupedPods {
  const groups: GroupedPods = {
    readyPodCount: 0,
    unready: new Map(),
    missing: new Set(),
    ignored: new Map(),
  };
  for (const pod of pods) {
    if (pod.deleted || pod.phase === 'Failed') {
      groups.ignored.set(pod.name, pod.deleted ? 'Deleted' : 'Failed');
      continue;
    }
    if (pod.phase === 'Pending') {
      groups.unready.set(pod.name, 'Pending');
      continue;
    }
    const metric = metrics.get(pod.name);
    if (!metric) {
      groups.missing.add(pod.name);
      continue;
    }
    if (resource === 'cpu') {
      const reason = cpuUnreadyReason(pod, metric, settings);
      if (reason) {
        groups.unready.set(pod.name, reason);
        continue;
      }
    }
    groups.readyPodCount++;
  }
  return groups;
}

function cpuUnreadyReason(
  pod: Pod,
  metric: PodMetricSample,
  s: ReadinessSettings,
): PodGroupReason | undefined {
  const ready = pod.ready;
  if (!ready || pod.startTime === undefined) return 'NoReadyCondition';
  if (pod.startTime + s.cpuInitializationPeriodMs > s.now) {
    // Within the initialization period: a sample counts only from a ready pod, one window after it became ready.
    if (ready.status === 'False') return 'InitializingNotReady';
    if (metric.timestamp < ready.lastTransitionTime + metric.windowMs) return 'InitializingMetricBeforeReady';
    return undefined;
  }
  // Afterwards only a pod that never became ready (unready since shortly after start) is left out.
  if (ready.status === 'False' && pod.startTime + s.initialReadinessDelayMs > ready.lastTransitionTime) {
    return 'NeverBecameReady';
  }
  return undefined;
}

export function podGroupsOf(groups: GroupedPods, pods: Pod[]): PodGroups {
  const named = (m: Map<string, PodGroupReason>) => [...m].map(([pod, reason]) => ({ pod, reason }));
  const notReady = new Set([...groups.unready.keys(), ...groups.missing, ...groups.ignored.keys()]);
  return {
    ready: pods.map((p) => p.name).filter((n) => !notReady.has(n)),
    unready: named(groups.unready),
    missing: [...groups.missing],
    ignored: named(groups.ignored),
  };
}

export class CalcError extends Error {
  override readonly cause: MetricFailureCause;

  constructor(message: string, cause: MetricFailureCause) {
    super(message);
    this.cause = cause;
    this.name = 'CalcError';
  }
}

/**
 * calculateRequests: each pod's milli request for the resource (pod-level requests under
 * PodLevelResources when no container is named, else the containers', restartable init containers
 * included). The controller stops at the first pod lacking one; the cause lists them all.
 */
export function calculateRequests(
  pods: Pod[],
  container: string,
  resource: string,
  podLevelResources: boolean,
): Map<string, bigint> {
  const requests = new Map<string, bigint>();
  const lacking: { pod: string; containers: string[] }[] = [];
  let firstError: string | undefined;
  for (const pod of pods) {
    if (podLevelResources && pod.podRequests && container === '') {
      const request = pod.podRequests.get(resource);
      if (request === undefined) {
        firstError ??= `missing pod-level request for ${resource} in Pod ${pod.name}`;
        lacking.push({ pod: pod.name, containers: [] });
      } else requests.set(pod.name, request);
      continue;
    }
    let request = 0n;
    let found = container === '';
    const missing: string[] = [];
    for (const c of [...pod.containers, ...pod.sidecars]) {
      if (container !== '' && c.name !== container) continue;
      found = true;
      const r = c.requests.get(resource);
      if (r === undefined) {
        firstError ??= `missing request for ${resource} in container ${c.name} of Pod ${pod.name}`;
        missing.push(c.name);
      } else request = wrapInt64(request + r);
      if (container !== '') break;
    }
    if (!found) {
      firstError ??= `container ${container} not found in Pod ${pod.name}`;
      lacking.push({ pod: pod.name, containers: [container] });
    } else if (missing.length > 0) lacking.push({ pod: pod.name, containers: missing });
    else requests.set(pod.name, request);
  }
  if (firstError !== undefined) {
    throw new CalcError(firstError, { kind: 'MissingRequests', resource, pods: lacking });
  }
  return requests;
}

/** GetResourceUtilizationRatio. */
function utilizationRatio(
  metrics: ReadonlyMap<string, bigint>,
  requests: ReadonlyMap<string, bigint>,
  target: number,
): { ratio: number; utilization: number; rawAverage: bigint } {
  let metricsTotal = 0n;
  let requestsTotal = 0n;
  let entries = 0n;
  for (const [pod, value] of metrics) {
    const request = requests.get(pod);
    // Values of pods outside the pod list have no request and are left out, as extraneous.
    if (request === undefined) continue;
    metricsTotal = wrapInt64(metricsTotal + value);
    requestsTotal = wrapInt64(requestsTotal + request);
    entries++;
  }
  if (requestsTotal === 0n) {
    throw new CalcError('no metrics returned matched known pods', { kind: 'NoValues' });
  }
  const utilization = wrapInt32(wrapInt64(metricsTotal * 100n) / requestsTotal);
  return { ratio: utilization / target, utilization, rawAverage: metricsTotal / entries };
}

/** GetMetricUsageRatio. */
function usageRatio(metrics: ReadonlyMap<string, bigint>, target: bigint): { ratio: number; usage: bigint } {
  let total = 0n;
  for (const value of metrics.values()) total = wrapInt64(total + value);
  const usage = total / BigInt(metrics.size);
  return { ratio: Number(usage) / Number(target), usage };
}

interface PodBasedProposal {
  replicas: number;
  path: ProposalPath;
  ratio: number;
  filledRatio?: number;
  /** Pods the ratio was multiplied by. */
  podCount: number;
  /** Utilization targets: percent. */
  utilization?: number;
  /** Average value (raw average for utilization targets). */
  average: bigint;
}

/** How the pod values are compared with the target (GetResourceReplicas or GetMetricReplicas). */
export type PodTarget =
  | { kind: 'Utilization'; target: number; requests: ReadonlyMap<string, bigint> }
  | { kind: 'AverageValue'; target: bigint };

/** The values that count: those of ignored and unready pods are dropped; none left is an error. */
export function countedMetrics(
  all: ReadonlyMap<string, PodMetricSample>,
  groups: GroupedPods,
): Map<string, bigint> {
  const metrics = new Map([...all].map(([pod, sample]) => [pod, sample.value]));
  for (const pod of [...groups.ignored.keys(), ...groups.unready.keys()]) metrics.delete(pod);
  if (metrics.size === 0) {
    throw new CalcError('did not receive metrics for targeted pods (pods might be unready)', {
      kind: 'NoReadyPodMetrics',
      unready: [...groups.unready.keys()],
      ignored: [...groups.ignored.keys()],
    });
  }
  return metrics;
}

/**
 * GetResourceReplicas / calcPlainMetricReplicas after grouping: the fast path, or fills for missing
 * and unready pods and the direction checks. `counted` is countedMetrics' result: it still holds
 * values of pods outside the pod list, as the controller keeps them.
 */
export function podBasedProposal(
  currentReplicas: number,
  counted: ReadonlyMap<string, bigint>,
  groups: GroupedPods,
  target: PodTarget,
  tolerances: Tolerances,
): PodBasedProposal {
  const metrics = new Map(counted);
  const measure = (m: ReadonlyMap<string, bigint>) => {
    if (target.kind === 'Utilization') {
      const r = utilizationRatio(m, target.requests, target.target);
      return { ratio: r.ratio, utilization: r.utilization, average: r.rawAverage };
    }
    const r = usageRatio(m, target.target);
    return { ratio: r.ratio, average: r.usage };
  };
  const raw = measure(metrics);
  const result = (
    replicas: number,
    path: ProposalPath,
    podCount: number,
    filledRatio?: number,
  ): PodBasedProposal => {
    const p: PodBasedProposal = { replicas, path, ratio: raw.ratio, podCount, average: raw.average };
    if (raw.utilization !== undefined) p.utilization = raw.utilization;
    if (filledRatio !== undefined) p.filledRatio = filledRatio;
    return p;
  };

  const scaleUpWithUnready = groups.unready.size > 0 && raw.ratio > 1.0;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (isWithin(tolerances, raw.ratio))
      return result(currentReplicas, 'WithinTolerance', groups.readyPodCount);
    return result(goInt32(Math.ceil(raw.ratio * groups.readyPodCount)), 'Ratio', groups.readyPodCount);
  }

  if (groups.missing.size > 0) {
    for (const pod of groups.missing) {
      if (raw.ratio < 1.0) {
        // Scaling down: a pod without a value is taken to use its whole request (or the target
        // when that is above 100%), or exactly the target value.
        metrics.set(
          pod,
          target.kind === 'Utilization'
            ? wrapInt64(((target.requests.get(pod) ?? 0n) * BigInt(Math.max(100, target.target))) / 100n)
            : target.target,
        );
      } else if (raw.ratio > 1.0) metrics.set(pod, 0n);
    }
  }
  if (scaleUpWithUnready) for (const pod of groups.unready.keys()) metrics.set(pod, 0n);

  const filled = measure(metrics).ratio;
  if (
    isWithin(tolerances, filled) ||
    (raw.ratio < 1.0 && filled > 1.0) ||
    (raw.ratio > 1.0 && filled < 1.0)
  ) {
    const path = isWithin(tolerances, filled) ? 'FilledWithinTolerance' : 'FilledReversed';
    return result(currentReplicas, path, metrics.size, filled);
  }
  const replicas = goInt32(Math.ceil(filled * metrics.size));
  if ((filled < 1.0 && replicas > currentReplicas) || (filled > 1.0 && replicas < currentReplicas)) {
    return result(currentReplicas, 'FilledReversed', metrics.size, filled);
  }
  return result(replicas, 'FilledRatio', metrics.size, filled);
}

/** Running pods whose Ready condition is True (getReadyPodsCount). */
function readyPodCount(pods: Pod[]): number {
  if (pods.length === 0) {
    throw new CalcError(
      'unable to calculate ready pods: no pods returned by selector while calculating replica count',
      { kind: 'NoPods' },
    );
  }
  return pods.filter((p) => p.phase === 'Running' && p.ready?.status === 'True').length;
}

/** getUsageRatioReplicaCount: Object and External Value targets. */
export function usageRatioReplicaCount(
  currentReplicas: number,
  ratio: number,
  tolerances: Tolerances,
  pods: () => Pod[],
): { replicas: number; path: ProposalPath; podCount?: number } {
  if (currentReplicas === 0) return { replicas: goInt32(Math.ceil(ratio)), path: 'FromZero' };
  if (isWithin(tolerances, ratio)) return { replicas: currentReplicas, path: 'WithinTolerance' };
  const ready = readyPodCount(pods());
  const replicas = ratio * ready;
  return {
    replicas: replicas > INT32_MAX ? INT32_MAX : goInt32(Math.ceil(replicas)),
    path: 'Ratio',
    podCount: ready,
  };
}

/** GetObjectPerPodMetricReplicas after the fetch: ceil(v / target) outside the band, else status replicas. */
export function objectPerPodProposal(
  statusReplicas: number,
  target: bigint,
  usage: bigint,
  tolerances: Tolerances,
): { replicas: number; path: ProposalPath; ratio: number; average: bigint } {
  const ratio = Number(usage) / (Number(target) * statusReplicas);
  const within = isWithin(tolerances, ratio);
  return {
    replicas: within ? statusReplicas : goInt32(Math.ceil(Number(usage) / Number(target))),
    path: within ? 'WithinTolerance' : 'Ratio',
    ratio,
    average: goInt64(Math.ceil(Number(usage) / statusReplicas)),
  };
}

/** GetExternalPerPodMetricReplicas after the fetch: as Object AverageValue, saturating at int32/int64. */
export function externalPerPodProposal(
  statusReplicas: number,
  target: bigint,
  usage: bigint,
  tolerances: Tolerances,
): { replicas: number; path: ProposalPath; ratio: number; average: bigint } {
  const ratio = Number(usage) / (Number(target) * statusReplicas);
  const within = isWithin(tolerances, ratio);
  const wanted = Math.ceil(Number(usage) / Number(target));
  return {
    replicas: within ? statusReplicas : wanted > INT32_MAX ? INT32_MAX : goInt32(wanted),
    path: within ? 'WithinTolerance' : 'Ratio',
    ratio,
    average: Number(usage) >= 2 ** 63 ? INT64_MAX : goInt64(Math.ceil(Number(usage) / statusReplicas)),
  };
}

/** External Value: the sum of the series, capped at MaxInt64 before it would overflow. */
export function externalValueSum(values: bigint[]): bigint {
  let usage = 0n;
  for (const v of values) {
    if (v > 0n && usage > INT64_MAX - v) return INT64_MAX;
    usage += v;
  }
  return usage;
}

/** External AverageValue: the sum, set to MaxInt64 once it wraps negative. */
export function externalPerPodSum(values: bigint[]): bigint {
  let usage = 0n;
  for (const v of values) {
    usage = wrapInt64(usage + v);
    if (usage < 0n) return INT64_MAX;
  }
  return usage;
}
