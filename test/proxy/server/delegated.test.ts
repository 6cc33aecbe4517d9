import { describe, expect, it } from 'vitest';
import {
  type Post,
  subjectAccessReviewAuthorizer,
  tokenReviewAuthenticator,
} from '../../../proxy/server/delegated.ts';
import type { UserInfo } from '../../../proxy/server/front-proxy.ts';
import { requestAttributes } from '../../../proxy/server/request-info.ts';
import { TtlCache } from '../../../proxy/server/ttl-cache.ts';

/** A stub of KubeRest.post that answers from `answer` and records every call. */
function stubPost(answer: (path: string, body: unknown) => unknown) {
  const calls: { path: string; body: unknown }[] = [];
  const post: Post = async <T>(path: string, body: unknown) => {
    calls.push({ path, body });
    return answer(path, body) as T;
  };
  return { post, calls };
}

function clock() {
  const c = { ms: 0, now: () => c.ms };
  return c;
}

const alice: UserInfo = {
  name: 'alice',
  uid: 'a1',
  groups: ['devs', 'system:authenticated'],
  extra: { scopes: ['x'] },
};

describe('TtlCache', () => {
  it('forgets entries after their TTL and the oldest beyond its size', () => {
    const c = clock();
    const cache = new TtlCache<number>(2, c.now);
    cache.set('a', 1, 10);
    cache.set('b', 2, 100);
    c.ms = 10;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    cache.set('c', 3, 100);
    cache.set('d', 4, 100);
    expect([cache.get('b'), cache.get('c'), cache.get('d'), cache.size]).toEqual([undefined, 3, 4, 2]);
  });
});

describe('tokenReviewAuthenticator', () => {
  it.each<[string, unknown, unknown]>([
    [
      'an accepted token',
      {
        status: {
          authenticated: true,
          user: { username: 'system:serviceaccount:ns:sa', uid: 'u', groups: ['g'] },
        },
      },
      { user: { name: 'system:serviceaccount:ns:sa', uid: 'u', groups: ['g'], extra: {} } },
    ],
    [
      'a rejected token',
      { status: { authenticated: false, error: 'token expired' } },
      { rejection: 'the token was not accepted: token expired' },
    ],
    ['an empty status', {}, { rejection: 'the token was not accepted' }],
  ])('%s', async (_what, review, want) => {
    const { post, calls } = stubPost(() => review);
    expect(await tokenReviewAuthenticator(post)('t0k3n')).toEqual(want);
    expect(calls).toEqual([
      {
        path: '/apis/authentication.k8s.io/v1/tokenreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 't0k3n' } },
      },
    ]);
  });

  it('remembers verdicts for the TTL, not errors', async () => {
    const c = clock();
    let fail = true;
    const { post, calls } = stubPost(() => {
      if (fail) throw new Error('unreachable');
      return { status: { authenticated: false } };
    });
    const authenticate = tokenReviewAuthenticator(post, { ttlMs: 10_000, now: c.now });
    await expect(authenticate('t')).rejects.toThrow('unreachable');
    fail = false;
    await authenticate('t');
    c.ms = 9_999;
    await authenticate('t');
    expect(calls).toHaveLength(2);
    c.ms = 10_000;
    await authenticate('t');
    expect(calls).toHaveLength(3);
  });
});

describe('subjectAccessReviewAuthorizer', () => {
  it.each<[string, string, unknown]>([
    [
      'a resource request',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods',
      {
        resourceAttributes: {
          verb: 'list',
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          resource: 'pods',
          subresource: '',
          name: '',
          namespace: 'default',
        },
      },
    ],
    ['a non-resource request', '/metrics', { nonResourceAttributes: { verb: 'get', path: '/metrics' } }],
  ])('sends %s with the user', async (_what, path, attributes) => {
    const { post, calls } = stubPost(() => ({ status: { allowed: false, reason: 'no' } }));
    const decision = await subjectAccessReviewAuthorizer(post)(
      alice,
      requestAttributes('GET', path, new URLSearchParams()),
    );
    expect(decision).toEqual({ allowed: false, reason: 'no' });
    expect(calls).toEqual([
      {
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: 'alice',
            uid: 'a1',
            groups: alice.groups,
            extra: alice.extra,
            ...(attributes as object),
          },
        },
      },
    ]);
  });

  it('allows system:masters without asking', async () => {
    const { post, calls } = stubPost(() => ({}));
    const admin = { ...alice, groups: ['system:masters'] };
    expect(
      await subjectAccessReviewAuthorizer(post)(
        admin,
        requestAttributes('GET', '/metrics', new URLSearchParams()),
      ),
    ).toEqual({
      allowed: true,
      reason: '',
    });
    expect(calls).toEqual([]);
  });

  it('remembers allow and deny per user and attributes for the TTL', async () => {
    const c = clock();
    const { post, calls } = stubPost(() => ({ status: { allowed: true } }));
    const authorize = subjectAccessReviewAuthorizer(post, { ttlMs: 10_000, now: c.now });
    const list = requestAttributes('GET', '/apis/metrics.k8s.io/v1/pods', new URLSearchParams());
    const get = requestAttributes('GET', '/apis/metrics.k8s.io/v1/nodes/n1', new URLSearchParams());
    await authorize(alice, list);
    await authorize(alice, list);
    await authorize(alice, get);
    await authorize({ ...alice, name: 'bob' }, list);
    expect(calls).toHaveLength(3);
    c.ms = 10_000;
    await authorize(alice, list);
    expect(calls).toHaveLength(4);
  });
});
