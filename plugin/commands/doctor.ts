// `doctor`: who serves each metrics group version and which HPAs read it, then a checklist of what
// must hold for the metrics APIs to work, each PASS or FAIL with the fix. APIServices exist and are
// Available; each group is served by one server (not half-migrated), every group version an HPA reads
// is registered, and KEDA's HPAs read external metrics from KEDA; each group's discovery answers through the aggregator and lists
// metrics (an empty list means the rules match no series); a metric request that needs Prometheus
// succeeds; the proxy's /readyz (only with --proxy-url: the aggregator forwards no health paths); the
// HPA controller's user (SubjectAccessReview) and kubectl's user (SelfSubjectAccessReview) may read
// the metrics. Checks that cannot run here are SKIP and do not fail the run.
import {
  type APIService,
  CUSTOM_GROUP,
  CUSTOM_VERSIONS,
  EXTERNAL_GROUP,
  EXTERNAL_VERSIONS,
  RESOURCE_GROUP,
  RESOURCE_VERSIONS,
} from '../../shared/api-types.ts';
import { KubeRest } from '../../shared/kube.ts';
import type { RunContext } from '../cli/context.ts';
import { describeError } from '../cli/describe-error.ts';
import { type AccessReviewSpec, type NamedObject, RequestFailed } from '../cluster/api.ts';
import type { Session } from '../cluster/session.ts';
import { CliError } from '../errors.ts';
import {
  apiServiceFix,
  forbidden,
  halfMigratedFix,
  kedaFix,
  unavailableReason,
  unregisteredFix,
} from '../hints/failures.ts';
import { customMetricsOf } from '../hints/metrics.ts';
import {
  controllerVersion,
  groupOf,
  isKedaMetric,
  metricText,
  type Server,
  serverOf,
  serverText,
} from '../hints/servers.ts';
import { type MetricSpec, readHpa } from '../hpa/objects.ts';
import { type Check, type DoctorReport, doctorText, type Neighbour } from '../printers/doctor.ts';

interface DoctorArgs {
  proxyUrl?: string | undefined;
  controllerUser: string;
}

const GROUPS = [RESOURCE_GROUP, CUSTOM_GROUP, EXTERNAL_GROUP] as const;
const VERSIONS: Record<string, readonly string[]> = {
  [RESOURCE_GROUP]: RESOURCE_VERSIONS,
  [CUSTOM_GROUP]: CUSTOM_VERSIONS,
  [EXTERNAL_GROUP]: EXTERNAL_VERSIONS,
};
const INSTALLER: Record<string, string> = {
  [RESOURCE_GROUP]: 'cmetrics-proxy (with resourceRules) or metrics-server',
  [CUSTOM_GROUP]: 'cmetrics-proxy or an adapter',
  [EXTERNAL_GROUP]: 'cmetrics-proxy or an adapter',
};

/** A failed request as one line, without asking the cluster more. */
const why = (e: unknown) => describeError(e, undefined);

async function apiServiceChecks(s: Session): Promise<{ checks: Check[]; services: APIService[] }> {
  let all: APIService[];
  try {
    all = (await s.api.apiServices()).items;
  } catch (e) {
    return {
      checks: [
        {
          title: 'APIServices can be read',
          verdict: 'FAIL',
          detail: await why(e),
          fix: 'run doctor as a user who may list apiservices',
        },
      ],
      services: [],
    };
  }
  const services = all.filter((a) => (GROUPS as readonly string[]).includes(a.spec.group));
  const checks = GROUPS.flatMap((group): Check[] => {
    const mine = services.filter((a) => a.spec.group === group);
    if (!mine.length) {
      return [
        {
          title: `an APIService registers ${group}`,
          verdict: 'FAIL',
          detail: `no APIService for ${group}`,
          fix: `install ${INSTALLER[group]}, then check: kubectl get apiservices | grep ${group}`,
        },
      ];
    }
    return mine.map((a): Check => {
      const reason = unavailableReason(a);
      return reason
        ? {
            title: `APIService ${a.metadata.name} is Available`,
            verdict: 'FAIL',
            detail: reason,
            fix: apiServiceFix(a),
          }
        : { title: `APIService ${a.metadata.name} is Available`, verdict: 'PASS' };
    });
  });
  return { checks, services };
}

