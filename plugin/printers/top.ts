// The `top` tables, byte for byte what kubectl's metricsutil.TopCmdPrinter prints (column names,
// MilliValue rounded up + "m", Value / 2^20 rounded down + "Mi", truncated percentages, sort order,
// the --sum rows), plus cmetrics' own columns, which only ever come after kubectl's.
import {
  addQuantities,
  compareQuantities,
  formatQuantity,
  milliValue,
  parseQuantity,
  type Quantity,
  value,
} from '../../shared/quantity.ts';
import { compareCodeUnits } from '../../shared/text.ts';
import { readableQuantity } from './readable.ts';
import { tabwrite } from './tabwriter.ts';

/** What --sort-by names: `cpu`, `memory`, or one of the --metric columns. */
export type SortBy = string;
type MeasuredResource = 'cpu' | 'memory';
export type Resources = Partial<Record<MeasuredResource, Quantity>>;

export interface ContainerUsage {
  name: string;
  usage: Resources;
  /** From the pod's spec; empty when the pod was not read or sets none. */
  requests: Resources;
  limits: Resources;
}

export interface PodUsage {
  namespace: string;
  name: string;
  timestamp: string;
  window: string;
  containers: ContainerUsage[];
  /** The pod's node, when the pod was read. */
  node?: string | undefined;
  /** Custom metric values (quantities as served) by metric name; missing when the API had none. */
  metrics: Record<string, string>;
}

export interface NodeUsage {
  name: string;
  /** Absent for a node the metrics API has nothing for: kubectl prints `<unknown>`. */
  usage?: { resources: Resources; timestamp: string; window: string } | undefined;
  /** Allocatable (or capacity); absent for a node the metrics API lists but the nodes API does not. */
  available?: Resources | undefined;
  metrics: Record<string, string>;
}

/** A workload (`top deployments` and its kin) with its pods' usage. */
export interface WorkloadUsage {
  namespace: string;
  name: string;
  /** The pods it owns, measured or not. */
  podCount: number;
  /** Those of its pods the metrics API measured. */
  pods: PodUsage[];
}

/** A --metric column of `top deployments`: the pods' values summed, or averaged over the pods with one. */
export interface AggregatedMetric {
  name: string;
  average: boolean;
}

export interface TopWorkloadsOptions {
  allNamespaces: boolean;
  noHeaders: boolean;
  /** cpu, memory, name, pods or a metric name. */
  sortBy?: SortBy | undefined;
  requests: boolean;
  limits: boolean;
  metrics: AggregatedMetric[];
}

/** Columns beyond kubectl's, shared by both tables. */
interface ExtraColumns {
  /** Custom metric names, one column each. */
  metrics: string[];
  wide: boolean;
}

export interface TopPodsOptions extends ExtraColumns {
  allNamespaces: boolean;
  containers: boolean;
  noHeaders: boolean;
  sortBy?: SortBy | undefined;
  sum: boolean;
  requests: boolean;
  limits: boolean;
}

export interface TopNodesOptions extends ExtraColumns {
  noHeaders: boolean;
  sortBy?: SortBy | undefined;
  /** Names the `available` column of -o wide and of -o json. */
  showCapacity: boolean;
}

const MEASURED: readonly MeasuredResource[] = ['cpu', 'memory'];

/** The CPU and memory of a wire ResourceList (usage, requests, limits, allocatable). */
export function parseResources(list: Readonly<Record<string, string>> | undefined): Resources {
  const out: Resources = {};
  for (const r of MEASURED) {
    const q = list?.[r];
    if (q !== undefined) out[r] = parseQuantity(q);
  }
  return out;
}
const ZERO = parseQuantity('0');
const MEBIBYTE = 1024n * 1024n;
const UNKNOWN = '<unknown>';
const NONE = '<none>';

const cpuCell = (q: Quantity) => `${milliValue(q)}m`;
const memoryCell = (q: Quantity) => `${value(q) / MEBIBYTE}Mi`;
const usageCell = (resource: MeasuredResource, q: Quantity | undefined) =>
  resource === 'cpu' ? cpuCell(q ?? ZERO) : memoryCell(q ?? ZERO);

