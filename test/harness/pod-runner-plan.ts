// Pure planning for the pod runner: from the pods the informer holds, which sample-app processes
// should exist and on which address. No I/O here, so it is unit-tested table-driven.
import { isIPv4 } from 'node:net';

/** The fields of a Pod the plan reads (a V1Pod, or the raw JSON of one, fits). */
export interface PodLike {
  metadata?: {
    namespace?: string;
    name?: string;
    uid?: string;
    creationTimestamp?: Date | string;
    deletionTimestamp?: Date | string;
  };
  spec?: { hostNetwork?: boolean };
  status?: { phase?: string; podIP?: string };
}

export interface PlanOptions {
  /** Port every app listens on, at its pod's IP. */
  port: number;
}

/** One process to run: the app for pod `uid`, listening on `ip:port`. */
export interface DesiredApp {
  uid: string;
  namespace: string;
  name: string;
  ip: string;
  port: number;
}

export type SkipReason =
  | 'no-uid' // malformed object
  | 'terminating' // has a deletionTimestamp
  | 'not-running' // phase is not Running
  | 'no-ip' // Running but no podIP yet
  | 'host-network' // shares its node's IP: no per-pod listener
  | 'non-loopback-ip' // the runner only ever binds 127.0.0.0/8
  | 'duplicate-ip'; // another (older) pod already gets this IP

export interface SkippedPod {
  uid: string;
  namespace: string;
  name: string;
  ip: string | undefined;
  reason: SkipReason;
}

export interface Plan {
  /** Sorted by namespace, then name. */
  apps: DesiredApp[];
  /** Every pod not in `apps`, with the reason: in input order, then the duplicate-ip ones. */
  skipped: SkippedPod[];
}

/** Reasons the runner should log: the pod looks servable but will not be served. */
export const NOTEWORTHY_SKIPS: ReadonlySet<SkipReason> = new Set([
  'host-network',
  'non-loopback-ip',
  'duplicate-ip',
]);

export function isLoopbackIPv4(ip: string): boolean {
  return isIPv4(ip) && ip.startsWith('127.');
}

function time(t: Date | string | undefined): number {
  if (t === undefined) return Number.POSITIVE_INFINITY;
  const ms = (t instanceof Date ? t : new Date(t)).getTime();
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

function byName(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  return a.namespace < b.namespace
    ? -1
    : a.namespace > b.namespace
      ? 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0;
}

export function desiredApps(pods: Iterable<PodLike>, opts: PlanOptions): Plan {
  const skipped: SkippedPod[] = [];
  const candidates: { app: DesiredApp; created: number }[] = [];
  for (const pod of pods) {
    const md = pod.metadata ?? {};
    const id = { uid: md.uid ?? '', namespace: md.namespace ?? '', name: md.name ?? '' };
    const ip = pod.status?.podIP || undefined;
    const skip = (reason: SkipReason) => skipped.push({ ...id, ip, reason });
    if (!id.uid) skip('no-uid');
    else if (md.deletionTimestamp) skip('terminating');
    else if (pod.status?.phase !== 'Running') skip('not-running');
    else if (!ip) skip('no-ip');
    else if (pod.spec?.hostNetwork) skip('host-network');
    else if (!isLoopbackIPv4(ip)) skip('non-loopback-ip');
    else candidates.push({ app: { ...id, ip, port: opts.port }, created: time(md.creationTimestamp) });
  }
  // Only one process can bind an ip:port: the oldest pod keeps it (ties: by namespace/name, then uid).
  candidates.sort(
    (a, b) => a.created - b.created || byName(a.app, b.app) || (a.app.uid < b.app.uid ? -1 : 1),
  );
  const taken = new Set<string>();
  const apps: DesiredApp[] = [];
  for (const { app } of candidates) {
    if (taken.has(app.ip)) {
      skipped.push({
        uid: app.uid,
        namespace: app.namespace,
        name: app.name,
        ip: app.ip,
        reason: 'duplicate-ip',
      });
      continue;
    }
    taken.add(app.ip);
    apps.push(app);
  }
  apps.sort(byName);
  return { apps, skipped };
}