interface Served {
  groupVersion: string;
  /** Metric names (custom: RESOURCE/METRIC), or the resources of metrics.k8s.io. */
  names: string[];
}

/** Discovery of each Available version, through the aggregator; custom and external must list metrics. */
async function discoveryChecks(
  s: Session,
  services: APIService[],
): Promise<{ checks: Check[]; served: Served[] }> {
  const available = services.filter((a) => !unavailableReason(a));
  const results = await Promise.all(
    available.map(async (a): Promise<{ check: Check; served?: Served }> => {
      const groupVersion = `${a.spec.group}/${a.spec.version}`;
      const title = `GET /apis/${groupVersion} lists ${a.spec.group === RESOURCE_GROUP ? 'pods and nodes' : 'metrics'}`;
      try {
        const list = await s.api.resourceList(groupVersion);
        const names =
          a.spec.group === CUSTOM_GROUP
            ? customMetricsOf(list).map((m) => `${m.resource}/${m.metric}`)
            : list.resources.map((r) => r.name);
        const served = { groupVersion, names };
        if (!names.length) {
          return {
            served,
            check: {
              title,
              verdict: 'FAIL',
              detail: 'the list is empty',
              fix:
                a.spec.group === RESOURCE_GROUP
                  ? 'the server serves no resource metrics: configure resourceRules (cmetrics-proxy) or check metrics-server'
                  : "no rule matches a series in Prometheus: run each rule's seriesQuery in Prometheus, and read the proxy's log",
            },
          };
        }
        const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
        return { served, check: { title, verdict: 'PASS', detail: `${names.length}: ${shown}` } };
      } catch (e) {
        return { check: { title, verdict: 'FAIL', detail: await why(e), fix: apiServiceFix(a) } };
      }
    }),
  );
  return {
    checks: results.map((r) => r.check),
    served: results.flatMap((r) => (r.served ? [r.served] : [])),
  };
}

/** The version doctor asks a group for: the first Available one discovery listed. */
const preferred = (served: Served[], group: string) =>
  served.find((v) => v.groupVersion.startsWith(`${group}/`));

/** One metric request per group, which the server must answer from Prometheus. */
async function prometheusChecks(s: Session, served: Served[]): Promise<Check[]> {
  const ns = s.namespace;
  const ask = async (title: string, call: () => Promise<string>): Promise<Check> => {
    try {
      return { title, verdict: 'PASS', detail: await call() };
    } catch (e) {
      // A 404 is an answer: the server asked its backend and found no value for this request.
      if (e instanceof RequestFailed && e.code === 404)
        return { title, verdict: 'PASS', detail: `answered: ${e.message}` };
      const rbac = e instanceof RequestFailed && e.code === 403;
      return {
        title,
        verdict: 'FAIL',
        detail: await why(e),
        fix: rbac
          ? 'see the access checks below'
          : "check the proxy's --prometheus-url and its log, and the /readyz detail (--proxy-url)",
      };
    }
  };
  const checks: Promise<Check>[] = [];
  const resource = preferred(served, RESOURCE_GROUP);
  if (resource) {
    const version = resource.groupVersion.split('/')[1] as string;
    checks.push(
      ask(`${resource.groupVersion}: node usage is answered`, async () => {
        const list = await s.api.listNodeMetrics(version);
        if (!list.items.length)
          throw new CliError('no node has usage: check resourceRules.*.nodeQuery in Prometheus');
        return `${list.items.length} nodes`;
      }),
    );
  }
  const custom = preferred(served, CUSTOM_GROUP);
  const podMetric = custom?.names.find((n) => n.startsWith('pods/'))?.slice('pods/'.length);
  if (custom && podMetric) {
    const version = custom.groupVersion.split('/')[1] as string;
    checks.push(
      ask(`${custom.groupVersion}: pods/* ${podMetric} in namespace ${ns} is answered`, async () => {
        const list = await s.api.customMetric(version, {
          namespace: ns,
          resource: 'pods',
          name: '*',
          metric: podMetric,
        });
        return `${list.items.length} values`;
      }),
    );
  }
  const external = preferred(served, EXTERNAL_GROUP);
  // KEDA answers its metrics only for one ScaledObject's labelSelector: ask for another metric, if any.
  const externalMetric = external?.names.find((n) => !isKedaMetric(n));
  if (external && externalMetric) {
    const version = external.groupVersion.split('/')[1] as string;
    checks.push(
      ask(`${external.groupVersion}: ${externalMetric} in namespace ${ns} is answered`, async () => {
        const list = await s.api.externalMetric(version, ns, externalMetric);
        return `${list.items.length} values`;
      }),
    );
  }
  const done = await Promise.all(checks);
  if (!done.length) {
    return [
      {
        title: 'a metric request reaches Prometheus',
        verdict: 'SKIP',
        detail: 'no served metric to ask for (see the checks above)',
      },
    ];
  }
  return done;
}