/** kubectl's int64(float64(usage.MilliValue()) / float64(available.MilliValue()) * 100), 0 when available is 0. */
function percent(usage: Quantity, available: Quantity): number {
  const of = milliValue(available);
  return of === 0n ? 0 : Math.trunc((Number(milliValue(usage)) / Number(of)) * 100);
}

function sum(quantities: Iterable<Quantity | undefined>): Quantity {
  let total = ZERO;
  for (const q of quantities) if (q) total = addQuantities(total, q);
  return total;
}

function podTotal(pod: PodUsage, resource: MeasuredResource): Quantity {
  return sum(pod.containers.map((c) => c.usage[resource]));
}

/** A pod's request or limit: the sum of the containers that set one, undefined when none does. */
function podSpecTotal(pod: PodUsage, key: 'requests' | 'limits', resource: MeasuredResource) {
  const set = pod.containers.map((c) => c[key][resource]).filter((q) => q !== undefined);
  return set.length ? sum(set) : undefined;
}

/**
 * Largest first: kubectl's order for cpu (MilliValue) and memory (Value), the served quantity for a
 * --metric column (rows without a value last, then by name); `byName` without --sort-by.
 */
function sortRows<T>(
  rows: T[],
  sortBy: SortBy | undefined,
  usage: (row: T, resource: MeasuredResource) => Quantity,
  byName: (a: T, b: T) => number,
  metricOf: (row: T, metric: string) => Quantity | undefined = () => undefined,
): T[] {
  if (!sortBy) return [...rows].sort(byName);
  if (sortBy !== 'cpu' && sortBy !== 'memory') {
    return [...rows].sort((a, b) => {
      const [x, y] = [metricOf(a, sortBy), metricOf(b, sortBy)];
      if (x === undefined || y === undefined) return x ? -1 : y ? 1 : byName(a, b);
      return compareQuantities(y, x) || byName(a, b);
    });
  }
  const measure = (row: T) =>
    sortBy === 'cpu' ? milliValue(usage(row, 'cpu')) : value(usage(row, 'memory'));
  const descending = (a: T, b: T) => {
    const [x, y] = [measure(a), measure(b)];
    return x > y ? -1 : x < y ? 1 : 0;
  };
  return [...rows].sort(descending);
}

/** A served metric value as a quantity; undefined when absent or no quantity. */
function servedQuantity(values: Record<string, string>, metric: string): Quantity | undefined {
  const served = values[metric];
  if (served === undefined) return undefined;
  try {
    return parseQuantity(served);
  } catch {
    return undefined;
  }
}

/** The flags the percentage columns follow. */
type PercentFlags = Pick<TopPodsOptions, 'requests' | 'limits'>;

function percentHeaders(o: PercentFlags): string[] {
  return [
    ...(o.requests ? ['CPU(%REQ)', 'MEMORY(%REQ)'] : []),
    ...(o.limits ? ['CPU(%LIM)', 'MEMORY(%LIM)'] : []),
  ];
}

function percentCells(o: PercentFlags, usage: Resources, requests: Resources, limits: Resources) {
  const cells = (of: Resources) =>
    MEASURED.map((r) => {
      const available = of[r];
      return available ? `${percent(usage[r] ?? ZERO, available)}%` : NONE;
    });
  return [...(o.requests ? cells(requests) : []), ...(o.limits ? cells(limits) : [])];
}

const metricCells = (names: readonly string[], values: Record<string, string>) =>
  names.map((m) => {
    const served = values[m];
    return served === undefined ? UNKNOWN : readableQuantity(served);
  });

