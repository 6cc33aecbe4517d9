// Nothing the harness started may listen on, or talk to, an address outside 127.0.0.0/8. Runs last
// (files run in name order), after every other suite has made its connections.
import { describe, expect, inject, it } from 'vitest';
import { isLoopback, pidsInGroups, socketsOf } from '../harness/sockets.ts';

describe('harness network confinement', () => {
  it('has only loopback sockets in every harness process', () => {
    const pids = pidsInGroups(inject('harnessGroups'));
    expect(pids.length).toBeGreaterThanOrEqual(inject('harnessGroups').length);
    const sockets = socketsOf(pids);
    expect(sockets.length).toBeGreaterThan(0);
    const offenders = sockets.filter((s) => !isLoopback(s.local, false) || !isLoopback(s.remote, true));
    expect(offenders, JSON.stringify(offenders, null, 2)).toEqual([]);
  });
});
