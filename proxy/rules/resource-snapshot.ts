// One evaluation of the resourceRules queries, kept in columns: per container and per node, its cpu
// and memory value and sample time, with no object per sample (a pod costs one Map entry; a container
// one row of typed arrays and a shared name). Pure: the store in proxy/prometheus/ fills it.
import { USAGE_RESOURCES, type UsageResource } from './resource-rules.ts';

const BIT: Record<UsageResource, number> = { cpu: 1, memory: 2 };

/** One usage value and the time of its sample. */
export interface UsageSample {
  value: number;
  timestampMs: number;
}

/** cpu and memory of each row, and which of the two a row has (NaN is a value, not a gap). */
class UsageColumns {
  private readonly values: Record<UsageResource, Float64Array>;
  private readonly times: Record<UsageResource, Float64Array>;
  private readonly present: Uint8Array;

  constructor(rows: RowBuilder, order: Uint32Array) {
    const n = order.length;
    const column = (from: number[]) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = from[order[i] as number] as number;
      return out;
    };
    this.values = { cpu: column(rows.values.cpu), memory: column(rows.values.memory) };
    this.times = { cpu: column(rows.times.cpu), memory: column(rows.times.memory) };
    this.present = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.present[i] = rows.present[order[i] as number] as number;
  }

  sample(row: number, r: UsageResource): UsageSample | undefined {
    if (row < 0 || !((this.present[row] as number) & BIT[r])) return undefined;
    return { value: this.values[r][row] as number, timestampMs: this.times[r][row] as number };
  }

  /** Rows with each resource: the series this snapshot holds. */
  count(r: UsageResource): number {
    let n = 0;
    for (const p of this.present) if (p & BIT[r]) n++;
    return n;
  }
}

/** Rows while they are gathered: the first sample of a row and resource wins, as before. */
class RowBuilder {
  readonly values: Record<UsageResource, number[]> = { cpu: [], memory: [] };
  readonly times: Record<UsageResource, number[]> = { cpu: [], memory: [] };
  readonly present: number[] = [];

  add(): number {
    for (const r of USAGE_RESOURCES) {
      this.values[r].push(0);
      this.times[r].push(0);
    }
    return this.present.push(0) - 1;
  }

  set(row: number, r: UsageResource, value: number, timestampMs: number): void {
    if ((this.present[row] as number) & BIT[r]) return;
    this.present[row] = (this.present[row] as number) | BIT[r];
    this.values[r][row] = value;
    this.times[r][row] = timestampMs;
  }
}

// Namespace and pod names are DNS labels and subdomains: neither holds a `/`.
const podKey = (namespace: string, pod: string) => `${namespace}/${pod}`;

export class ResourceSnapshotBuilder {
  private readonly containerRows = new RowBuilder();
  private readonly nodeRows = new RowBuilder();
  /** During the build only: container row by namespace, pod and container. */
  private readonly rowOf = new Map<string, number>();
  private readonly pods = new Map<string, number>();
  private readonly podOfRow: number[] = [];
  private readonly containerOfRow: string[] = [];
  private readonly nodes = new Map<string, number>();
  /** One string per distinct container name, shared by every row that has it. */
  private readonly names = new Map<string, string>();

  addContainer(
    r: UsageResource,
    namespace: string,
    pod: string,
    container: string,
    value: number,
    timestampMs: number,
  ): void {
    const key = `${podKey(namespace, pod)}/${container}`;
    let row = this.rowOf.get(key);
    if (row === undefined) {
      row = this.containerRows.add();
      this.rowOf.set(key, row);
      const pk = podKey(namespace, pod);
      let p = this.pods.get(pk);
      if (p === undefined) {
        p = this.pods.size;
        this.pods.set(pk, p);
      }
      this.podOfRow.push(p);
      let name = this.names.get(container);
      if (name === undefined) {
        name = container;
        this.names.set(name, name);
      }
      this.containerOfRow.push(name);
    }
    this.containerRows.set(row, r, value, timestampMs);
  }

  addNode(r: UsageResource, node: string, value: number, timestampMs: number): void {
    let row = this.nodes.get(node);
    if (row === undefined) {
      row = this.nodeRows.add();
      this.nodes.set(node, row);
    }
    this.nodeRows.set(row, r, value, timestampMs);
  }

  build(info: SnapshotInfo): ResourceSnapshot {
    // Rows grouped by pod (a counting sort), so a pod's containers are one run of rows.
    const podCount = this.pods.size;
    const firstRow = new Uint32Array(podCount + 1);
    for (const p of this.podOfRow) (firstRow[p + 1] as number)++;
    for (let p = 0; p < podCount; p++)
      firstRow[p + 1] = (firstRow[p + 1] as number) + (firstRow[p] as number);
    const next = firstRow.slice(0, podCount);
    const order = new Uint32Array(this.podOfRow.length);
    for (let row = 0; row < this.podOfRow.length; row++) {
      const p = this.podOfRow[row] as number;
      order[(next[p] as number)++] = row;
    }
    const containerNames = Array.from(order, (row) => this.containerOfRow[row] as string);
    const nodeOrder = Uint32Array.from({ length: this.nodes.size }, (_, i) => i);
    return new ResourceSnapshot(
      info,
      {
        pods: this.pods,
        firstRow,
        names: containerNames,
        usage: new UsageColumns(this.containerRows, order),
      },
      { rows: this.nodes, usage: new UsageColumns(this.nodeRows, nodeOrder) },
    );
  }
}

/** What an evaluation was: when, over what window, with which queries, and what it refused. */
export interface SnapshotInfo {
  /** The time the queries were evaluated at. */
  evaluatedMs: number;
  windowMs: number;
  /** The container queries, then the node queries (for messages). */
  queries: string[];
  /** Why samples were refused (a rule's results lack a label), with the fix. */
  problems: string[];
}

interface ContainerTable {
  pods: Map<string, number>;
  firstRow: Uint32Array;
  names: string[];
  usage: UsageColumns;
}

interface NodeTable {
  rows: Map<string, number>;
  usage: UsageColumns;
}

export class ResourceSnapshot {
  readonly info: SnapshotInfo;
  private readonly containers: ContainerTable;
  private readonly nodes: NodeTable;

  constructor(info: SnapshotInfo, containers: ContainerTable, nodes: NodeTable) {
    this.info = info;
    this.containers = containers;
    this.nodes = nodes;
  }

  /** One container's usage of `r`, if the evaluation had it. */
  container(namespace: string, pod: string, container: string, r: UsageResource): UsageSample | undefined {
    const { pods, firstRow, names, usage } = this.containers;
    const p = pods.get(podKey(namespace, pod));
    if (p === undefined) return undefined;
    // A pod has a few containers: a scan of its rows beats an index.
    for (let row = firstRow[p] as number; row < (firstRow[p + 1] as number); row++) {
      if (names[row] === container) return usage.sample(row, r);
    }
    return undefined;
  }

  node(name: string, r: UsageResource): UsageSample | undefined {
    return this.nodes.usage.sample(this.nodes.rows.get(name) ?? -1, r);
  }

  /** Series held, by object kind and resource (the store's own metrics). */
  seriesCount(): { kind: 'containers' | 'nodes'; resource: UsageResource; count: number }[] {
    return USAGE_RESOURCES.flatMap((resource) => [
      { kind: 'containers' as const, resource, count: this.containers.usage.count(resource) },
      { kind: 'nodes' as const, resource, count: this.nodes.usage.count(resource) },
    ]);
  }
}
