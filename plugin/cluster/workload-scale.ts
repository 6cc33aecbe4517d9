// The scale subresource of an apps/v1 workload, built from the workload itself as the API server builds
// it (kubernetes pkg/registry/apps/deployment/storage/storage.go scaleFromDeployment, and its twins
// scaleFromStatefulSet and scaleFromReplicaSet in statefulset/ and replicaset/): `explain hpa -A` reads
// hundreds of targets from one list of their kind instead of one GET of /scale each.
import { formatSelector, type LabelSelector, selectorFromLabelSelector } from '../../shared/labels.ts';

/** The apps/v1 kinds whose scale is the object's own replicas and selector, by the resource they are listed at. */
export const SCALED_BY_LIST: Readonly<Record<string, string>> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  ReplicaSet: 'replicasets',
};

/** A Deployment, StatefulSet or ReplicaSet as listed: the fields its scale is made of. */
export interface ScaledWorkload {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
  };
  spec?: { replicas?: number; selector?: LabelSelector | null };
  status?: { replicas?: number };
}

/**
 * The autoscaling/v1 Scale the API server answers for `workload`, as it serializes it (spec.replicas
 * and status.selector left out when empty); undefined when spec.selector is invalid, where the server
 * answers 400 (the caller then asks for the scale itself).
 */
export function scaleFromWorkload(workload: ScaledWorkload): unknown {
  let selector: string;
  try {
    // metav1.LabelSelectorAsSelector(...).String(): both a missing and an empty selector give "".
    selector = formatSelector(selectorFromLabelSelector(workload.spec?.selector));
  } catch {
    return undefined;
  }
  const { name, namespace, uid, resourceVersion, creationTimestamp } = workload.metadata;
  const specReplicas = workload.spec?.replicas;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: specReplicas ? { replicas: specReplicas } : {},
    status: { replicas: workload.status?.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}