interface ListedHpa {
  /** NAMESPACE/NAME. */
  name: string;
  keda: boolean;
  metrics: MetricSpec[];
}

/**
 * KEDA's own HPAs, one per ScaledObject: named keda-hpa-NAME and labelled managed-by keda-operator
 * (kedacore/keda controllers/keda/hpa.go newHPAForScaledObject, getHPAName).
 */
const isKedas = (o: NamedObject) =>
  o.metadata.name.startsWith('keda-hpa-') ||
  o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'keda-operator';

/** The HPAs of every namespace with their metrics, or why they cannot be listed. */
async function listHpas(s: Session): Promise<ListedHpa[] | Check> {
  let items: NamedObject[];
  try {
    items = (await s.api.hpas(undefined)).items;
  } catch (e) {
    return {
      title: 'the HPAs of every namespace can be listed',
      verdict: 'SKIP',
      detail: `${await why(e)}; the HPAS column is empty`,
    };
  }
  return items.map((o) => {
    let metrics: MetricSpec[] = [];
    try {
      // Only spec.metrics is read: the downscale window defaults nothing read here.
      metrics = readHpa(o, 'hpa', 0).metrics;
    } catch {
      // An HPA the API server would not have admitted reads nothing.
    }
    return { name: `${o.metadata.namespace ?? ''}/${o.metadata.name}`, keda: isKedas(o), metrics };
  });
}

/** "True", or "False (REASON)", from the Available condition. */
function availability(a: APIService): string {
  const condition = a.status?.conditions?.find((c) => c.type === 'Available');
  if (!condition) return 'Unknown';
  return condition.status === 'True' ? 'True' : `${condition.status} (${condition.reason ?? 'no reason'})`;
}

/**
 * Who serves each metrics group version and which HPAs read it (the version the HPA controller asks
 * for), and the checks that need both: one server per group, every version an HPA reads registered,
 * KEDA's HPAs served by KEDA.
 */
