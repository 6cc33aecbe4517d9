// `get custom|external|resource`: the values the metrics APIs return, as a table, or with -o json|yaml
// the API's own object, unchanged.
import {
  CUSTOM_GROUP,
  EXTERNAL_GROUP,
  type MetricValueV1beta1,
  type MetricValueV1beta2,
  RESOURCE_GROUP,
} from '../../shared/api-types.ts';
import { formatGoDuration } from '../../shared/duration.ts';
import { noResourcesFound, type Rendered, renderDocumentOr } from '../cli/render.ts';
import { RequestFailed } from '../cluster/api.ts';
import type { Session } from '../cluster/session.ts';
import { CliError } from '../errors.ts';
import type { DocumentFormat } from '../printers/output.ts';
import { type ValueRow, valuesTable } from '../printers/values.ts';

interface GetFlags {
  output?: DocumentFormat | undefined;
  selector?: string | undefined;
}

export interface GetCustomArgs extends GetFlags {
  target: string;
  metric: string;
  metricSelector?: string | undefined;
}

interface GetExternalArgs extends GetFlags {
  metric: string;
}

interface GetResourceArgs extends GetFlags {
  kind: 'pods' | 'nodes';
  name?: string | undefined;
  allNamespaces: boolean;
}

const windowText = (seconds: number | undefined) =>
  seconds === undefined ? undefined : formatGoDuration(seconds * 1000);

/** `RESOURCE/NAME` or `RESOURCE/*`, the forms `kubectl get` uses. */
function parseTarget(target: string): { resource: string; name: string } {
  const slash = target.indexOf('/');
  if (slash <= 0 || slash === target.length - 1) {
    throw new CliError(
      `"${target}" is not RESOURCE/NAME: name one object (services/web, nodes/n1, namespaces/prod) or every pod matching -l with pods/*`,
    );
  }
  return { resource: target.slice(0, slash), name: target.slice(slash + 1) };
}

/** The rows as a table (or the document for -o json|yaml); `empty` goes to stderr when there are none. */
function renderValues(
  output: GetFlags['output'],
  doc: unknown,
  rows: readonly ValueRow[],
  subjectHeader: 'OBJECT' | 'LABELS',
  empty: string,
): Promise<Rendered> {
  return renderDocumentOr(
    output,
    () => doc,
    () => (rows.length ? valuesTable(rows, subjectHeader) : ''),
    rows.length ? '' : empty,
  );
}

export async function renderGetCustom(s: Session, a: GetCustomArgs): Promise<Rendered> {
  const { resource, name } = parseTarget(a.target);
  if (name !== '*' && a.selector) {
    throw new CliError(`-l/--selector picks objects for ${resource}/*; drop it or ask for ${resource}/*`);
  }
  const info = await s.discovery.customMetric(resource, a.metric);
  const version = await s.discovery.version(CUSTOM_GROUP);
  const list = await s.api.customMetric(version, {
    namespace: info.namespaced ? s.namespace : undefined,
    resource,
    name,
    metric: a.metric,
    labelSelector: a.selector,
    metricSelector: a.metricSelector,
  });
  const rows = list.items.map((item): ValueRow => {
    const v2 = item as MetricValueV1beta2;
    const v1 = item as MetricValueV1beta1;
    return {
      namespace: item.describedObject.namespace,
      subject: `${item.describedObject.kind.toLowerCase()}/${item.describedObject.name}`,
      metric: v2.metric?.name ?? v1.metricName,
      value: item.value,
      timestamp: item.timestamp,
      window: windowText(v2.windowSeconds ?? v1.window),
    };
  });
  const where = info.namespaced ? ` in namespace ${s.namespace}` : '';
  return renderValues(a.output, list, rows, 'OBJECT', `No values for ${a.metric} of ${a.target}${where}.\n`);
}

export async function renderGetExternal(s: Session, a: GetExternalArgs): Promise<Rendered> {
  const version = await s.discovery.version(EXTERNAL_GROUP);
  let list: Awaited<ReturnType<typeof s.api.externalMetric>>;
  try {
    list = await s.api.externalMetric(version, s.namespace, a.metric, a.selector);
  } catch (e) {
    // External servers need not list every metric they serve: consult discovery only on failure.
    if (e instanceof RequestFailed && e.code === 404) await s.discovery.requireExternalMetric(a.metric);
    throw e;
  }
  const rows = list.items.map(
    (item): ValueRow => ({
      subject:
        Object.keys(item.metricLabels ?? {})
          .sort()
          .map((k) => `${k}=${item.metricLabels[k]}`)
          .join(',') || '<none>',
      metric: item.metricName,
      value: item.value,
      timestamp: item.timestamp,
      window: windowText(item.window),
    }),
  );
  return renderValues(
    a.output,
    list,
    rows,
    'LABELS',
    `No values for ${a.metric} in namespace ${s.namespace}.\n`,
  );
}

export async function renderGetResource(s: Session, a: GetResourceArgs): Promise<Rendered> {
  if (a.name && a.selector) throw new CliError('only one of NAME or -l/--selector can be provided');
  const version = await s.discovery.version(RESOURCE_GROUP);
  if (a.kind === 'nodes') {
    const doc = a.name
      ? await s.api.getNodeMetrics(version, a.name)
      : await s.api.listNodeMetrics(version, a.selector);
    const items = 'items' in doc ? doc.items : [doc];
    const rows = items.flatMap((n) =>
      Object.entries(n.usage).map(
        ([metric, value]): ValueRow => ({
          subject: `node/${n.metadata.name}`,
          metric,
          value,
          timestamp: n.timestamp,
          window: n.window,
        }),
      ),
    );
    return renderValues(a.output, doc, rows, 'OBJECT', 'No resources found\n');
  }
  const namespace = a.allNamespaces ? undefined : s.namespace;
  const doc = a.name
    ? await s.api.getPodMetrics(version, s.namespace, a.name)
    : await s.api.listPodMetrics(version, namespace, a.selector);
  const items = 'items' in doc ? doc.items : [doc];
  const rows = items.flatMap((p) =>
    p.containers.flatMap((c) =>
      Object.entries(c.usage).map(
        ([metric, value]): ValueRow => ({
          namespace: p.metadata.namespace,
          subject: `pod/${p.metadata.name}`,
          container: c.name,
          metric,
          value,
          timestamp: p.timestamp,
          window: p.window,
        }),
      ),
    ),
  );
  const empty = noResourcesFound(namespace);
  return renderValues(a.output, doc, rows, 'OBJECT', empty);
}
