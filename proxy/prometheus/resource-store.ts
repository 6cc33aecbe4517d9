// The resource-metrics store: every period, each resourceRules query is evaluated once, cluster-wide
// (cpu and memory, for containers and for nodes: four queries whatever the number of pods, namespaces
// or requests), and every metrics.k8s.io answer reads the snapshot, as metrics-server answers from the
// memory its scrapes fill (kubernetes-sigs/metrics-server pkg/storage/storage.go). A failed evaluation
// keeps the previous snapshot until it is older than two periods; past that it is not served.
import { formatTime } from '../../shared/api-types.ts';
import { formatGoDuration } from '../../shared/duration.ts';
import type { Logger } from '../log.ts';
import {
  buildContainersQuery,
  buildNodesQuery,
  type CompiledResourceRules,
  USAGE_RESOURCES,
} from '../rules/resource-rules.ts';
import { type ResourceSnapshot, ResourceSnapshotBuilder } from '../rules/resource-snapshot.ts';
import type { PrometheusSample } from './client.ts';

/** The period when --metric-resolution is not given: the rules' window, within these bounds. */
const DEFAULT_PERIOD_MS = { min: 5_000, max: 15_000 };

interface StoreSource {
  /** Undefined when the configuration has no resourceRules: nothing is evaluated. */
  resourceRules: CompiledResourceRules | undefined;
  /** The backend a rule names ('' for the default). */
  backend(name: string): { query(expr: string, timeMs: number): Promise<PrometheusSample[]> };
}

interface StoreOptions {
  /** --metric-resolution; undefined derives the period from the rules' window. */
  periodMs: number | undefined;
  log: Logger;
  /** The time queries are evaluated at (evaluation-time.ts). */
  evaluationTime: (nowMs: number) => number;
  /** Told how long each evaluation took and whether it succeeded (the proxy's own metrics). */
  observe?: (seconds: number, ok: boolean) => void;
}

/** The snapshot to answer from, or why there is none fit to serve. */
export type SnapshotRead = { snapshot: ResourceSnapshot } | { unavailable: string };

export class ResourceStore {
  private snapshot: ResourceSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  lastError: string | undefined;
  private readonly source: () => StoreSource;
  private readonly opts: StoreOptions;

  constructor(source: () => StoreSource, opts: StoreOptions) {
    this.source = source;
    this.opts = opts;
  }

  /** --metric-resolution, or the window of the rules in force bounded to 5s..15s. */
  periodMs(): number {
    if (this.opts.periodMs !== undefined) return this.opts.periodMs;
    const windowMs = this.source().resourceRules?.windowMs ?? DEFAULT_PERIOD_MS.max;
    return Math.min(DEFAULT_PERIOD_MS.max, Math.max(DEFAULT_PERIOD_MS.min, windowMs));
  }

  /** One evaluation; one already under way is joined rather than doubled. */
  evaluate(nowMs = Date.now()): Promise<void> {
    this.running ??= this.evaluateOnce(nowMs).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async evaluateOnce(nowMs: number): Promise<void> {
    const source = this.source();
    const rules = source.resourceRules;
    if (!rules) {
      this.snapshot = undefined;
      this.lastError = undefined;
      return;
    }
    const started = performance.now();
    const timeMs = this.opts.evaluationTime(nowMs);
    try {
      const backend = source.backend(rules.backend);
      const containerQueries = USAGE_RESOURCES.map((r) => buildContainersQuery(rules[r]));
      const nodeQueries = USAGE_RESOURCES.map((r) => buildNodesQuery(rules[r]));
      const answers = await Promise.all(
        [...containerQueries, ...nodeQueries].map((q) => backend.query(q, timeMs)),
      );
      const builder = new ResourceSnapshotBuilder();
      const problems: string[] = [];
      USAGE_RESOURCES.forEach((r, i) => {
        const { podLabel, namespaceLabel, containerLabel } = rules[r];
        let unnamespaced = 0;
        for (const s of answers[i] ?? []) {
          const pod = s.labels[podLabel];
          const container = s.labels[containerLabel];
          if (pod === undefined || container === undefined) continue;
          const namespace = s.labels[namespaceLabel];
          if (namespace === undefined) {
            unnamespaced++;
            continue;
          }
          builder.addContainer(r, namespace, pod, container, s.value, s.timestampMs);
        }
        // Pods of two namespaces may share a name: without the namespace their usage would mix.
        if (unnamespaced) {
          problems.push(
            `resourceRules.${r}.containerQuery: ${unnamespaced} series without the "${namespaceLabel}" label refused; group by <<.GroupBy>> (it holds ${namespaceLabel}, ${podLabel} and ${containerLabel}) instead of naming the labels`,
          );
        }
        const { nodeLabel } = rules[r];
        for (const s of answers[USAGE_RESOURCES.length + i] ?? []) {
          const node = s.labels[nodeLabel];
          if (node !== undefined) builder.addNode(r, node, s.value, s.timestampMs);
        }
      });
      const previous = this.snapshot;
      this.snapshot = builder.build({
        evaluatedMs: timeMs,
        windowMs: rules.windowMs,
        queries: [...containerQueries, ...nodeQueries],
        problems,
      });
      if (problems.join() !== previous?.info.problems.join()) {
        for (const problem of problems) this.opts.log.warn('resource metrics refused', { problem });
      }
      this.lastError = undefined;
      this.opts.log.debug('resource metrics evaluated', {
        series: answers.reduce((n, a) => n + a.length, 0),
        ms: Math.round(performance.now() - started),
      });
      this.opts.observe?.((performance.now() - started) / 1000, true);
    } catch (e) {
      this.opts.observe?.((performance.now() - started) / 1000, false);
      this.lastError = (e as Error).message;
      this.opts.log.warn('resource metrics evaluation failed; keeping the previous snapshot', {
        error: this.lastError,
      });
    }
  }

  /** The snapshot, unless it is older than two periods (or there is none yet): then why not. */
  read(nowMs = Date.now()): SnapshotRead {
    const why = this.lastError ? `the last evaluation failed: ${this.lastError}` : '';
    const snapshot = this.snapshot;
    if (!snapshot) {
      return { unavailable: `resource metrics not evaluated yet${why ? `: ${why}` : ''}` };
    }
    const periodMs = this.periodMs();
    const ageMs = nowMs - snapshot.info.evaluatedMs;
    if (ageMs > 2 * periodMs) {
      return {
        unavailable: `resource metrics are ${formatGoDuration(Math.round(ageMs / 1000) * 1000)} old (evaluated at ${formatTime(snapshot.info.evaluatedMs)}), more than two periods of ${formatGoDuration(periodMs)}${why ? `; ${why}` : ''}`,
      };
    }
    return { snapshot };
  }

  /** Seconds since the snapshot's evaluation time; undefined without one. */
  ageSeconds(nowMs = Date.now()): number | undefined {
    return this.snapshot && (nowMs - this.snapshot.info.evaluatedMs) / 1000;
  }

  /** The snapshot in force, fresh or not (the store's own metrics). */
  current(): ResourceSnapshot | undefined {
    return this.snapshot;
  }

  /** Evaluates every period; the next one is timed from the start of the last. */
  start(): void {
    const tick = () => {
      this.timer = setTimeout(tick, this.periodMs());
      this.timer.unref();
      void this.evaluate();
    };
    this.timer = setTimeout(tick, this.periodMs());
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
