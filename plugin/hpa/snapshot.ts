// The HPA snapshot: everything `explain hpa` reads from the cluster, as one JSON document. The
// decision is computed from it alone (decision.ts), so `--from-snapshot` explains offline with the same
// output as the live command, and Kubernetes' own controller test cases can be written as snapshots.
// Objects are kept as the API sent them (minus managedFields): the format follows Kubernetes, not us.
// Documented for users in docs/hpa-snapshot.md. parseSnapshot checks the snapshot's own fields when
// it is loaded; the objects inside are read, with Kubernetes' defaults, by objects.ts.

import { closest } from '../../shared/text.ts';
import { at, InvalidField, isObject, type Json, time } from './fields.ts';

export const SNAPSHOT_API_VERSION = 'cmetrics.io/v1alpha1';
export const SNAPSHOT_KIND = 'HPASnapshot';

/** A failed API call, as the controller would have seen it. */
export interface FetchError {
  /** HTTP status; 0 when the server could not be reached. */
  code: number;
  /** The Status message (or the transport error). */
  message: string;
}

/** One API call and its answer: `body` on success, `error` otherwise. */
export interface Fetched<T> {
  /** The request path with its query string, e.g. `/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns/pods/%2A/qps?labelSelector=app%3Dweb`. */
  path: string;
  body?: T;
  error?: FetchError;
}

/**
 * The controller's flags and feature gates that a client cannot read: the defaults of
 * kube-controller-manager unless the user says otherwise (`--tolerance`, …).
 */
export interface ControllerSettings {
  /** --horizontal-pod-autoscaler-tolerance (default 0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period in seconds (default 300). */
  cpuInitializationPeriodSeconds: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay in seconds (default 30). */
  initialReadinessDelaySeconds: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization in seconds (default 300). */
  downscaleStabilizationSeconds: number;
  /** --horizontal-pod-autoscaler-sync-period in seconds (default 15). */
  syncPeriodSeconds: number;
  /** HPAConfigurableTolerance gate: behavior.scaleUp/scaleDown.tolerance are honoured (on since 1.35). */
  configurableTolerance: boolean;
  /** PodLevelResources gate: pod-level requests stand in for containers' (absent: on from 1.34, by serverVersion). */
  podLevelResources?: boolean;
  /** HPAScaleToZero gate (1.37 controller; absent: on from 1.37, by serverVersion). */
  scaleToZero?: boolean;
}

export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = {
  tolerance: 0.1,
  cpuInitializationPeriodSeconds: 300,
  initialReadinessDelaySeconds: 30,
  downscaleStabilizationSeconds: 300,
  syncPeriodSeconds: 15,
  configurableTolerance: true,
};

export interface HPASnapshot {
  apiVersion: typeof SNAPSHOT_API_VERSION;
  kind: typeof SNAPSHOT_KIND;
  /** The client's clock when the snapshot was taken (RFC 3339): "now" for readiness and windows. */
  takenAt: string;
  /** The server version (`/version` gitVersion), when known. */
  serverVersion?: string;
  controller: ControllerSettings;
  /** GET /apis/autoscaling/v2/namespaces/NS/horizontalpodautoscalers/NAME */
  hpa: Fetched<unknown>;
  /** GET the target's scale subresource (autoscaling/v1 Scale). */
  scale?: Fetched<unknown>;
  /** GET /api/v1/namespaces/NS/pods?labelSelector=<scale.status.selector> (a PodList). */
  pods?: Fetched<unknown>;
  /**
   * One entry per `hpa.spec.metrics[i]`, same order: the call the controller makes for it
   * (metrics.k8s.io PodMetricsList; custom pods/* MetricValueList; custom Object MetricValue(List);
   * external ExternalMetricValueList). Absent when the metric could not be requested (e.g. no selector).
   */
  metrics: (Fetched<unknown> | null)[];
  /** Events whose involvedObject is the HPA (an EventList), for recent rescales. */
  events?: Fetched<unknown>;
  /** Other HPAs in the namespace whose target selects some of the same pods (AmbiguousSelector). */
  conflictingHPAs?: string[];
  /**
   * The documents the failure diagnosis reads (docs/hpa-snapshot.md), fetched only when a metric call
   * failed; the decision does not read them.
   */
  diagnosis?: {
    /** GET /apis/apiregistration.k8s.io/v1/apiservices, the metrics groups' items only. */
    apiServices?: Fetched<unknown>;
    /** The discovery document (APIResourceList) of each metrics group version a failed call used. */
    discovery?: Record<string, Fetched<unknown>>;
  };
}

/** The object at `path`, with only the `known` fields (a typo is not silently ignored). */
function fieldsOf(v: unknown, path: string, expected: string, known: readonly string[]): Json {
  if (!isObject(v)) throw new InvalidField(path, expected, v);
  for (const key of Object.keys(v)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known, 1)[0];
    throw new InvalidField(
      at(path, key),
      `one of ${known.join(', ')}`,
      key,
      `unknown field${hint ? ` (did you mean ${hint}?)` : ''}; the fields are ${known.join(', ')}`,
    );
  }
  return v;
}

