// Delegated authentication and authorization: bearer tokens through TokenReview and every decision
// through SubjectAccessReview, both cached briefly as apiserver's delegating defaults do (10 s).
import { createHash } from 'node:crypto';
import type { UserInfo } from './front-proxy.ts';
import type { RequestAttributes } from './request-info.ts';
import { TtlCache } from './ttl-cache.ts';

/** KubeRest.post's shape: the one call this module makes to the API server. */
export type Post = <T>(path: string, body: unknown) => Promise<T>;

interface CacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

export type TokenVerdict = { user: UserInfo } | { rejection: string };

/** Authenticates bearer tokens; accepted and rejected tokens are remembered (by hash), API errors are not. */
export function tokenReviewAuthenticator(post: Post, opts: CacheOptions = {}) {
  const ttlMs = opts.ttlMs ?? 10_000;
  const cache = new TtlCache<TokenVerdict>(opts.maxEntries ?? 1024, opts.now);
  return async (token: string): Promise<TokenVerdict> => {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = cache.get(key);
    if (cached) return cached;
    const review = await post<{ status?: TokenReviewStatus }>('/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    });
    const s = review.status ?? {};
    const verdict: TokenVerdict =
      s.authenticated && s.user?.username
        ? {
            user: {
              name: s.user.username,
              uid: s.user.uid ?? '',
              groups: s.user.groups ?? [],
              extra: s.user.extra ?? {},
            },
          }
        : { rejection: `the token was not accepted${s.error ? `: ${s.error}` : ''}` };
    cache.set(key, verdict, ttlMs);
    return verdict;
  };
}

/** A SubjectAccessReview's answer: allowed or not, and the authorizer's reason. */
export interface AuthorizationDecision {
  allowed: boolean;
  reason: string;
}

interface SubjectAccessReviewStatus {
  allowed?: boolean;
  reason?: string;
}

const ALWAYS_ALLOWED_GROUP = 'system:masters';

/** Decides through SubjectAccessReview; allow and deny are remembered, API errors are not. */
export function subjectAccessReviewAuthorizer(post: Post, opts: CacheOptions = {}) {
  const ttlMs = opts.ttlMs ?? 10_000;
  const cache = new TtlCache<AuthorizationDecision>(opts.maxEntries ?? 4096, opts.now);
  return async (user: UserInfo, attributes: RequestAttributes): Promise<AuthorizationDecision> => {
    if (user.groups.includes(ALWAYS_ALLOWED_GROUP)) return { allowed: true, reason: '' };
    const { kind, ...attrs } = attributes;
    const spec = {
      user: user.name,
      uid: user.uid,
      groups: user.groups,
      extra: user.extra,
      ...(kind === 'resource' ? { resourceAttributes: attrs } : { nonResourceAttributes: attrs }),
    };
    const key = JSON.stringify(spec);
    const cached = cache.get(key);
    if (cached) return cached;
    const review = await post<{ status?: SubjectAccessReviewStatus }>(
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
    );
    const decision = { allowed: review.status?.allowed === true, reason: review.status?.reason ?? '' };
    cache.set(key, decision, ttlMs);
    return decision;
  };
}