function neighbourChecks(
  services: APIService[],
  served: Served[],
  hpas: ListedHpa[],
): { neighbours: Neighbour[]; checks: Check[] } {
  const inGroup = (group: string) => services.filter((a) => a.spec.group === group);
  const serverOfService = (a: APIService): Server =>
    serverOf(a, served.find((v) => v.groupVersion === `${a.spec.group}/${a.spec.version}`)?.names);
  /** Group version → the HPAs reading it, each with what it reads. */
  const readers = new Map<string, { hpa: ListedHpa; metrics: string[] }[]>();
  for (const hpa of hpas) {
    for (const metric of hpa.metrics) {
      const group = groupOf(metric);
      if (!group) continue;
      const groupVersion = `${group}/${controllerVersion(group, inGroup(group))}`;
      const list = readers.get(groupVersion) ?? [];
      const entry = list.find((r) => r.hpa === hpa) ?? { hpa, metrics: [] };
      if (!list.includes(entry)) list.push(entry);
      entry.metrics.push(metricText(metric));
      readers.set(groupVersion, list);
    }
  }
  const readersText = (groupVersion: string) =>
    (readers.get(groupVersion) ?? []).map((r) => `${r.hpa.name} (${r.metrics.join(', ')})`).join(', ');

  const neighbours: Neighbour[] = [];
  const checks: Check[] = [];
  for (const group of GROUPS) {
    const registered = inGroup(group);
    const versions = [...new Set([...(VERSIONS[group] ?? []), ...registered.map((a) => a.spec.version)])];
    for (const version of versions) {
      const groupVersion = `${group}/${version}`;
      const a = registered.find((r) => r.spec.version === version);
      neighbours.push({
        groupVersion,
        servedBy: a && serverText(serverOfService(a)),
        available: a && availability(a),
        hpas: (readers.get(groupVersion) ?? []).map((r) => r.hpa.name),
      });
    }

    const read = `${group}/${controllerVersion(group, registered)}`;
    const controllers = registered.find((a) => `${a.spec.group}/${a.spec.version}` === read);
    if (readers.has(read) && !controllers) {
      const others = registered.map((a) => a.metadata.name);
      checks.push({
        title: `an APIService registers ${read}, which HPAs read`,
        verdict: 'FAIL',
        detail: `${readersText(read)}${others.length ? `; ${others.join(', ')} is registered, but the HPA controller asks for ${read.split('/')[1]}` : ''}`,
        fix: unregisteredFix(read),
      });
    }

    const to = controllers ?? registered[0];
    if (to) {
      const toServer = serverOfService(to);
      const elsewhere = registered.filter((a) => serverOfService(a).service !== toServer.service);
      const [first] = elsewhere;
      if (first) {
        const versionsText = registered
          .map((a) => `${a.spec.version} by ${serverText(serverOfService(a))}`)
          .join(', ');
        const hpasText = readersText(read);
        checks.push({
          title: `${group} has one server for all its versions`,
          verdict: 'FAIL',
          detail: `half-migrated: ${versionsText}; the HPA controller reads ${to.spec.version}${hpasText ? ` for ${hpasText}` : ''}`,
          fix: halfMigratedFix(
            group,
            { name: to.metadata.name, server: serverText(toServer), kind: toServer.kind },
            { names: elsewhere.map((a) => a.metadata.name), server: serverText(serverOfService(first)) },
          ),
        });
      }
    }
  }

  const external = services.find((a) => `${a.spec.group}/${a.spec.version}` === `${EXTERNAL_GROUP}/v1beta1`);
  const kedas = (readers.get(`${EXTERNAL_GROUP}/v1beta1`) ?? []).filter((r) => r.hpa.keda);
  if (external && kedas.length) {
    const server = serverOfService(external);
    if (server.kind !== 'KEDA') {
      checks.push({
        title: "KEDA's HPAs read external.metrics.k8s.io from KEDA",
        verdict: 'FAIL',
        detail: `${kedas.map((r) => r.hpa.name).join(', ')} read it from ${serverText(server)}, which does not serve KEDA's metrics`,
        fix: kedaFix(),
      });
    }
  }
  return { neighbours, checks };
}

/** GET /readyz of the proxy itself, trusting the CA the aggregator trusts (the APIService's caBundle). */
async function readyzCheck(proxyUrl: string | undefined, services: APIService[]): Promise<Check> {
  const title = 'proxy /readyz';
  if (!proxyUrl) {
    return {
      title,
      verdict: 'SKIP',
      detail:
        'the aggregator does not forward /readyz; pass --proxy-url (e.g. after kubectl port-forward) to read it',
    };
  }
  const url = URL.canParse('/readyz', proxyUrl) ? new URL('/readyz', proxyUrl) : undefined;
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:')
    throw new CliError(`invalid --proxy-url "${proxyUrl}": use https://HOST:PORT`);
  const withService = services.find(
    (a) => a.spec.service && (a.spec.caBundle || a.spec.insecureSkipTLSVerify),
  );
  const service = withService?.spec.service;
  const { origin } = url;
  const rest = new KubeRest(
    {
      getCurrentCluster: () => ({ server: origin }),
      applyToHTTPSOptions: async (opts) => {
        if (withService?.spec.caBundle) opts.ca = Buffer.from(withService.spec.caBundle, 'base64');
        // The name the aggregator checks the serving certificate for.
        if (service) opts.servername = `${service.name}.${service.namespace}.svc`;
        opts.rejectUnauthorized = !withService?.spec.insecureSkipTLSVerify;
      },
    },
    10_000,
  );
  try {
    const res = await rest.send('GET', url.pathname);
    const text = res.text.trim();
    const lines = text.split('\n').filter((l) => !l.startsWith('readyz check'));
    if (res.statusCode === 200) return { title, verdict: 'PASS', detail: lines.join('; ') };
    return {
      title,
      verdict: 'FAIL',
      detail: `HTTP ${res.statusCode}: ${lines.filter((l) => l.startsWith('[-]')).join('; ') || text}`,
      fix: 'fix the failed checks it lists (Prometheus URL, configuration, first relist)',
    };
  } catch (e) {
    return {
      title,
      verdict: 'FAIL',
      detail: `cannot read ${url.href}: ${(e as Error).message}`,
      fix: 'check --proxy-url (kubectl -n NAMESPACE port-forward svc/SERVICE 8443:443 makes it https://127.0.0.1:8443)',
    };
  } finally {
    await rest.close();
  }
}

