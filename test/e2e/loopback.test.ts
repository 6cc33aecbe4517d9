// Nothing the harness started may listen on, or talk to, an address outside 127.0.0.0/8. Runs last
// (vitest.config.ts), after every other suite has made its connections; processes a test started
// and stopped itself (metrics-server) are checked by the sockets they held just before they stopped.
import { request } from 'undici';
import { describe, expect, inject, it } from 'vitest';
import { isLoopback, pidsInGroups, recordedSockets, socketRecords, socketsOf } from '../harness/sockets.ts';

describe('harness network confinement', () => {
  it('has only loopback sockets in every harness process', async () => {
    // The harness's processes now: those from the start, and any restarted since (kube-apiserver).
    const res = await request(`${inject('harnessControl')}/process-groups`);
    const groups = [...new Set([...inject('harnessGroups'), ...((await res.body.json()) as number[])])];
    const pids = pidsInGroups(groups);
    expect(pids.length).toBeGreaterThanOrEqual(inject('harnessGroups').length);
    const recorded = recordedSockets(socketRecords(inject('workDir')));
    console.log(
      `[loopback] ${pids.length} running processes, and the recorded sockets of ${Object.keys(recorded).join(', ') || 'no stopped one'}`,
    );
    const sockets = [...socketsOf(pids), ...Object.values(recorded).flat()];
    expect(sockets.length).toBeGreaterThan(0);
    const offenders = sockets.filter((s) => !isLoopback(s.local, false) || !isLoopback(s.remote, true));
    expect(offenders, JSON.stringify(offenders, null, 2)).toEqual([]);
  });
});