/** `kubectl top pod` with its flags, then --requests/--limits, --metric and -o wide columns. */
export function podsTable(pods: readonly PodUsage[], o: TopPodsOptions): string {
  if (pods.length === 0) return '';
  const rows: string[][] = [];
  // kubectl counts the NAMESPACE and POD columns for the --sum rows only when it prints headers.
  let columns = 3;
  if (!o.noHeaders) {
    const leading = [...(o.allNamespaces ? ['NAMESPACE'] : []), ...(o.containers ? ['POD'] : [])];
    columns += leading.length;
    rows.push([
      ...leading,
      'NAME',
      'CPU(cores)',
      'MEMORY(bytes)',
      ...percentHeaders(o),
      ...o.metrics,
      ...(o.wide ? ['NODE', 'WINDOW'] : []),
    ]);
  }
  const sorted = sortRows(
    [...pods],
    o.sortBy,
    podTotal,
    (a, b) =>
      o.allNamespaces && a.namespace !== b.namespace
        ? compareCodeUnits(a.namespace, b.namespace)
        : compareCodeUnits(a.name, b.name),
    (p, m) => servedQuantity(p.metrics, m),
  );
  for (const pod of sorted) {
    const lead = o.allNamespaces ? [pod.namespace] : [];
    const tail = [...metricCells(o.metrics, pod.metrics), ...(o.wide ? [pod.node ?? NONE, pod.window] : [])];
    if (o.containers) {
      const containers = sortRows(
        pod.containers,
        // A pod's metric is no container's: its containers keep their order by name.
        o.sortBy === 'cpu' || o.sortBy === 'memory' ? o.sortBy : undefined,
        (c, r) => c.usage[r] ?? ZERO,
        (a, b) => compareCodeUnits(a.name, b.name),
      );
      for (const c of containers) {
        rows.push([
          ...lead,
          pod.name,
          c.name,
          ...MEASURED.map((r) => usageCell(r, c.usage[r])),
          ...percentCells(o, c.usage, c.requests, c.limits),
          ...tail,
        ]);
      }
    } else {
      const usage = { cpu: podTotal(pod, 'cpu'), memory: podTotal(pod, 'memory') };
      const spec = (key: 'requests' | 'limits') => ({
        cpu: podSpecTotal(pod, key, 'cpu'),
        memory: podSpecTotal(pod, key, 'memory'),
      });
      rows.push([
        ...lead,
        pod.name,
        ...MEASURED.map((r) => usageCell(r, usage[r])),
        ...percentCells(o, usage, spec('requests'), spec('limits')),
        ...tail,
      ]);
    }
  }
  if (o.sum) {
    const blanks = (n: number) => Array<string>(n).fill('');
    rows.push([...blanks(columns - 2), '________', '________']);
    rows.push([
      ...blanks(columns - 3),
      '',
      ...MEASURED.map((r) => usageCell(r, sum(pods.map((p) => podTotal(p, r))))),
    ]);
  }
  return tabwrite(rows);
}

/** `kubectl top node`, then --metric and -o wide (available resources, window) columns. */
export function nodesTable(nodes: readonly NodeUsage[], o: TopNodesOptions): string {
  const measured = nodes.filter((n) => n.usage);
  if (measured.length === 0) return '';
  const availableHeader = o.showCapacity ? 'capacity' : 'allocatable';
  const rows: string[][] = [];
  if (!o.noHeaders) {
    rows.push([
      'NAME',
      'CPU(cores)',
      'CPU(%)',
      'MEMORY(bytes)',
      'MEMORY(%)',
      ...o.metrics,
      ...(o.wide ? [`CPU(${availableHeader})`, `MEMORY(${availableHeader})`, 'WINDOW'] : []),
    ]);
  }
  const wideCells = (node: NodeUsage) =>
    o.wide
      ? [
          ...MEASURED.map((r) => {
            const available = node.available?.[r];
            return available ? usageCell(r, available) : NONE;
          }),
          node.usage?.window ?? UNKNOWN,
        ]
      : [];
  const usageOf = (n: NodeUsage, r: MeasuredResource) => n.usage?.resources[r] ?? ZERO;
  const byName = (a: NodeUsage, b: NodeUsage) => compareCodeUnits(a.name, b.name);
  const metricOf = (n: NodeUsage, m: string) => servedQuantity(n.metrics, m);
  for (const node of sortRows(measured, o.sortBy, usageOf, byName, metricOf)) {
    const cells = MEASURED.flatMap((r) => {
      const usage = usageOf(node, r);
      const available = node.available?.[r];
      // Like kubectl: no percentage cell at all when the node does not report the resource.
      return [usageCell(r, usage), ...(available ? [`${percent(usage, available)}%`] : [])];
    });
    rows.push([node.name, ...cells, ...metricCells(o.metrics, node.metrics), ...wideCells(node)]);
  }
  // kubectl walks a Go map here (random order); sorted by name is the reproducible choice.
  const unmeasured = nodes.filter((n) => !n.usage).sort((a, b) => compareCodeUnits(a.name, b.name));
  for (const node of unmeasured) {
    rows.push([
      node.name,
      ...Array<string>(4).fill(UNKNOWN),
      ...metricCells(o.metrics, node.metrics),
      ...wideCells(node),
    ]);
  }
  return tabwrite(rows);
}

