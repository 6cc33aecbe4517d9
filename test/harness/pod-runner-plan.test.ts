import { describe, expect, it } from 'vitest';
import {
  type DesiredApp,
  desiredApps,
  isLoopbackIPv4,
  type PodLike,
  type SkipReason,
} from './pod-runner-plan.ts';

interface PodSpec {
  ns?: string;
  name: string;
  uid?: string;
  phase?: string;
  ip?: string;
  created?: string;
  deleting?: boolean;
  hostNetwork?: boolean;
}

function pod(p: PodSpec): PodLike {
  return {
    metadata: {
      namespace: p.ns ?? 'default',
      name: p.name,
      ...(p.uid === '' ? {} : { uid: p.uid ?? `uid-${p.name}` }),
      ...(p.created ? { creationTimestamp: p.created } : {}),
      ...(p.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    ...(p.hostNetwork ? { spec: { hostNetwork: true } } : {}),
    status: {
      ...(p.phase === undefined ? { phase: 'Running' } : p.phase ? { phase: p.phase } : {}),
      ...(p.ip ? { podIP: p.ip } : {}),
    },
  };
}

const app = (name: string, ip: string, ns = 'default', port = 3000): DesiredApp => ({
  uid: `uid-${name}`,
  namespace: ns,
  name,
  ip,
  port,
});

describe('desiredApps', () => {
  it.each<[string, PodSpec[], DesiredApp[], [string, SkipReason][]]>([
    ['no pods', [], [], []],
    ['one running loopback pod', [{ name: 'a', ip: '127.1.0.2' }], [app('a', '127.1.0.2')], []],
    ['127.0.0.1 itself is loopback', [{ name: 'a', ip: '127.0.0.1' }], [app('a', '127.0.0.1')], []],
    [
      'sorted by namespace then name',
      [
        { ns: 'b', name: 'x', ip: '127.1.0.4' },
        { ns: 'a', name: 'z', ip: '127.1.0.3' },
        { ns: 'a', name: 'y', ip: '127.1.0.2' },
      ],
      [app('y', '127.1.0.2', 'a'), app('z', '127.1.0.3', 'a'), app('x', '127.1.0.4', 'b')],
      [],
    ],
    ['pending pod', [{ name: 'a', phase: 'Pending', ip: '127.1.0.2' }], [], [['a', 'not-running']]],
    ['succeeded pod', [{ name: 'a', phase: 'Succeeded', ip: '127.1.0.2' }], [], [['a', 'not-running']]],
    ['failed pod', [{ name: 'a', phase: 'Failed', ip: '127.1.0.2' }], [], [['a', 'not-running']]],
    ['no phase', [{ name: 'a', phase: '', ip: '127.1.0.2' }], [], [['a', 'not-running']]],
    ['running without an IP yet', [{ name: 'a' }], [], [['a', 'no-ip']]],
    ['terminating pod', [{ name: 'a', ip: '127.1.0.2', deleting: true }], [], [['a', 'terminating']]],
    ['no uid', [{ name: 'a', uid: '', ip: '127.1.0.2' }], [], [['a', 'no-uid']]],
    ['cluster pod IP', [{ name: 'a', ip: '10.244.0.7' }], [], [['a', 'non-loopback-ip']]],
    ['128.x is not loopback', [{ name: 'a', ip: '128.0.0.1' }], [], [['a', 'non-loopback-ip']]],
    ['"127." prefix but not an IP', [{ name: 'a', ip: '127.1.0.300' }], [], [['a', 'non-loopback-ip']]],
    ['IPv6 loopback', [{ name: 'a', ip: '::1' }], [], [['a', 'non-loopback-ip']]],
    ['host network', [{ name: 'a', ip: '127.0.0.1', hostNetwork: true }], [], [['a', 'host-network']]],
    [
      'same IP twice: the older pod keeps it',
      [
        { name: 'new', ip: '127.1.0.2', created: '2026-01-02T00:00:00Z' },
        { name: 'old', ip: '127.1.0.2', created: '2026-01-01T00:00:00Z' },
      ],
      [app('old', '127.1.0.2')],
      [['new', 'duplicate-ip']],
    ],
    [
      'same IP, same age: by name',
      [
        { name: 'b', ip: '127.1.0.2' },
        { name: 'a', ip: '127.1.0.2' },
      ],
      [app('a', '127.1.0.2')],
      [['b', 'duplicate-ip']],
    ],
    [
      'a terminating pod does not hold its IP',
      [
        { name: 'old', ip: '127.1.0.2', created: '2026-01-01T00:00:00Z', deleting: true },
        { name: 'new', ip: '127.1.0.2', created: '2026-01-02T00:00:00Z' },
      ],
      [app('new', '127.1.0.2')],
      [['old', 'terminating']],
    ],
    [
      'mixed',
      [
        { name: 'a', ip: '127.1.0.2' },
        { name: 'b', phase: 'Pending' },
        { name: 'c', ip: '192.168.1.5' },
        { name: 'd', ip: '127.1.0.3', deleting: true },
        { name: 'e', ip: '127.1.0.4' },
      ],
      [app('a', '127.1.0.2'), app('e', '127.1.0.4')],
      [
        ['b', 'not-running'],
        ['c', 'non-loopback-ip'],
        ['d', 'terminating'],
      ],
    ],
  ])('%s', (_, pods, apps, skipped) => {
    const plan = desiredApps(pods.map(pod), { port: 3000 });
    expect(plan.apps).toEqual(apps);
    expect(plan.skipped.map((s) => [s.name, s.reason])).toEqual(skipped);
  });

  it('uses the port of the options', () => {
    expect(desiredApps([pod({ name: 'a', ip: '127.1.0.2' })], { port: 8080 }).apps).toEqual([
      app('a', '127.1.0.2', 'default', 8080),
    ]);
  });

  it('reports the IP of a skipped pod', () => {
    expect(desiredApps([pod({ name: 'a', ip: '10.0.0.1' })], { port: 3000 }).skipped).toEqual([
      { uid: 'uid-a', namespace: 'default', name: 'a', ip: '10.0.0.1', reason: 'non-loopback-ip' },
    ]);
  });

  it('accepts Date timestamps and tolerates bad ones', () => {
    const pods: PodLike[] = [
      {
        metadata: { name: 'x', namespace: 'n', uid: '1', creationTimestamp: 'garbage' },
        status: { phase: 'Running', podIP: '127.1.0.9' },
      },
      {
        metadata: {
          name: 'y',
          namespace: 'n',
          uid: '2',
          creationTimestamp: new Date('2026-01-01T00:00:00Z'),
        },
        status: { phase: 'Running', podIP: '127.1.0.9' },
      },
    ];
    const plan = desiredApps(pods, { port: 3000 });
    expect(plan.apps.map((a) => a.name)).toEqual(['y']);
    expect(plan.skipped.map((s) => [s.name, s.reason])).toEqual([['x', 'duplicate-ip']]);
  });

  it('does not modify its input', () => {
    const pods = [pod({ name: 'b', ip: '127.1.0.3' }), pod({ name: 'a', ip: '127.1.0.2' })];
    const copy = structuredClone(pods);
    desiredApps(pods, { port: 3000 });
    expect(pods).toEqual(copy);
  });
});

describe('isLoopbackIPv4', () => {
  it.each<[string, boolean]>([
    ['127.0.0.1', true],
    ['127.1.0.2', true],
    ['127.255.255.255', true],
    ['126.255.255.255', false],
    ['10.0.0.1', false],
    ['127.1', false],
    ['::1', false],
    ['::ffff:127.0.0.1', false],
    ['', false],
  ])('%s → %s', (ip, want) => {
    expect(isLoopbackIPv4(ip)).toBe(want);
  });
});
