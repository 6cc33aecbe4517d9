// Builds HPASnapshots from compact case descriptions shaped like the fixtures of Kubernetes'
// podautoscaler tests (replica_calculator_test.go calcScenario, horizontal_test.go testCase), so
// that their cases can be replayed through decide() unchanged.

import {
  type ControllerSettings,
  DEFAULT_CONTROLLER_SETTINGS,
  type Fetched,
  type HPASnapshot,
  SNAPSHOT_API_VERSION,
  SNAPSHOT_KIND,
} from '../../../plugin/hpa/snapshot.ts';
import { milliValue, parseQuantity } from '../../../shared/quantity.ts';

/** "now" of every case (the Go tests use time.Now()). */
export const NOW = Date.parse('2026-07-01T12:00:00Z');
export const NAMESPACE = 'test-namespace';
export const SELECTOR = 'name=test-pod';
/** A zero metav1.Time as the Go fixtures leave it (never nil in their pods). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export const iso = (ms: number) => new Date(ms).toISOString();
/** hotCPUCreationTime / coolCPUCreationTime of horizontal_test.go. */
export const HOT = iso(NOW);
export const COOL = iso(NOW - 3 * 60_000);

/** The replica calculator tests' settings: defaultTestingTolerance, 2 min CPU initialization, 10 s readiness delay. */
export const TEST_CONTROLLER: ControllerSettings = {
  ...DEFAULT_CONTROLLER_SETTINGS,
  tolerance: 0.1,
  cpuInitializationPeriodSeconds: 120,
  initialReadinessDelaySeconds: 10,
  downscaleStabilizationSeconds: 300,
};

/** NewMilliQuantity(v, DecimalSI) as the fixtures write values: plain milli text. */
export const milli = (v: number | bigint) => `${v}m`;

export interface PodFixture {
  name: string;
  phase?: string;
  /** Ready condition status; the condition is always present, as in the fixtures. */
  ready?: 'True' | 'False';
  readyTransition?: string;
  startTime?: string | null;
  deleted?: boolean;
  /** Requests per container (milli text), in container order; absent: no requests. */
  containers: { name: string; requests?: Record<string, string> }[];
  initContainers?: { name: string; restartPolicy?: string; requests?: Record<string, string> }[];
  podRequests?: Record<string, string>;
  labels?: Record<string, string>;
}

export function podJson(p: PodFixture): unknown {
  const resources = (requests?: Record<string, string>) => (requests ? { requests } : {});
  const pod: Record<string, unknown> = {
    metadata: {
      name: p.name,
      namespace: NAMESPACE,
      labels: p.labels ?? { name: 'test-pod' },
      ...(p.deleted ? { deletionTimestamp: iso(NOW) } : {}),
    },
    spec: {
      containers: p.containers.map((c) => ({ name: c.name, resources: resources(c.requests) })),
      ...(p.initContainers
        ? {
            initContainers: p.initContainers.map((c) => ({
              name: c.name,
              ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
              resources: resources(c.requests),
            })),
          }
        : {}),
      ...(p.podRequests ? { resources: { requests: p.podRequests } } : {}),
    },
    status: {
      phase: p.phase ?? 'Running',
      conditions: [
        { type: 'Ready', status: p.ready ?? 'True', lastTransitionTime: p.readyTransition ?? ZERO_TIME },
      ],
      ...(p.startTime === null ? {} : { startTime: p.startTime ?? ZERO_TIME }),
    },
  };
  return pod;
}

export const podList = (pods: PodFixture[]) => ({
  kind: 'PodList',
  apiVersion: 'v1',
  items: pods.map(podJson),
});

/** A PodMetricsList: per pod, the usage of each container (milli), named container1, container2, … */
export function podMetricsList(
  pods: { name: string; containers: (number | bigint)[]; timestamp?: string; window?: string }[],
  resource = 'cpu',
) {
  return {
    kind: 'PodMetricsList',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {},
    items: pods.map((p) => ({
      metadata: { name: p.name, namespace: NAMESPACE, creationTimestamp: iso(NOW) },
      timestamp: p.timestamp ?? ZERO_TIME,
      window: p.window ?? '1m0s',
      containers: p.containers.map((v, j) => ({
        name: `container${j + 1}`,
        usage: { [resource]: milli(v) },
      })),
    })),
  };
}

/** custom.metrics.k8s.io v1beta2 values of pods test-pod-0… */
export function podsMetricList(levels: (number | bigint)[], timestamp = ZERO_TIME, metric = 'qps') {
  return {
    kind: 'MetricValueList',
    apiVersion: 'custom.metrics.k8s.io/v1beta2',
    metadata: {},
    items: levels.map((v, i) => ({
      describedObject: { kind: 'Pod', namespace: NAMESPACE, name: `test-pod-${i}`, apiVersion: '/v1' },
      metric: { name: metric, selector: null },
      timestamp,
      value: milli(v),
    })),
  };
}

