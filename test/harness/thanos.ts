// Thanos (built by build-binaries.sh with WITH_THANOS=1) over two Prometheus servers scraping the
// stack's targets, each with external label `replica` and a Thanos sidecar, and Thanos Query over
// both sidecars deduplicating on `replica`: the HA setup users run. Every listener on 127.0.0.1.
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from './processes.ts';
import { type PrometheusReplica, startPrometheusReplica, waitUntilReady } from './prometheus.ts';
import { pidsInGroups, recordSockets } from './sockets.ts';

export interface Thanos {
  /** Thanos Query's HTTP API: what cmetrics is pointed at. */
  queryUrl: string;
  /** The two Prometheus servers, replica a and b. */
  prometheus: PrometheusReplica[];
  stop(): Promise<void>;
}

export async function startThanos(opts: { workDir: string; binDir: string }): Promise<Thanos> {
  const logs = join(opts.workDir, 'logs');
  const thanos = join(opts.binDir, 'thanos');
  const procs: Proc[] = [];
  const prometheus: PrometheusReplica[] = [];
  const grpcPorts: number[] = [];
  const stop = async () => {
    recordSockets(opts.workDir, 'thanos', pidsInGroups(procs.map((p) => p.pid)));
    for (const p of procs.reverse()) await stopProcess(p);
    for (const p of prometheus) await p.stop();
  };
  try {
    for (const replica of ['a', 'b']) {
      const server = await startPrometheusReplica(opts.workDir, `prometheus-${replica}`, {
        externalLabels: { replica },
      });
      prometheus.push(server);
      const grpc = await freePort();
      grpcPorts.push(grpc);
      const http = await freePort();
      const sidecar = startProcess(
        `thanos-sidecar-${replica}`,
        thanos,
        [
          'sidecar',
          `--prometheus.url=${server.url}`,
          `--tsdb.path=${server.dataDir}`,
          `--grpc-address=127.0.0.1:${grpc}`,
          `--http-address=127.0.0.1:${http}`,
        ],
        logs,
      );
      procs.push(sidecar);
      await waitUntilReady(`thanos sidecar ${replica}`, `http://127.0.0.1:${http}`, sidecar, 60_000);
    }
    const query = await startQuery(thanos, logs, 'thanos-query', grpcPorts, [
      '--query.replica-label=replica',
    ]);
    procs.push(query.proc);
    const queryUrl = query.url;
    // Query is ready before it has asked its endpoints what they hold: wait until both answer.
    await waitFor(
      'thanos query sees both sidecars',
      async () => {
        const res = await request(`${queryUrl}/api/v1/stores`);
        const body = (await res.body.json()) as { data?: Record<string, { lastError: string | null }[]> };
        const sidecars = Object.values(body.data ?? {}).flat();
        return sidecars.length === 2 && sidecars.every((s) => !s.lastError) ? true : undefined;
      },
      { proc: query.proc, timeoutMs: 60_000 },
    );
    return { queryUrl, prometheus, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The header Thanos Query reads a query's tenant from. */
export const TENANT_HEADER = 'THANOS-TENANT';

/**
 * Thanos Receive holding one TSDB per tenant, fed by a Prometheus that remote-writes each tenant's
 * series (`tenants`: tenant → regular expression of metric names) labelled with their tenant, and
 * Thanos Query over it enforcing tenancy: a query sees only the series of the tenant its header
 * names (or of the default tenant, `nobody`, without the header). The tenant travels as a label
 * (Receive's --receive.split-tenant-label-name), not as the write's THANOS-TENANT header: Debian's
 * Prometheus 2.42 sends no `headers` of a remote_write (seen here with a listener printing them).
 */
export async function startThanosReceive(opts: {
  workDir: string;
  binDir: string;
  tenants: Record<string, string>;
}): Promise<{ queryUrl: string; stop(): Promise<void> }> {
  const logs = join(opts.workDir, 'logs');
  const thanos = join(opts.binDir, 'thanos');
  const procs: Proc[] = [];
  let prometheus: PrometheusReplica | undefined;
  const stop = async () => {
    recordSockets(opts.workDir, 'thanos-receive', pidsInGroups(procs.map((p) => p.pid)));
    await prometheus?.stop();
    for (const p of procs.reverse()) await stopProcess(p);
  };
  try {
    const [grpc, http, write, capnproto] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const receive = startProcess(
      'thanos-receive',
      thanos,
      [
        'receive',
        `--tsdb.path=${join(opts.workDir, 'thanos-receive')}`,
        `--grpc-address=127.0.0.1:${grpc}`,
        `--http-address=127.0.0.1:${http}`,
        `--remote-write.address=127.0.0.1:${write}`,
        // Its Cap'n Proto replication server listens on every interface unless told (default 0.0.0.0:19391).
        `--receive.capnproto-address=127.0.0.1:${capnproto}`,
        '--label=receive="local"',
        `--receive.tenant-header=${TENANT_HEADER}`,
        '--receive.split-tenant-label-name=tenant',
        '--receive.default-tenant-id=nobody',
      ],
      logs,
    );
    procs.push(receive);
    await waitUntilReady('thanos receive', `http://127.0.0.1:${http}`, receive, 60_000);
    prometheus = await startPrometheusReplica(opts.workDir, 'prometheus-tenants', {
      remoteWrite: Object.entries(opts.tenants).map(([tenant, metrics]) => ({
        url: `http://127.0.0.1:${write}/api/v1/receive`,
        write_relabel_configs: [
          { source_labels: ['__name__'], regex: metrics, action: 'keep' },
          { target_label: 'tenant', replacement: tenant, action: 'replace' },
        ],
        queue_config: { batch_send_deadline: '1s' },
      })),
    });
    const query = await startQuery(
      thanos,
      logs,
      'thanos-query-tenants',
      [grpc],
      [
        '--query.enforce-tenancy',
        `--query.tenant-header=${TENANT_HEADER}`,
        '--query.tenant-label-name=tenant_id',
        '--query.default-tenant-id=nobody',
      ],
    );
    procs.push(query.proc);
    const queryUrl = query.url;
    return { queryUrl, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Thanos Query over the StoreAPIs on `endpoints` (gRPC ports), with `flags`, once ready. */
async function startQuery(
  thanos: string,
  logs: string,
  name: string,
  endpoints: readonly number[],
  flags: readonly string[],
): Promise<{ proc: Proc; url: string }> {
  const http = await freePort();
  const proc = startProcess(
    name,
    thanos,
    [
      'query',
      `--http-address=127.0.0.1:${http}`,
      `--grpc-address=127.0.0.1:${await freePort()}`,
      ...endpoints.map((p) => `--endpoint=127.0.0.1:${p}`),
      ...flags,
    ],
    logs,
  );
  const url = `http://127.0.0.1:${http}`;
  await waitUntilReady(name, url, proc, 60_000);
  return { proc, url };
}
