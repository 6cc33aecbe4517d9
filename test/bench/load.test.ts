import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { percentiles, runLoad, runPaced } from './load.ts';

describe('runLoad', () => {
  it('numbers the requests it sends', async () => {
    const seen: number[] = [];
    const r = await runLoad(
      async (i) => {
        seen.push(i);
        return 1;
      },
      {
        concurrency: 2,
        durationMs: 1000,
        maxRequests: 6,
      },
    );
    expect(r.requests).toBe(6);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('runPaced', () => {
  it('sends each request when due, numbered', async () => {
    const sentAt: number[] = [];
    const t0 = performance.now();
    const r = await runPaced(
      async (i) => {
        sentAt[i] = performance.now() - t0;
        return 1;
      },
      {
        rate: 50,
        durationMs: 200,
        maxInFlight: 5,
      },
    );
    expect(r.due).toBe(10);
    expect(r.missed).toBe(0);
    expect(r.requests).toBe(10);
    // Request i is due at 20·i ms; timers may fire late, never early.
    for (const [i, ms] of sentAt.entries()) expect(ms).toBeGreaterThanOrEqual(20 * i - 1);
  });

  it('counts the wait for a worker in the latency, and what never got one as missed', async () => {
    const r = await runPaced(() => sleep(60).then(() => 1), { rate: 100, durationMs: 200, maxInFlight: 1 });
    expect(r.due).toBe(20);
    expect(r.requests + r.missed).toBe(20);
    expect(r.missed).toBeGreaterThan(10);
    // The last one sent waited for those before it.
    expect(r.latencyMs.max).toBeGreaterThan(100);
  });
});

describe('percentiles', () => {
  it('takes the nearest rank', () => {
    expect(percentiles([5, 1, 3, 2, 4])).toEqual({ p50: 3, p99: 5, max: 5 });
    expect(percentiles([])).toEqual({ p50: 0, p99: 0, max: 0 });
  });
});