/** The single value of an object metric. */
export function objectMetricList(
  level: number | bigint,
  object: { kind: string; name: string; apiVersion: string },
  timestamp = ZERO_TIME,
) {
  return {
    kind: 'MetricValueList',
    apiVersion: 'custom.metrics.k8s.io/v1beta2',
    metadata: {},
    items: [
      { describedObject: object, metric: { name: 'qps', selector: null }, timestamp, value: milli(level) },
    ],
  };
}

export function externalMetricList(levels: (number | bigint)[], timestamp = ZERO_TIME) {
  return {
    kind: 'ExternalMetricValueList',
    apiVersion: 'external.metrics.k8s.io/v1beta1',
    metadata: {},
    items: levels.map((v) => ({ metricName: 'qps', metricLabels: {}, timestamp, value: milli(v) })),
  };
}

export const ok = <T>(path: string, body: T): Fetched<T> => ({ path, body });

export interface SnapshotParts {
  hpa: Record<string, unknown>;
  spec: number;
  status?: number;
  selector?: string;
  pods?: PodFixture[];
  metrics: (Fetched<unknown> | null)[];
  controller?: Partial<ControllerSettings>;
  events?: unknown;
  takenAt?: number;
  serverVersion?: string;
}

export function snapshot(p: SnapshotParts): HPASnapshot {
  const s: HPASnapshot = {
    apiVersion: SNAPSHOT_API_VERSION,
    kind: SNAPSHOT_KIND,
    takenAt: iso(p.takenAt ?? NOW),
    controller: { ...TEST_CONTROLLER, ...p.controller },
    hpa: ok(`/apis/autoscaling/v2/namespaces/${NAMESPACE}/horizontalpodautoscalers/test-hpa`, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'test-hpa', namespace: NAMESPACE },
      ...p.hpa,
    }),
    scale: ok(`/api/v1/namespaces/${NAMESPACE}/replicationcontrollers/test-rc/scale`, {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: p.spec },
      status: { replicas: p.status ?? p.spec, selector: p.selector ?? SELECTOR },
    }),
    pods: ok(`/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=name%3Dtest-pod`, podList(p.pods ?? [])),
    metrics: p.metrics,
  };
  if (p.serverVersion) s.serverVersion = p.serverVersion;
  if (p.events !== undefined) s.events = ok(`/api/v1/namespaces/${NAMESPACE}/events`, p.events);
  return s;
}

