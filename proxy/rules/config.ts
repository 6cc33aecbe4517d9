// prometheus-adapter's configuration file, read unchanged. Like the adapter (yaml.UnmarshalStrict)
// unknown keys are errors, but ours name the key, its place and its line. Four keys are cmetrics
// extensions (docs/configuration.md): `backends`, a rule's `backend`, a rule's `metricName`, which
// names the metric directly instead of discovering it through `seriesQuery`, and `upstreams`, the
// metrics servers that answer what no rule serves.
import {
  type Alias,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml';

export interface GroupResourceRef {
  group: string;
  resource: string;
}

export interface ResourceMapping {
  template: string;
  overrides: Record<string, GroupResourceRef>;
  namespaced: boolean | undefined;
}

export interface DiscoveryRule {
  /** Empty for a rule with `metricName` (no discovery). */
  seriesQuery: string;
  /** Extension: the metric this rule always serves, without a seriesQuery. */
  metricName: string;
  /** Extension: the backend that answers this rule ('' for the default, --prometheus-url). */
  backend: string;
  seriesFilters: { is?: string; isNot?: string }[];
  resources: ResourceMapping;
  name: { matches: string; as: string };
  metricsQuery: string;
  /** Where the rule stands, for messages: `rules[2]` and its line. */
  origin: { path: string; line: number };
}

export interface ResourceRule {
  containerQuery: string;
  nodeQuery: string;
  resources: ResourceMapping;
  containerLabel: string;
}

/** Extension: a Prometheus-compatible server (Prometheus, Thanos, Mimir, VictoriaMetrics) and its auth. */
export interface Backend {
  name: string;
  /**
   * Where it answers, in order of preference: `url`, or `urls` for servers holding the same data
   * (an HA pair without a query layer over it), tried in turn when one fails.
   */
  urls: string[];
  timeout: string;
  bearerTokenFile: string;
  basicAuth: { username: string; passwordFile: string } | undefined;
  tls: { caFile: string; certFile: string; keyFile: string; serverName: string; insecureSkipVerify: boolean };
  headers: Record<string, string>;
}

/** The groups an upstream may answer: the ones whose metric names no rule may serve. */
export const UPSTREAM_GROUPS = ['external.metrics.k8s.io', 'custom.metrics.k8s.io'] as const;

/**
 * Extension: a metrics API server (KEDA's, another adapter) that answers the metrics of `groups`
 * no rule serves, called directly at `url` with the proxy's own credentials.
 */
export interface Upstream {
  name: string;
  url: string;
  groups: (typeof UPSTREAM_GROUPS)[number][];
  /** Regular expressions (RE2, unanchored): the metric names forwarded; none means every name. */
  metrics: string[];
  timeout: string;
  bearerTokenFile: string;
  tls: Backend['tls'];
  /** Where it stands, for messages: `upstreams[0]` and its line. */
  origin: { path: string; line: number };
}

export interface AdapterConfig {
  rules: DiscoveryRule[];
  externalRules: DiscoveryRule[];
  resourceRules: { cpu: ResourceRule; memory: ResourceRule; window: string; backend: string } | undefined;
  backends: Backend[];
  upstreams: Upstream[];
}

export class ConfigError extends Error {}

type Shape =
  | 'string'
  | 'bool'
  | { list: Shape }
  | { map: Shape }
  | { fields: Record<string, Shape>; required?: string[] };

const groupResource: Shape = { fields: { group: 'string', resource: 'string' } };
const resourceMapping: Shape = {
  fields: { template: 'string', overrides: { map: groupResource }, namespaced: 'bool' },
};
const discoveryRule: Shape = {
  fields: {
    seriesQuery: 'string',
    seriesFilters: { list: { fields: { is: 'string', isNot: 'string' } } },
    resources: resourceMapping,
    name: { fields: { matches: 'string', as: 'string' } },
    metricsQuery: 'string',
    metricName: 'string',
    backend: 'string',
  },
};
const tls: Shape = {
  fields: {
    caFile: 'string',
    certFile: 'string',
    keyFile: 'string',
    serverName: 'string',
    insecureSkipVerify: 'bool',
  },
};
const backend: Shape = {
  fields: {
    name: 'string',
    url: 'string',
    urls: { list: 'string' },
    timeout: 'string',
    bearerTokenFile: 'string',
    basicAuth: { fields: { username: 'string', passwordFile: 'string' } },
    tls,
    headers: { map: 'string' },
  },
};
const upstream: Shape = {
  fields: {
    name: 'string',
    url: 'string',
    groups: { list: 'string' },
    metrics: { list: 'string' },
    timeout: 'string',
    bearerTokenFile: 'string',
    tls,
  },
};
const resourceRule: Shape = {
  fields: {
    containerQuery: 'string',
    nodeQuery: 'string',
    resources: resourceMapping,
    containerLabel: 'string',
  },
};
const rootShape: Shape = {
  fields: {
    rules: { list: discoveryRule },
    externalRules: { list: discoveryRule },
    resourceRules: {
      fields: { cpu: resourceRule, memory: resourceRule, window: 'string', backend: 'string' },
    },
    backends: { list: backend },
    upstreams: { list: upstream },
  },
};

/** Parses and validates an adapter config; `file` only labels messages. */
export function parseAdapterConfig(text: string, file = 'config'): AdapterConfig {
  const lines = new LineCounter();
  // merge: `<<: *anchor` merge keys, as Go's YAML (and so prometheus-adapter) reads them.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: true });
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lines.linePos(node.range[0]).line : 0;
  const first = doc.errors[0];
  if (first) {
    // linePos is only filled in with prettyErrors; pos (offsets) always is.
    const line = first.linePos?.[0]?.line ?? lines.linePos(first.pos[0]).line;
    throw new ConfigError(`${file}:${line}: invalid YAML: ${first.message.split('\n')[0]}`);
  }
  const configError = (node: Node | null | undefined, path: string, msg: string) =>
    new ConfigError(`${file}:${lineOf(node)}: ${path ? `${path}: ` : ''}${msg}`);
  const fail = (node: Node | null | undefined, path: string, msg: string): never => {
    throw configError(node, path, msg);
  };
  // An alias is the last node anchored before it. The yaml package leaves one without to toJS, which
  // throws a ReferenceError (found by fuzzing, test/fuzz/targets/adapter-config.fuzz.ts); Go's YAML
  // refuses it while parsing (gopkg.in/yaml.v2 decode.go parser.alias), in the same words.
  const resolve = (alias: Alias): Node =>
    (alias.resolve(doc) as Node | undefined) ??
    fail(
      alias,
      '',
      `invalid YAML: unknown anchor '${alias.source}' referenced (an anchor, &${alias.source}, must come before its alias)`,
    );

  const check = (node: unknown, shape: Shape, path: string): void => {
    if (node === null || node === undefined) return;
    // An alias is its anchor's node (a configuration may share one mapping among rules).
    if (isAlias(node)) {
      check(resolve(node), shape, path);
      return;
    }
    if (isScalar(node) && node.value === null) return;
    const n = node as Node;
    if (shape === 'string') {
      if (!isScalar(n) || typeof n.value === 'object') fail(n, path, 'must be a string');
      return;
    }
    if (shape === 'bool') {
      if (!isScalar(n) || typeof n.value !== 'boolean') fail(n, path, 'must be true or false');
      return;
    }
    if ('list' in shape) {
      if (!isSeq(n)) throw configError(n, path, 'must be a list');
      n.items.forEach((item, i) => {
        check(item, shape.list, `${path}[${i}]`);
      });
      return;
    }
    if (!isMap(n)) throw configError(n, path, 'must be a mapping');
    for (const pair of n.items) {
      if (!isPair(pair) || !isScalar(pair.key)) throw configError(n, path, 'keys must be plain strings');
      // With merge on, the yaml package reads a plain `<<` key as a symbol: a merge key, whose
      // mapping (or list of them) holds entries of this same mapping. Anything else there made its
      // toJS throw a plain Error (found by fuzzing); Go's YAML refuses it in these words
      // (gopkg.in/yaml.v2 decode.go failWantMap).
      if (typeof pair.key.value === 'symbol') {
        const merged = isAlias(pair.value) ? resolve(pair.value) : pair.value;
        for (const item of isSeq(merged) ? merged.items : [merged]) {
          const m = isAlias(item) ? resolve(item) : item;
          if (!isMap(m))
            fail((m ?? pair.key) as Node, path, 'map merge requires map or sequence of maps as the value');
          check(m, shape, path);
        }
        continue;
      }
      const key = String(pair.key.value);
      const sub = path ? `${path}.${key}` : key;
      if ('map' in shape) {
        check(pair.value, shape.map, sub);
        continue;
      }
      // Own keys only: `__proto__` or `constructor` named Object.prototype's (found by fuzzing).
      const fieldShape = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
      if (!fieldShape) {
        const known = Object.keys(shape.fields).join(', ');
        fail(pair.key as Node, path || 'top level', `unknown key "${key}" (known keys: ${known})`);
      }
      check(pair.value, fieldShape as Shape, sub);
    }
  };
  check(doc.contents, rootShape, '');
  // The yaml package refuses too many aliases of one anchor (a billion laughs) with a ReferenceError,
  // where Go's YAML says "document contains excessive aliasing" (gopkg.in/yaml.v2 decode.go).
  const toJS = (): unknown => {
    try {
      return doc.toJS();
    } catch (e) {
      if (e instanceof ReferenceError) throw new ConfigError(`${file}: invalid YAML: ${e.message}`);
      throw e;
    }
  };

  const raw = (toJS() ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(doc.contents, '', 'the config must be a mapping');
  const nodeAt = (path: (string | number)[]) => doc.getIn(path, true) as Node | undefined;

  const discoveryRules = (key: 'rules' | 'externalRules'): DiscoveryRule[] =>
    ((raw[key] as Record<string, unknown>[] | undefined) ?? []).map((r, i) => {
      const path = `${key}[${i}]`;
      const node = nodeAt([key, i]);
      const rule = toDiscoveryRule(r ?? {}, { path, line: lineOf(node) });
      if (!rule.seriesQuery === !rule.metricName) {
        fail(
          node,
          path,
          'give seriesQuery (discover metrics from series) or metricName (one fixed metric), not both',
        );
      }
      if (rule.metricName && (r?.name || r?.seriesFilters)) {
        fail(node, path, 'name and seriesFilters only apply to rules with seriesQuery');
      }
      if (!rule.metricsQuery) fail(node, path, 'metricsQuery is required');
      rule.seriesFilters.forEach((f, j) => {
        if ((f.is === undefined) === (f.isNot === undefined)) {
          fail(
            nodeAt([key, i, 'seriesFilters', j]),
            `${path}.seriesFilters[${j}]`,
            'give exactly one of is or isNot',
          );
        }
      });
      return rule;
    });

  const rr = raw.resourceRules as Record<string, Record<string, unknown> | undefined> | undefined;
  let resourceRules: AdapterConfig['resourceRules'];
  if (rr) {
    const part = (name: 'cpu' | 'memory'): ResourceRule => {
      const r = rr[name] ?? {};
      const rule = {
        containerQuery: str(r.containerQuery),
        nodeQuery: str(r.nodeQuery),
        resources: toResourceMapping(r.resources),
        containerLabel: str(r.containerLabel),
      };
      if (!rule.containerQuery || !rule.nodeQuery) {
        fail(
          nodeAt(['resourceRules', name]) ?? nodeAt(['resourceRules']),
          `resourceRules.${name}`,
          'containerQuery and nodeQuery are required',
        );
      }
      return rule;
    };
    resourceRules = {
      cpu: part('cpu'),
      memory: part('memory'),
      window: str(rr.window as unknown) || '1m',
      backend: str(rr.backend as unknown),
    };
  }

  const backends = ((raw.backends as Record<string, unknown>[] | undefined) ?? []).map((b, i) => {
    const node = nodeAt(['backends', i]);
    const backend = toBackend(b ?? {});
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(backend.name)) {
      fail(node, `backends[${i}]`, 'name is required: lowercase letters, digits and -');
    }
    if (b?.url !== undefined && b.urls !== undefined)
      fail(node, `backends[${i}]`, 'give url (one server) or urls (servers holding the same data), not both');
    if (!backend.urls.length || !backend.urls.every((u) => /^https?:\/\//.test(u)))
      fail(node, `backends[${i}]`, 'url (or urls) is required: http:// or https://');
    if (new Set(backend.urls).size !== backend.urls.length)
      fail(node, `backends[${i}]`, 'urls lists one URL twice');
    if (backend.bearerTokenFile && backend.basicAuth)
      fail(node, `backends[${i}]`, 'give bearerTokenFile or basicAuth, not both');
    return backend;
  });
  const names = new Set(backends.map((b) => b.name));
  if (names.size !== backends.length) fail(nodeAt(['backends']), 'backends', 'backend names must be unique');
  const upstreams = ((raw.upstreams as Record<string, unknown>[] | undefined) ?? []).map((u, i) => {
    const path = `upstreams[${i}]`;
    const node = nodeAt(['upstreams', i]);
    const up = toUpstream(u ?? {}, { path, line: lineOf(node) });
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(up.name))
      fail(node, path, 'name is required: lowercase letters, digits and -');
    // Aggregated API servers serve TLS only (k8s.io/apiserver pkg/server/options SecureServingOptions).
    if (!/^https:\/\/[^/]+\/?$/.test(up.url))
      fail(node, path, 'url is required: https://HOST[:PORT] of the metrics server, without a path');
    const wrong = up.groups.find((g) => !(UPSTREAM_GROUPS as readonly string[]).includes(g));
    if (wrong !== undefined)
      fail(
        nodeAt(['upstreams', i, 'groups']),
        path,
        `groups: "${wrong}" is not one of ${UPSTREAM_GROUPS.join(', ')}`,
      );
    return up;
  });
  if (new Set(upstreams.map((u) => u.name)).size !== upstreams.length)
    fail(nodeAt(['upstreams']), 'upstreams', 'upstream names must be unique');
  const config = {
    rules: discoveryRules('rules'),
    externalRules: discoveryRules('externalRules'),
    resourceRules,
    backends,
    upstreams,
  };
  for (const key of ['rules', 'externalRules'] as const) {
    config[key].forEach((rule, i) => {
      if (rule.backend && !names.has(rule.backend)) {
        fail(
          nodeAt([key, i, 'backend']),
          rule.origin.path,
          `backend "${rule.backend}" is not among backends (${[...names].join(', ') || 'none defined'})`,
        );
      }
    });
  }
  if (resourceRules?.backend && !names.has(resourceRules.backend)) {
    fail(
      nodeAt(['resourceRules', 'backend']),
      'resourceRules',
      `backend "${resourceRules.backend}" is not among backends`,
    );
  }
  return config;
}

function toTls(v: unknown): Backend['tls'] {
  const tls = (v ?? {}) as Record<string, unknown>;
  return {
    caFile: str(tls.caFile),
    certFile: str(tls.certFile),
    keyFile: str(tls.keyFile),
    serverName: str(tls.serverName),
    insecureSkipVerify: tls.insecureSkipVerify === true,
  };
}

function toUpstream(u: Record<string, unknown>, origin: Upstream['origin']): Upstream {
  const groups = (u.groups as unknown[] | undefined)?.map(str) ?? ['external.metrics.k8s.io'];
  return {
    name: str(u.name),
    url: str(u.url),
    groups: groups as Upstream['groups'],
    metrics: ((u.metrics as unknown[] | undefined) ?? []).map(str),
    timeout: str(u.timeout),
    bearerTokenFile: str(u.bearerTokenFile),
    tls: toTls(u.tls),
    origin,
  };
}

function toBackend(b: Record<string, unknown>): Backend {
  const basic = b.basicAuth as Record<string, unknown> | undefined;
  return {
    name: str(b.name),
    urls: b.urls === undefined ? (b.url === undefined ? [] : [str(b.url)]) : (b.urls as unknown[]).map(str),
    timeout: str(b.timeout),
    bearerTokenFile: str(b.bearerTokenFile),
    basicAuth: basic ? { username: str(basic.username), passwordFile: str(basic.passwordFile) } : undefined,
    tls: toTls(b.tls),
    headers: Object.fromEntries(
      Object.entries((b.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k, str(v)]),
    ),
  };
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function toResourceMapping(v: unknown): ResourceMapping {
  const r = (v ?? {}) as Record<string, unknown>;
  // fromEntries defines each label as its own key: an assignment to `__proto__` would set the prototype.
  const overrides: Record<string, GroupResourceRef> = Object.fromEntries(
    Object.entries((r.overrides ?? {}) as Record<string, Record<string, unknown> | null>).map(
      ([label, gr]) => [label, { group: str(gr?.group), resource: str(gr?.resource) }],
    ),
  );
  return {
    template: str(r.template),
    overrides,
    namespaced: typeof r.namespaced === 'boolean' ? r.namespaced : undefined,
  };
}

function toDiscoveryRule(r: Record<string, unknown>, origin: DiscoveryRule['origin']): DiscoveryRule {
  const name = (r.name ?? {}) as Record<string, unknown>;
  const filters = (r.seriesFilters ?? []) as Record<string, unknown>[];
  return {
    seriesQuery: str(r.seriesQuery),
    seriesFilters: filters.map((f) => ({
      ...(f?.is !== undefined && f?.is !== null ? { is: str(f.is) } : {}),
      ...(f?.isNot !== undefined && f?.isNot !== null ? { isNot: str(f.isNot) } : {}),
    })),
    resources: toResourceMapping(r.resources),
    name: { matches: str(name.matches), as: str(name.as) },
    metricsQuery: str(r.metricsQuery),
    metricName: str(r.metricName),
    backend: str(r.backend),
    origin,
  };
}
