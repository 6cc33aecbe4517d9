// Readiness: the checks /readyz runs, each with the detail an operator reads, and their report in
// kube-apiserver's text form (as metrics-server's pkg/server/health.go defines its checks).
import type { ReloadStatus } from '../config/live.ts';

export interface HealthCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail: string }>;
}

/** The /readyz answer: `[+]name ok` or `[-]name failed: detail` per check, then the verdict. */
export async function readinessReport(
  checks: readonly HealthCheck[],
): Promise<{ ok: boolean; text: string }> {
  const results = await Promise.all(checks.map(async (h) => ({ name: h.name, ...(await h.check()) })));
  const ok = results.every((r) => r.ok);
  const text = results
    .map(
      (r) =>
        `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? `ok${r.detail ? ` (${r.detail})` : ''}` : `failed: ${r.detail}`}`,
    )
    .join('\n');
  return { ok, text: `${text}\nreadyz check ${ok ? 'passed' : 'failed'}\n` };
}

/**
 * Every Prometheus backend of the configuration in force can answer (for a backend of several
 * servers: one of them); the detail names each server that cannot.
 */
export function prometheusCheck(
  backends: () => readonly { ready(): Promise<{ ok: boolean; detail: string }> }[],
): HealthCheck {
  return {
    name: 'prometheus',
    check: async () => {
      const results = await Promise.all(backends().map((b) => b.ready()));
      return {
        ok: results.every((r) => r.ok),
        detail: results
          .map((r) => r.detail)
          .filter(Boolean)
          .join('; '),
      };
    },
  };
}

/** A refused reload leaves the previous configuration serving: ready, with the reason shown. */
export function configCheck(status: () => ReloadStatus): HealthCheck {
  return {
    name: 'config',
    check: async () => {
      const { lastError } = status();
      return {
        ok: true,
        detail: lastError ? `reload refused, previous configuration in force: ${lastError}` : '',
      };
    },
  };
}

/** Objects keep being served from the caches while a watch restarts (kube-apiserver away). */
export function cachesCheck(caches: { status(): { ok: boolean; detail: string } }): HealthCheck {
  return { name: 'caches', check: async () => caches.status() };
}

/** The first relist finished; a later one that failed leaves the previous metric list in force. */
export function metricDiscoveryCheck(relister: {
  readonly synced: boolean;
  readonly lastError: string | undefined;
}): HealthCheck {
  return {
    name: 'metric-discovery',
    check: async () => ({
      ok: relister.synced,
      detail: relister.lastError
        ? `last relist failed, previous metric list in force: ${relister.lastError}`
        : relister.synced
          ? ''
          : 'first relist not finished',
    }),
  };
}

/**
 * metrics.k8s.io answers from a snapshot no older than two periods (as metrics-server's
 * `metric-storage-ready` probe asks its storage, pkg/storage/storage.go Ready); refused series are
 * shown, still ready.
 */
export function resourceMetricsCheck(
  store: {
    read(): { snapshot: { info: { problems: string[] } } } | { unavailable: string };
    readonly lastError: string | undefined;
  },
  served: () => boolean,
): HealthCheck {
  return {
    name: 'resource-metrics',
    check: async () => {
      if (!served()) return { ok: true, detail: '' };
      const read = store.read();
      if ('unavailable' in read) return { ok: false, detail: read.unavailable };
      const notes = [...read.snapshot.info.problems];
      if (store.lastError)
        notes.unshift(`last evaluation failed, previous snapshot in force: ${store.lastError}`);
      return { ok: true, detail: notes.join('; ') };
    },
  };
}
