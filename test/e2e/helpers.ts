// What the end-to-end tests share: kubectl against the harness, raw API reads, bounded waits,
// Prometheus queries and a load generator that stops by itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { inject } from 'vitest';
import { promQuery } from '../harness/prometheus.ts';

export function kubectl(args: string[], input?: string): string {
  return execFileSync(join(inject('binDir'), 'kubectl'), [`--kubeconfig=${inject('kubeconfig')}`, ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `kubectl get --raw PATH`: the parsed body, or the exit code and stderr when it fails. */
export function getRaw<T>(path: string): { ok: true; body: T } | { ok: false; stderr: string } {
  const r = spawnSync(
    join(inject('binDir'), 'kubectl'),
    [`--kubeconfig=${inject('kubeconfig')}`, 'get', '--raw', path],
    {
      encoding: 'utf8',
    },
  );
  return r.status === 0 ? { ok: true, body: JSON.parse(r.stdout) as T } : { ok: false, stderr: r.stderr };
}

export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ''}`);
}

export function servedPods(): Record<string, string> {
  const file = inject('podRunnerState');
  if (!existsSync(file)) return {};
  const state = JSON.parse(readFileSync(file, 'utf8')) as { pods: { name: string; ip: string }[] };
  return Object.fromEntries(state.pods.map((p) => [p.name, p.ip]));
}

export function prometheus(query: string, timeSeconds?: number) {
  return promQuery(inject('prometheusUrl'), query, timeSeconds);
}

export async function hit(ip: string, path: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await request(`http://${ip}:3000${path}`);
    await res.body.text();
  }
}

/** Sends `perSecond` requests a second, spread over the pods `targets()` returns, until stopped or `maxMs` passes. */
export function startLoad(targets: () => string[], perSecond: number, maxMs: number) {
  let stopped = false;
  const deadline = Date.now() + maxMs;
  let sent = 0;
  const done = (async () => {
    while (!stopped && Date.now() < deadline) {
      const ips = targets();
      const started = Date.now();
      await Promise.all(
        Array.from({ length: perSecond }, (_, i) => {
          const ip = ips[i % Math.max(1, ips.length)];
          sent++;
          return ip ? hit(ip, '/').catch(() => undefined) : undefined;
        }),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
      return sent;
    },
  };
}
