// The workloads of `top deployments|statefulsets|daemonsets|jobs` and the pods each owns, through the
// controller owner references the controllers set (kubernetes pkg/controller/controller_ref_manager.go):
// a Deployment's pods through its ReplicaSets, the other kinds' pods directly.
import type { ItemList, KubeApi, NamedObject, OwnerReference, PodObject } from './api.ts';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job';

/** Where each kind is listed. */
const LISTED: Record<WorkloadKind, { groupVersion: string; resource: string }> = {
  Deployment: { groupVersion: 'apps/v1', resource: 'deployments' },
  StatefulSet: { groupVersion: 'apps/v1', resource: 'statefulsets' },
  DaemonSet: { groupVersion: 'apps/v1', resource: 'daemonsets' },
  Job: { groupVersion: 'batch/v1', resource: 'jobs' },
};

export interface Workload {
  namespace: string;
  name: string;
  /** The pods it owns that have not finished (phase Succeeded or Failed), in the order the API listed them. */
  pods: PodObject[];
}

/** Which workloads: one namespace (undefined: all), a label selector on the workloads, one name. */
export interface WorkloadScope {
  namespace: string | undefined;
  labelSelector?: string | undefined;
  name?: string | undefined;
}

/** The managing owner (metav1.GetControllerOf): the reference with controller true. */
const controllerOf = (meta: { ownerReferences?: OwnerReference[] | undefined }) =>
  meta.ownerReferences?.find((r) => r.controller);

/** The workloads with the pods whose controller chain ends at each (Pod → ReplicaSet → Deployment). */
function rollUp(
  kind: WorkloadKind,
  workloads: readonly NamedObject[],
  pods: readonly PodObject[],
  replicaSets: readonly NamedObject[],
): Workload[] {
  const owned = new Map<string, Workload>();
  const rows = workloads.map((w) => {
    const row: Workload = { namespace: w.metadata.namespace ?? '', name: w.metadata.name, pods: [] };
    if (w.metadata.uid) owned.set(w.metadata.uid, row);
    return row;
  });
  const replicaSetOwner = new Map<string, OwnerReference | undefined>(
    replicaSets.flatMap((r) => (r.metadata.uid ? [[r.metadata.uid, controllerOf(r.metadata)]] : [])),
  );
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    let owner = controllerOf(pod.metadata);
    if (kind === 'Deployment' && owner?.kind === 'ReplicaSet') owner = replicaSetOwner.get(owner.uid);
    if (owner?.kind === kind) owned.get(owner.uid)?.pods.push(pod);
  }
  return rows;
}

/** The workloads of `kind` in scope with their pods: the workloads, the pods (and the ReplicaSets) of the namespace, one list each. */
export async function fetchWorkloads(
  api: KubeApi,
  kind: WorkloadKind,
  scope: WorkloadScope,
): Promise<Workload[]> {
  const { groupVersion, resource } = LISTED[kind];
  const { namespace } = scope;
  const none: Promise<ItemList<NamedObject>> = Promise.resolve({ items: [] });
  const [workloads, pods, replicaSets] = await Promise.all([
    api.objects(groupVersion, resource, {
      namespace,
      labelSelector: scope.labelSelector,
      fieldSelector: scope.name ? `metadata.name=${scope.name}` : undefined,
    }),
    api.listPods({ namespace }),
    kind === 'Deployment' ? api.objects('apps/v1', 'replicasets', { namespace }) : none,
  ]);
  return rollUp(kind, workloads.items, pods, replicaSets.items);
}
