// A discovery rule compiled against the cluster's resources: which series it keeps, what it names
// them, which Kubernetes resources their labels describe, and the PromQL it sends for a request.
// Mirrors prometheus-adapter pkg/naming; differences are deliberate fixes and are marked.
import { parseDuration } from '../../shared/duration.ts';
import type { Requirement } from '../../shared/labels.ts';
import { compareCodeUnits } from '../../shared/text.ts';
import { ConfigError, type DiscoveryRule, type GroupResourceRef, type ResourceMapping } from './config.ts';
import { isLabelName, matchAny, matcher, regexForTemplate } from './promql.ts';
import {
  type GroupResource,
  groupResourceString,
  NAMESPACES,
  NODES,
  PERSISTENT_VOLUMES,
  type ResourceMapper,
  sameGroupResource,
} from './resources.ts';
import { asStruct, parseTemplate, type Template } from './template.ts';

/** Bound on object names spelled out in one query; above it the query selects the whole namespace
 * and the answer is filtered here (adapter #668 sent a regex of every pod name). */
export const MAX_NAMES_IN_QUERY = 100;

export class QueryError extends Error {}

/** What building a query needs: the template, the label of each resource, the rule's place for messages. */
export interface QueryRule {
  query: Template;
  labelFor(resource: GroupResource): string | undefined;
  origin: { path: string };
}

export interface CompiledRule extends QueryRule {
  rule: DiscoveryRule;
  keepsSeries(name: string): boolean;
  metricName(seriesName: string): string;
  resourcesFor(labelNames: Iterable<string>): { resources: GroupResource[]; namespaced: boolean };
  /** Seconds covered by the query's first range selector (`[30s]`), the answer's window. */
  windowSeconds: number | undefined;
}

interface ObjectQuery {
  seriesName: string;
  resource: GroupResource;
  namespace: string | undefined;
  /** Object names to select, or 'any' for every object of the resource (in the namespace). */
  names: readonly string[] | 'any';
  metricSelector: readonly Requirement[];
  /** Labels grouped by besides the resource's (the adapter's extraGroupBy: the container label). */
  extraGroupBy?: readonly string[];
}

export function compileRule(rule: DiscoveryRule, mapper: ResourceMapper): CompiledRule {
  const where = `${rule.origin.path} (line ${rule.origin.line})`;
  const regex = (source: string, what: string): RegExp => {
    try {
      return new RegExp(goRegex(source));
    } catch (e) {
      throw new ConfigError(
        `${where}: ${what} "${source}" is not a valid regular expression: ${(e as Error).message}`,
      );
    }
  };
  const is = rule.seriesFilters
    .filter((f) => f.is !== undefined)
    .map((f) => regex(f.is as string, 'seriesFilters.is'));
  const isNot = rule.seriesFilters
    .filter((f) => f.isNot !== undefined)
    .map((f) => regex(f.isNot as string, 'seriesFilters.isNot'));
  const matches = regex(rule.name.matches || '.*', 'name.matches');
  const groups = countCaptureGroups(matches);
  if (groups > 1 && !rule.name.as) {
    throw new ConfigError(
      `${where}: name.matches has ${groups} capture groups; say which to use with name.as`,
    );
  }
  const as = rule.name.as || (groups === 1 ? '$1' : '$0');
  const query = compileQueryTemplate(rule.metricsQuery, `${where}: metricsQuery`);
  const resources = resourceConverter(rule.resources, mapper, where);
  if (
    rule.metricName &&
    rule.origin.path.startsWith('rules') &&
    !Object.keys(rule.resources.overrides).length
  ) {
    throw new ConfigError(`${where}: a metricName rule names its resources with resources.overrides`);
  }
  return {
    rule,
    origin: rule.origin,
    keepsSeries: (name) =>
      matches.test(name) && is.every((r) => r.test(name)) && !isNot.some((r) => r.test(name)),
    metricName: (seriesName) => {
      const m = matches.exec(seriesName);
      return m ? expandGo(as, m) : seriesName;
    },
    resourcesFor: resources.resourcesFor,
    labelFor: resources.labelFor,
    windowSeconds: rangeSeconds(rule.metricsQuery),
    query,
  };
}

/** A query template, run once on sample arguments so that one that cannot execute stops the start. */
export function compileQueryTemplate(source: string, where: string): Template {
  try {
    const query = parseTemplate(source);
    query.execute(templateArgs('series', 'a="b"', { a: 'b' }, ['pod']));
    return query;
  } catch (e) {
    throw new ConfigError(`${where}: ${(e as Error).message}`);
  }
}