function need<T>(v: unknown, path: string, expected: string, is: (v: unknown) => v is T): T {
  if (!is(v)) throw new InvalidField(path, expected, v);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);

function optional(doc: Json, key: string, path: string, read: (v: unknown, path: string) => unknown): void {
  if (doc[key] !== undefined) read(doc[key], at(path, key));
}

function checkFetched(v: unknown, path: string): void {
  const f = fieldsOf(v, path, 'a Fetched object ({path, body} or {path, error})', ['path', 'body', 'error']);
  need(f.path, at(path, 'path'), 'a string', isString);
  if (f.body === undefined && f.error === undefined) {
    throw new InvalidField(path, 'body or error', f, 'expected a body or an error, but it has neither');
  }
  if (f.body !== undefined && f.error !== undefined) {
    throw new InvalidField(path, 'body or error', f, 'expected a body or an error, but it has both');
  }
  // Every API answer is a JSON object; its fields are read, as Kubernetes reads them, by objects.ts.
  if (f.body !== undefined) need(f.body, at(path, 'body'), 'an object', isObject);
  if (f.error !== undefined) {
    const errorPath = at(path, 'error');
    const e = fieldsOf(f.error, errorPath, 'an object {code, message}', ['code', 'message']);
    need(e.code, at(errorPath, 'code'), 'an integer (the HTTP status, 0 when unreachable)', isInteger);
    need(e.message, at(errorPath, 'message'), 'a string', isString);
  }
}

const CONTROLLER_NUMBERS = [
  'tolerance',
  'cpuInitializationPeriodSeconds',
  'initialReadinessDelaySeconds',
  'downscaleStabilizationSeconds',
  'syncPeriodSeconds',
] as const;
const CONTROLLER_GATES = ['configurableTolerance', 'podLevelResources', 'scaleToZero'] as const;

function checkController(v: unknown, path: string): void {
  const c = fieldsOf(v, path, 'an object (the controller settings)', [
    ...CONTROLLER_NUMBERS,
    ...CONTROLLER_GATES,
  ]);
  for (const key of CONTROLLER_NUMBERS) need(c[key], at(path, key), 'a number', isNumber);
  need(c.configurableTolerance, at(path, 'configurableTolerance'), 'true or false', isBoolean);
  optional(c, 'podLevelResources', path, (g, p) => need(g, p, 'true or false', isBoolean));
  optional(c, 'scaleToZero', path, (g, p) => need(g, p, 'true or false', isBoolean));
}

function checkDiagnosis(v: unknown, path: string): void {
  const d = fieldsOf(v, path, 'an object {apiServices, discovery}', ['apiServices', 'discovery']);
  optional(d, 'apiServices', path, checkFetched);
  optional(d, 'discovery', path, (discovery, p) => {
    const byGroupVersion = need(discovery, p, 'an object of Fetched by group version', isObject);
    for (const [groupVersion, f] of Object.entries(byGroupVersion)) checkFetched(f, at(p, groupVersion));
  });
}

const TOP_FIELDS = [
  'apiVersion',
  'kind',
  'takenAt',
  'serverVersion',
  'controller',
  'hpa',
  'scale',
  'pods',
  'metrics',
  'events',
  'conflictingHPAs',
  'diagnosis',
];

/**
 * The document as an HPASnapshot, every field of the snapshot itself checked (types, required ones,
 * no unknown ones); throws InvalidField naming the first that is wrong. The objects in `body` are
 * checked where they are read (objects.ts), with Kubernetes' defaults for absent fields.
 */
export function parseSnapshot(doc: unknown): HPASnapshot {
  const want = `apiVersion ${SNAPSHOT_API_VERSION}, kind ${SNAPSHOT_KIND}`;
  // Another document altogether is named as such, before any of its fields.
  if (!isObject(doc)) throw new InvalidField('', `an HPA snapshot (${want})`, doc);
  if (doc.apiVersion !== SNAPSHOT_API_VERSION || doc.kind !== SNAPSHOT_KIND) {
    throw new InvalidField('', want, doc, `not an HPA snapshot (want ${want})`);
  }
  const s = fieldsOf(doc, '', 'an HPA snapshot', TOP_FIELDS);
  time(need(s.takenAt, 'takenAt', 'an RFC 3339 time', isString), 'takenAt');
  optional(s, 'serverVersion', '', (v, p) => need(v, p, 'a string such as "v1.37.2"', isString));
  checkController(s.controller, 'controller');
  checkFetched(s.hpa, 'hpa');
  for (const key of ['scale', 'pods', 'events']) optional(s, key, '', checkFetched);
  need(s.metrics, 'metrics', 'an array (one entry per hpa.spec.metrics[i])', Array.isArray).forEach(
    (m: unknown, i: number) => {
      if (m !== null) checkFetched(m, at('metrics', i));
    },
  );
  optional(s, 'conflictingHPAs', '', (v, p) =>
    need(v, p, 'an array of HPA names', Array.isArray).forEach((name: unknown, i: number) => {
      need(name, at(p, i), 'a string', isString);
    }),
  );
  optional(s, 'diagnosis', '', checkDiagnosis);
  return s as unknown as HPASnapshot;
}