// -o json and -o yaml: the same rows as the table, in numbers a script can use.

function resourceDocument(
  resource: MeasuredResource,
  usage: Quantity | undefined,
  extra: Record<string, Quantity | undefined>,
) {
  const doc: Record<string, unknown> = {};
  if (usage) {
    doc.usage = formatQuantity(usage);
    if (resource === 'cpu') doc.millicores = Number(milliValue(usage));
    else doc.bytes = Number(value(usage));
  }
  for (const [key, q] of Object.entries(extra)) {
    if (!q) continue;
    doc[key] = formatQuantity(q);
    const percentKey = `percentOf${key[0]?.toUpperCase()}${key.slice(1)}`;
    if (usage) doc[percentKey] = percent(usage, q);
  }
  return doc;
}

export function podsDocument(pods: readonly PodUsage[], o: TopPodsOptions) {
  const sorted = sortRows(
    [...pods],
    o.sortBy,
    podTotal,
    (a, b) =>
      a.namespace !== b.namespace
        ? compareCodeUnits(a.namespace, b.namespace)
        : compareCodeUnits(a.name, b.name),
    (p, m) => servedQuantity(p.metrics, m),
  );
  const items = sorted.map((pod) => ({
    namespace: pod.namespace,
    name: pod.name,
    ...(pod.node ? { node: pod.node } : {}),
    timestamp: pod.timestamp,
    window: pod.window,
    ...Object.fromEntries(
      MEASURED.map((r) => [
        r,
        resourceDocument(r, podTotal(pod, r), {
          requests: podSpecTotal(pod, 'requests', r),
          limits: podSpecTotal(pod, 'limits', r),
        }),
      ]),
    ),
    containers: pod.containers.map((c) => ({
      name: c.name,
      ...Object.fromEntries(
        MEASURED.map((r) => [
          r,
          resourceDocument(r, c.usage[r] ?? ZERO, { requests: c.requests[r], limits: c.limits[r] }),
        ]),
      ),
    })),
    ...(o.metrics.length ? { metrics: pod.metrics } : {}),
  }));
  const total = o.sum
    ? {
        total: Object.fromEntries(
          MEASURED.map((r) => [r, resourceDocument(r, sum(pods.map((p) => podTotal(p, r))), {})]),
        ),
      }
    : {};
  return { items, ...total };
}

export function nodesDocument(nodes: readonly NodeUsage[], o: TopNodesOptions) {
  const usageOf = (n: NodeUsage, r: MeasuredResource) => n.usage?.resources[r] ?? ZERO;
  const measured = sortRows(
    nodes.filter((n) => n.usage),
    o.sortBy,
    usageOf,
    (a, b) => compareCodeUnits(a.name, b.name),
    (n, m) => servedQuantity(n.metrics, m),
  );
  const unmeasured = nodes.filter((n) => !n.usage).sort((a, b) => compareCodeUnits(a.name, b.name));
  const availableKey = o.showCapacity ? 'capacity' : 'allocatable';
  return {
    items: [...measured, ...unmeasured].map((node) => ({
      name: node.name,
      ...(node.usage ? { timestamp: node.usage.timestamp, window: node.usage.window } : {}),
      ...Object.fromEntries(
        MEASURED.map((r) => [
          r,
          resourceDocument(r, node.usage ? usageOf(node, r) : undefined, {
            [availableKey]: node.available?.[r],
          }),
        ]),
      ),
      ...(o.metrics.length ? { metrics: node.metrics } : {}),
    })),
  };
}

// `top deployments` and its kin: the pods of each workload added up.

const workloadTotal = (w: WorkloadUsage, resource: MeasuredResource) =>
  sum(w.pods.map((p) => podTotal(p, resource)));

