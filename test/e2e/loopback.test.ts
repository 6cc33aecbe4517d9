// Nothing the harness started may listen on, or talk to, an address outside 127.0.0.0/8. Runs last
// (vitest.config.ts), after every other suite has made its connections; processes a test file ran
// and stopped (KEDA, metrics-server: test/harness/keda.ts, metrics-server.ts) are checked by the
// sockets they held just before.
import { request } from 'undici';
import { describe, expect, inject, it } from 'vitest';
import { offLoopback, pidsInGroups, recordedSockets, socketsOf } from '../harness/sockets.ts';

describe('harness network confinement', () => {
  it('has only loopback sockets in every harness process', async () => {
    // The harness's processes now: those from the start, and any restarted since (kube-apiserver).
    const res = await request(`${inject('harnessControl')}/process-groups`);
    const groups = [...new Set([...inject('harnessGroups'), ...((await res.body.json()) as number[])])];
    const pids = pidsInGroups(groups);
    expect(pids.length).toBeGreaterThanOrEqual(inject('harnessGroups').length);
    const sockets = socketsOf(pids);
    expect(sockets.length).toBeGreaterThan(0);
    const offenders = offLoopback(sockets);
    expect(offenders, JSON.stringify(offenders, null, 2)).toEqual([]);
  });

  it('had only loopback sockets in the processes test files stopped', () => {
    const recorded = recordedSockets(inject('workDir'));
    console.log(
      `[loopback] recorded before they stopped: ${Object.entries(recorded)
        .map(([name, sockets]) => `${name} (${sockets.length} sockets)`)
        .join(', ')}`,
    );
    for (const [name, sockets] of Object.entries(recorded)) {
      const offenders = offLoopback(sockets);
      expect(offenders, `${name}: ${JSON.stringify(offenders, null, 2)}`).toEqual([]);
    }
  });
});