type Access = AccessReviewSpec['resourceAttributes'];

/** What the HPA controller reads (bootstrap role system:controller:horizontal-pod-autoscaler). */
function accessNeeded(namespace: string, served: Served[]): Access[] {
  const externalMetric = preferred(served, EXTERNAL_GROUP)?.names[0] ?? '*';
  return [
    { namespace, verb: 'list', group: RESOURCE_GROUP, resource: 'pods' },
    { namespace, verb: 'get', group: CUSTOM_GROUP, resource: 'pods' },
    { namespace, verb: 'list', group: EXTERNAL_GROUP, resource: externalMetric },
  ];
}

const accessText = (a: Access) => `${a.verb} ${a.resource}.${a.group} in namespace ${a.namespace}`;

/** `--serviceaccount=NS:NAME` for a service account, else `--user=NAME`. */
function subjectFlag(user: string): string {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  return sa ? `--serviceaccount=${sa[1]}:${sa[2]}` : `--user=${user}`;
}

async function accessChecks(s: Session, served: Served[], controllerUser: string): Promise<Check[]> {
  const needed = accessNeeded(s.namespace, served);
  const review = async (user: string | undefined, a: Access): Promise<Check> => {
    const who = user ? `the HPA controller (${user})` : 'you';
    const title = `${who} may ${accessText(a)}`;
    const resource = `${a.resource}.${a.group}`;
    try {
      const status = await s.api.accessReview({ ...(user ? { user } : {}), resourceAttributes: a });
      if (status.allowed) return { title, verdict: 'PASS' };
      const role = `metrics-${a.verb}-${a.group.split('.')[0]}`;
      return {
        title,
        verdict: 'FAIL',
        detail: status.reason || status.evaluationError || 'not allowed',
        fix: user
          ? `grant it: kubectl create clusterrole ${role} --verb=${a.verb} --resource=${resource} && kubectl create clusterrolebinding ${role}-hpa --clusterrole=${role} ${subjectFlag(user)}`
          : `ask a cluster administrator for a role that allows it (check: kubectl auth can-i ${a.verb} ${resource} -n ${a.namespace})`,
      };
    } catch (e) {
      const line =
        e instanceof RequestFailed && e.code === 403
          ? forbidden(e.status?.message ?? e.message)
          : await why(e);
      return {
        title,
        verdict: 'FAIL',
        detail: `cannot check: ${line}`,
        fix: 'run doctor as a user who may create subjectaccessreviews',
      };
    }
  };
  return Promise.all([
    ...needed.map((a) => review(controllerUser, a)),
    ...needed.map((a) => review(undefined, a)),
  ]);
}

export async function doctorReport(s: Session, a: DoctorArgs): Promise<DoctorReport> {
  const [{ checks: apiServices, services }, hpas] = await Promise.all([apiServiceChecks(s), listHpas(s)]);
  const { checks: discovery, served } = await discoveryChecks(s, services);
  const { neighbours, checks: coexistence } = neighbourChecks(
    services,
    served,
    Array.isArray(hpas) ? hpas : [],
  );
  const [prometheus, readyz, access] = await Promise.all([
    prometheusChecks(s, served),
    readyzCheck(a.proxyUrl, services),
    accessChecks(s, served, a.controllerUser),
  ]);
  const listing = Array.isArray(hpas) ? [] : [hpas];
  return {
    neighbours,
    checks: [...apiServices, ...discovery, ...listing, ...coexistence, ...prometheus, readyz, ...access],
  };
}

export async function runDoctor(ctx: RunContext, a: DoctorArgs): Promise<number> {
  const report = await doctorReport(await ctx.session(), a);
  ctx.io.out(doctorText(report));
  return report.checks.some((c) => c.verdict === 'FAIL') ? 1 : 0;
}