/** The pods' requests (limits) added up; undefined when none of them sets one. */
function workloadSpecTotal(w: WorkloadUsage, key: 'requests' | 'limits', resource: MeasuredResource) {
  const set = w.pods.map((p) => podSpecTotal(p, key, resource)).filter((q) => q !== undefined);
  return set.length ? sum(set) : undefined;
}

/** The pods' values of a metric summed, or averaged (in milli-units, rounded up); undefined when none has one. */
function aggregate(w: WorkloadUsage, metric: AggregatedMetric): Quantity | undefined {
  const values = w.pods.map((p) => servedQuantity(p.metrics, metric.name)).filter((q) => q !== undefined);
  if (!values.length) return undefined;
  const total = sum(values);
  if (!metric.average) return total;
  const n = BigInt(values.length);
  return { unscaled: (milliValue(total) + n - 1n) / n, scale: -3, format: 'DecimalSI' };
}

const metricHeader = (m: AggregatedMetric) => (m.average ? `${m.name}(avg)` : m.name);

function sortWorkloads(workloads: readonly WorkloadUsage[], o: TopWorkloadsOptions): WorkloadUsage[] {
  const byName = (a: WorkloadUsage, b: WorkloadUsage) =>
    a.namespace !== b.namespace
      ? compareCodeUnits(a.namespace, b.namespace)
      : compareCodeUnits(a.name, b.name);
  if (o.sortBy === 'name') return [...workloads].sort(byName);
  if (o.sortBy === 'pods') return [...workloads].sort((a, b) => b.podCount - a.podCount || byName(a, b));
  const metricOf = (w: WorkloadUsage, name: string) => {
    const m = o.metrics.find((x) => x.name === name);
    return m && aggregate(w, m);
  };
  return sortRows([...workloads], o.sortBy, workloadTotal, byName, metricOf);
}

/** One row per workload: its pods, their usage, --requests/--limits percentages and --metric columns. */
export function workloadsTable(workloads: readonly WorkloadUsage[], o: TopWorkloadsOptions): string {
  if (workloads.length === 0) return '';
  const rows: string[][] = [];
  if (!o.noHeaders) {
    rows.push([
      ...(o.allNamespaces ? ['NAMESPACE'] : []),
      'NAME',
      'PODS',
      'CPU(cores)',
      'MEMORY(bytes)',
      ...percentHeaders(o),
      ...o.metrics.map(metricHeader),
    ]);
  }
  for (const w of sortWorkloads(workloads, o)) {
    const usage = { cpu: workloadTotal(w, 'cpu'), memory: workloadTotal(w, 'memory') };
    const spec = (key: 'requests' | 'limits') => ({
      cpu: workloadSpecTotal(w, key, 'cpu'),
      memory: workloadSpecTotal(w, key, 'memory'),
    });
    rows.push([
      ...(o.allNamespaces ? [w.namespace] : []),
      w.name,
      String(w.podCount),
      ...MEASURED.map((r) => usageCell(r, usage[r])),
      ...percentCells(o, usage, spec('requests'), spec('limits')),
      ...o.metrics.map((m) => {
        const q = aggregate(w, m);
        return q ? readableQuantity(formatQuantity(q)) : UNKNOWN;
      }),
    ]);
  }
  return tabwrite(rows);
}

export function workloadsDocument(workloads: readonly WorkloadUsage[], o: TopWorkloadsOptions) {
  return {
    items: sortWorkloads(workloads, o).map((w) => ({
      namespace: w.namespace,
      name: w.name,
      pods: w.podCount,
      measuredPods: w.pods.map((p) => p.name),
      ...Object.fromEntries(
        MEASURED.map((r) => [
          r,
          resourceDocument(r, workloadTotal(w, r), {
            requests: workloadSpecTotal(w, 'requests', r),
            limits: workloadSpecTotal(w, 'limits', r),
          }),
        ]),
      ),
      ...(o.metrics.length
        ? {
            metrics: Object.fromEntries(
              o.metrics.flatMap((m) => {
                const q = aggregate(w, m);
                return q ? [[metricHeader(m), formatQuantity(q)]] : [];
              }),
            ),
          }
        : {}),
    })),
  };
}