/** The PromQL for a request about objects (adapter metricsQuery.Build). */
export function buildObjectQuery(rule: QueryRule, q: ObjectQuery): string {
  const matchers: string[] = [];
  const valuesByName: Record<string, string> = {};
  if (q.namespace !== undefined) {
    const nsLabel = rule.labelFor(NAMESPACES);
    if (!nsLabel) throw new QueryError(`${rule.origin.path} maps no label to namespaces`);
    matchers.push(matcher(nsLabel, '=', q.namespace));
    valuesByName[nsLabel] = q.namespace;
  }
  const resourceLabel = rule.labelFor(q.resource);
  if (!resourceLabel) {
    throw new QueryError(`${rule.origin.path} maps no label to ${groupResourceString(q.resource)}`);
  }
  if (q.names === 'any' || q.names.length > MAX_NAMES_IN_QUERY) {
    matchers.push(matcher(resourceLabel, '=~', '.+'));
    valuesByName[resourceLabel] = '.+';
  } else {
    if (!q.names.length) throw new QueryError('no object names to query');
    matchers.push(matchAny(resourceLabel, q.names));
    valuesByName[resourceLabel] = regexForTemplate(q.names);
  }
  matchers.push(...selectorMatchers(q.metricSelector, valuesByName));
  const groupBy = [resourceLabel, ...(q.extraGroupBy ?? [])];
  return rule.query.execute(templateArgs(q.seriesName, matchers.join(','), valuesByName, groupBy));
}

/** The PromQL for an external-metrics request (adapter BuildExternal). */
export function buildExternalQuery(
  rule: CompiledRule,
  seriesName: string,
  namespace: string | undefined,
  metricSelector: readonly Requirement[],
): string {
  const matchers: string[] = [];
  const valuesByName: Record<string, string> = {};
  if (namespace !== undefined && rule.rule.resources.namespaced !== false) {
    const nsLabel = rule.labelFor(NAMESPACES);
    // Without a namespace label the query would read every namespace: refuse, as the adapter does.
    if (!nsLabel) {
      throw new QueryError(
        `${rule.rule.origin.path} maps no label to namespaces; map one, or set resources.namespaced: false for a metric that ignores namespaces`,
      );
    }
    matchers.push(matcher(nsLabel, '=', namespace));
    valuesByName[nsLabel] = namespace;
  }
  matchers.push(...selectorMatchers(metricSelector, valuesByName));
  return rule.query.execute(templateArgs(seriesName, matchers.join(','), valuesByName, []));
}

function templateArgs(
  series: string,
  labelMatchers: string,
  valuesByName: Record<string, string>,
  groupBy: string[],
) {
  return asStruct({
    Series: series,
    LabelMatchers: labelMatchers,
    LabelValuesByName: valuesByName,
    GroupBy: groupBy.join(','),
    GroupBySlice: groupBy,
  });
}

export function selectorMatchers(
  reqs: readonly Requirement[],
  valuesByName: Record<string, string>,
): string[] {
  const sorted = [...reqs].sort((a, b) => compareCodeUnits(a.key, b.key));
  return sorted.map((r) => {
    if (!isLabelName(r.key)) {
      throw new QueryError(
        `metric label selector key "${r.key}" is not a Prometheus label name (letters, digits, _)`,
      );
    }
    switch (r.operator) {
      case '=':
      case '==':
        valuesByName[r.key] = r.values[0] as string;
        return matcher(r.key, '=', r.values[0] as string);
      case '!=':
        return matcher(r.key, '!=', r.values[0] as string);
      case 'in':
        valuesByName[r.key] = regexForTemplate(r.values);
        return matchAny(r.key, r.values);
      case 'notin':
        return matchAny(r.key, r.values, true);
      case 'exists':
        return matcher(r.key, '!=', '');
      case '!':
        return matcher(r.key, '=', '');
      default:
        throw new QueryError(
          `operator "${r.operator}" in metric label selector cannot be expressed in PromQL`,
        );
    }
  });
}

// ---- resources ---------------------------------------------------------------------------------

