// `migrate check`'s two readings of one HPA: the snapshot `explain hpa` takes (the controller's calls,
// answered by whatever server holds each APIService), then each of its metric calls in the groups
// being compared made again, same path and query, of cmetrics reached directly.
import type { Shadow } from '../hpa/shadow.ts';
import type { ControllerSettings } from '../hpa/snapshot.ts';
import type { KubeApi } from './api.ts';
import { fetchSnapshot, record } from './hpa-snapshot.ts';
import type { Session } from './session.ts';

/** The group of a recorded metrics call: `/apis/GROUP/VERSION/…`. */
const groupOfPath = (path: string) => /^\/apis\/([^/]+)\//.exec(path)?.[1];

export async function fetchShadow(
  s: Session,
  cmetrics: KubeApi,
  name: string,
  controller: ControllerSettings,
  groups: readonly string[],
): Promise<Shadow> {
  const serving = await fetchSnapshot(s, name, controller);
  const compared = serving.metrics.map((m) => !!m && groups.includes(groupOfPath(m.path) ?? ''));
  const metrics = await Promise.all(
    serving.metrics.map((m, i) => (m && compared[i] ? record(cmetrics, (a) => a.metricsCall(m.path)) : m)),
  );
  return { serving, cmetrics: { ...serving, metrics }, compared };
}
