// resourceRules compiled against the cluster's resources: for cpu and memory, the container and node
// queries with the labels that name pods, namespaces, nodes and containers (adapter pkg/resourceprovider).
import { parseDuration } from '../../shared/duration.ts';
import { type AdapterConfig, ConfigError, type ResourceRule } from './config.ts';
import { buildObjectQuery, compileQueryTemplate, type QueryRule, resourceConverter } from './naming.ts';
import { isLabelName } from './promql.ts';
import { type GroupResource, NAMESPACES, NODES, PODS, type ResourceMapper } from './resources.ts';

export const USAGE_RESOURCES = ['cpu', 'memory'] as const;
export type UsageResource = (typeof USAGE_RESOURCES)[number];

export interface CompiledResourceRule {
  containers: QueryRule;
  nodes: QueryRule;
  podLabel: string;
  namespaceLabel: string;
  nodeLabel: string;
  containerLabel: string;
}

export interface CompiledResourceRules {
  cpu: CompiledResourceRule;
  memory: CompiledResourceRule;
  windowMs: number;
  /** The backend both queries go to ('' for the default). */
  backend: string;
}

export function compileResourceRules(
  rules: NonNullable<AdapterConfig['resourceRules']>,
  mapper: ResourceMapper,
): CompiledResourceRules {
  let windowMs: number;
  try {
    windowMs = parseDuration(rules.window);
  } catch (e) {
    throw new ConfigError(`resourceRules.window: ${(e as Error).message}`);
  }
  if (windowMs <= 0) throw new ConfigError('resourceRules.window must be longer than 0s');
  return {
    cpu: compileResourceRule(rules.cpu, mapper, 'resourceRules.cpu'),
    memory: compileResourceRule(rules.memory, mapper, 'resourceRules.memory'),
    windowMs,
    backend: rules.backend,
  };
}

function compileResourceRule(
  rule: ResourceRule,
  mapper: ResourceMapper,
  where: string,
): CompiledResourceRule {
  const { labelFor } = resourceConverter(rule.resources, mapper, where);
  const labelOf = (gr: GroupResource, example: string): string => {
    const label = labelFor(gr);
    if (!label) {
      throw new ConfigError(
        `${where}: resources maps no label to ${gr.resource}; add an override such as ${example}`,
      );
    }
    return label;
  };
  // Every request needs these three, so a rule without them is an error now rather than on each request.
  const podLabel = labelOf(PODS, 'pod: {resource: pod}');
  const namespaceLabel = labelOf(NAMESPACES, 'namespace: {resource: namespace}');
  const nodeLabel = labelOf(NODES, 'node: {resource: node}');
  if (!isLabelName(rule.containerLabel)) {
    throw new ConfigError(
      `${where}: containerLabel "${rule.containerLabel}" is not a Prometheus label name; name the label that holds the container name, such as container`,
    );
  }
  const queryRule = (source: string, field: string): QueryRule => ({
    query: compileQueryTemplate(source, `${where}: ${field}`),
    labelFor,
    origin: { path: where },
  });
  return {
    containers: queryRule(rule.containerQuery, 'containerQuery'),
    nodes: queryRule(rule.nodeQuery, 'nodeQuery'),
    podLabel,
    namespaceLabel,
    nodeLabel,
    containerLabel: rule.containerLabel,
  };
}

/** Which objects a query reads: by default every one, cluster-wide (the store's queries). */
interface UsageScope {
  /** Pods only: one namespace rather than all. */
  namespace?: string;
  names?: readonly string[] | 'any';
}

/**
 * Every container's usage, cluster-wide, grouped by namespace, pod and container: the namespace label
 * joins `.GroupBy` as the adapter's extraGroupBy adds the container label, so one query serves every
 * namespace. The history API narrows it to a namespace and pods.
 */
export function buildContainersQuery(rule: CompiledResourceRule, scope: UsageScope = {}): string {
  return buildObjectQuery(rule.containers, {
    seriesName: '',
    resource: PODS,
    namespace: scope.namespace,
    names: scope.names ?? 'any',
    metricSelector: [],
    extraGroupBy: [rule.namespaceLabel, rule.containerLabel],
  });
}

/** Every node's usage, grouped by node (or the named nodes'). */
export function buildNodesQuery(
  rule: CompiledResourceRule,
  scope: Omit<UsageScope, 'namespace'> = {},
): string {
  return buildObjectQuery(rule.nodes, {
    seriesName: '',
    resource: NODES,
    namespace: undefined,
    names: scope.names ?? 'any',
    metricSelector: [],
  });
}