export function resourceConverter(mapping: ResourceMapping, mapper: ResourceMapper, where: string) {
  const labelToResource = new Map<string, GroupResource>();
  const resourceToLabel = new Map<string, string>();
  for (const [label, ref] of Object.entries(mapping.overrides)) {
    const gr = normalize(ref, mapper);
    if (!gr) {
      throw new ConfigError(
        `${where}: resources.overrides.${label}: the API server serves no resource "${ref.resource}"${ref.group ? ` in group "${ref.group}"` : ''}`,
      );
    }
    labelToResource.set(label, gr);
    resourceToLabel.set(groupResourceString(gr), label);
  }
  const template = mapping.template ? parseLabelTemplate(mapping.template, where) : undefined;
  const fromTemplate = new Map<string, GroupResource | null>();

  const resourceForLabel = (label: string): GroupResource | undefined => {
    const override = labelToResource.get(label);
    if (override || !template) return override;
    if (!fromTemplate.has(label)) fromTemplate.set(label, template.resourceFor(label, mapper) ?? null);
    return fromTemplate.get(label) ?? undefined;
  };

  return {
    resourcesFor(labelNames: Iterable<string>) {
      const resources: GroupResource[] = [];
      let namespaced = false;
      for (const label of labelNames) {
        const gr = resourceForLabel(label);
        if (!gr) continue;
        if (!resources.some((r) => sameGroupResource(r, gr))) resources.push(gr);
        if (sameGroupResource(gr, NAMESPACES)) namespaced = true;
      }
      return { resources, namespaced };
    },
    labelFor(resource: GroupResource): string | undefined {
      const override = resourceToLabel.get(groupResourceString(resource));
      if (override || !template) return override;
      return template.labelFor({ group: resource.group, resource: mapper.singular(resource) });
    },
  };
}

function normalize(ref: GroupResourceRef, mapper: ResourceMapper): GroupResource | undefined {
  const r = mapper.resolve(ref.group, ref.resource);
  return r ? { group: r.group, resource: r.resource } : undefined;
}

/** Cluster-scoped resources never count as namespaced, whatever labels the series has. */
export function isClusterScoped(gr: GroupResource): boolean {
  return [NAMESPACES, NODES, PERSISTENT_VOLUMES].some((c) => sameGroupResource(c, gr));
}

function parseLabelTemplate(source: string, where: string) {
  let tpl: Template;
  try {
    tpl = parseTemplate(source);
  } catch (e) {
    throw new ConfigError(`${where}: resources.template: ${(e as Error).message}`);
  }
  const render = (group: string, resource: string) =>
    tpl.execute(asStruct({ Group: group, Resource: resource }));
  const hasGroup = render('\u0000', 'r').includes('\u0000');
  // Lazy first, as the adapter does; greedy as well so dotted groups (networking_k8s_io) resolve.
  const patterns = ['.+?', '.+'].map((g) => new RegExp(`^${render(`(?<group>${g})`, '(?<resource>.+?)')}$`));
  return {
    resourceFor(label: string, mapper: ResourceMapper): GroupResource | undefined {
      for (const re of patterns) {
        const m = re.exec(label);
        if (!m?.groups) continue;
        const resource = m.groups.resource as string;
        const sanitizedGroup = hasGroup ? (m.groups.group ?? '') : '';
        const group = sanitizedGroup
          ? mapper.resources.find((r) => sanitizeGroup(r.group) === sanitizedGroup)?.group
          : '';
        if (group === undefined) continue;
        const r = mapper.resolve(group, resource);
        if (r && (!hasGroup || r.group === group)) return { group: r.group, resource: r.resource };
      }
      return undefined;
    },
    labelFor(gr: GroupResource): string {
      return render(sanitizeGroup(gr.group), gr.resource);
    },
  };
}

function sanitizeGroup(group: string): string {
  return group.replace(/[.-]/g, '_');
}

// ---- Go regexp compatibility -------------------------------------------------------------------

/** RE2 named groups `(?P<n>…)` are `(?<n>…)` in JavaScript. */
export function goRegex(source: string): string {
  return source.replace(/\(\?P</g, '(?<');
}

function countCaptureGroups(re: RegExp): number {
  return (new RegExp(`${re.source}|`).exec('')?.length ?? 1) - 1;
}

/** Go's Regexp.ExpandString: `$1`, `${1}`, `$name`; `$1x` names group "1x", which expands to "". */
export function expandGo(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, _t, braced, bare) => {
    if (_t === '$') return '$';
    const name = (braced ?? bare) as string;
    // Go reads only digit names without a leading zero as group numbers; `$01` names group "01".
    if (/^(0|[1-9]\d*)$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

function rangeSeconds(query: string): number | undefined {
  const m = /\[\s*((?:\d+(?:ms|s|m|h|d|w|y))+)\s*(?::[^\]]*)?\]/.exec(query);
  return m ? Math.round(parseDuration(m[1] as string) / 1000) : undefined;
}