export const RESOURCE_PATH = `/apis/metrics.k8s.io/v1beta1/namespaces/${NAMESPACE}/pods?labelSelector=name%3Dtest-pod`;
export const PODS_PATH = `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NAMESPACE}/pods/%2A/qps?labelSelector=name%3Dtest-pod`;
export const OBJECT_PATH = `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NAMESPACE}/deployments.apps/some-deployment/qps`;
export const EXTERNAL_PATH = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NAMESPACE}/qps?labelSelector=label%3Dvalue`;

/** A SuccessfulRescale event as the controller's recorder writes it. */
export function rescaleEvent(newSize: number, reason: string, at: number, count = 1, first = at) {
  return {
    metadata: { name: `test-hpa.${at}`, namespace: NAMESPACE },
    involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'test-hpa', namespace: NAMESPACE },
    reason: 'SuccessfulRescale',
    message: `New size: ${newSize}; reason: ${reason}`,
    type: 'Normal',
    count,
    firstTimestamp: iso(Math.floor(first / 1000) * 1000),
    lastTimestamp: iso(Math.floor(at / 1000) * 1000),
  };
}

export const eventList = (items: unknown[]) => ({ kind: 'EventList', apiVersion: 'v1', items });

/** horizontalScenario / testCase of horizontal_test.go. */
export interface HorizontalFixture {
  minReplicas: number;
  maxReplicas: number;
  specReplicas: number;
  statusReplicas: number;
  CPUTarget?: number;
  metricsTarget?: Record<string, unknown>[];
  reportedLevels?: number[];
  reportedCPURequests?: string[];
  reportedPodReadiness?: ('True' | 'False')[];
  reportedPodStartTime?: string[];
  reportedPodPhase?: string[];
  reportedPodDeletionTimestamp?: boolean[];
  scaleUpRules?: Record<string, unknown>;
  scaleDownRules?: Record<string, unknown>;
  lastScaleTime?: string;
  initialConditions?: { type: string; status: string; reason: string }[];
  resource?: { kind: string; name: string; apiVersion: string };
  /** Answers the fake metrics clients fail with ("something went wrong"), by API. */
  failing?: ('resource' | 'custom' | 'external')[];
  selector?: string;
  conflictingHPAs?: string[];
  scaleFails?: boolean;
  hpaScaleToZero?: boolean;
  configurableTolerance?: boolean;
}

const RC = { kind: 'ReplicationController', name: 'test-rc', apiVersion: 'v1' };

/** generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow). */
export function scalingRules(
  pods: number,
  podsPeriod: number,
  percent: number,
  percentPeriod: number,
  window: number,
) {
  const policies = [
    ...(pods !== 0 ? [{ type: 'Pods', value: pods, periodSeconds: podsPeriod }] : []),
    ...(percent !== 0 ? [{ type: 'Percent', value: percent, periodSeconds: percentPeriod }] : []),
  ];
  return {
    stabilizationWindowSeconds: window,
    selectPolicy: 'Max',
    ...(policies.length > 0 ? { policies } : {}),
  };
}

/** The metric specs buildHPA puts in the HPA: CPUTarget first, then metricsTarget, else a bare CPU metric. */
function horizontalMetrics(f: HorizontalFixture): Record<string, unknown>[] {
  const metrics: Record<string, unknown>[] = [];
  if ((f.CPUTarget ?? 0) > 0) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: f.CPUTarget } },
    });
  }
  metrics.push(...(f.metricsTarget ?? []));
  // buildHPA's own "defaulting" adds a CPU metric without a target.
  return metrics.length > 0 ? metrics : [{ type: 'Resource', resource: { name: 'cpu' } }];
}

const failed = (path: string): Fetched<unknown> => ({
  path,
  error: { code: 500, message: 'something went wrong' },
});

/** The answer the fake clients give for one metric spec (reportedLevels, timestamps now, window 1m). */
function horizontalAnswer(f: HorizontalFixture, spec: Record<string, unknown>): Fetched<unknown> | null {
  const levels = f.reportedLevels ?? [];
  const now = iso(NOW);
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource':
      if (f.failing?.includes('resource')) return failed(RESOURCE_PATH);
      return ok(
        RESOURCE_PATH,
        podMetricsList(
          levels.map((cpu, i) => ({
            name: `test-pod-${i}`,
            containers: [Math.trunc(cpu / 2), Math.trunc(cpu / 2)],
            timestamp: now,
            window: '1m0s',
          })),
        ),
      );
    case 'Pods':
      return f.failing?.includes('custom') ? failed(PODS_PATH) : ok(PODS_PATH, podsMetricList(levels, now));
    case 'Object': {
      if (f.failing?.includes('custom')) return failed(OBJECT_PATH);
      const object = (spec.object as { describedObject: { kind: string; name: string; apiVersion: string } })
        .describedObject;
      return ok(OBJECT_PATH, objectMetricList(levels[0] ?? 0, object, now));
    }
    case 'External':
      return f.failing?.includes('external')
        ? failed(EXTERNAL_PATH)
        : ok(EXTERNAL_PATH, externalMetricList(levels, now));
    default:
      return null;
  }
}

/** AddListPodsReactor: one pod per request (or per status replica), requests split over two containers. */
function horizontalPods(f: HorizontalFixture): PodFixture[] {
  const count = f.reportedCPURequests ? f.reportedCPURequests.length : f.statusReplicas;
  return Array.from({ length: count }, (_, i) => {
    const request = f.reportedCPURequests?.[i] ?? '1.0';
    const half = { cpu: milli(milliOf(request) / 2n) };
    const start = f.reportedPodStartTime?.[i] ?? ZERO_TIME;
    return {
      name: `test-pod-${i}`,
      phase: f.reportedPodPhase?.[i] ?? 'Running',
      ready: f.reportedPodReadiness?.[i] ?? 'True',
      readyTransition: start,
      startTime: start,
      deleted: f.reportedPodDeletionTimestamp?.[i] ?? false,
      containers: [
        { name: 'container1', requests: half },
        { name: 'container2', requests: half },
      ],
    };
  });
}

function milliOf(q: string): bigint {
  return milliValue(parseQuantity(q));
}

export function horizontalSnapshot(f: HorizontalFixture): HPASnapshot {
  const behavior =
    f.scaleUpRules || f.scaleDownRules
      ? {
          behavior: {
            ...(f.scaleUpRules ? { scaleUp: f.scaleUpRules } : {}),
            ...(f.scaleDownRules ? { scaleDown: f.scaleDownRules } : {}),
          },
        }
      : {};
  const metrics = horizontalMetrics(f);
  const s = snapshot({
    hpa: {
      spec: {
        scaleTargetRef: f.resource ?? RC,
        minReplicas: f.minReplicas,
        maxReplicas: f.maxReplicas,
        metrics,
        ...behavior,
      },
      status: {
        currentReplicas: f.specReplicas,
        desiredReplicas: f.specReplicas,
        ...(f.lastScaleTime ? { lastScaleTime: f.lastScaleTime } : {}),
        ...(f.initialConditions ? { conditions: f.initialConditions } : {}),
      },
    },
    spec: f.specReplicas,
    status: f.statusReplicas,
    selector: f.selector ?? SELECTOR,
    pods: horizontalPods(f),
    metrics: metrics.map((m) => horizontalAnswer(f, m)),
    controller: {
      scaleToZero: f.hpaScaleToZero ?? true,
      configurableTolerance: f.configurableTolerance ?? true,
    },
  });
  if (f.scaleFails) s.scale = failed(s.scale?.path ?? '');
  if (f.conflictingHPAs) s.conflictingHPAs = f.conflictingHPAs;
  return s;
}

/** A Pods metric of qps with an AverageValue target. */
export const qps = (averageValue: string) => ({
  type: 'Pods',
  pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue } },
});

/** An HPA of web in shop on its Deployment, 1 to 10 replicas on qps (1 per pod); `spec` replaces fields. */
export function hpaBody(spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [qps('1')],
      ...spec,
    },
    status: {},
  };
}
