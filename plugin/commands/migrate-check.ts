// `migrate check`: before the metrics APIServices move to cmetrics, every HPA in scope recomputed twice,
// from what the HPA controller reads today (cluster/shadow-snapshot.ts) and from cmetrics' answers to
// the same calls (hpa/shadow.ts), as a table (printers/migrate-check.ts). cmetrics is reached directly
// with the user's own credentials (docs/migrating-from-prometheus-adapter.md says why). Exit code 0:
// no decision would change; 2: some would; 1: the check could not run.
import { type APIService, CUSTOM_GROUP, EXTERNAL_GROUP, RESOURCE_GROUP } from '../../shared/api-types.ts';
import type { RunContext } from '../cli/context.ts';
import { type ControllerFlags, controllerSettings } from '../cli/controller-flags.ts';
import { openDirect } from '../cluster/session.ts';
import { fetchShadow } from '../cluster/shadow-snapshot.ts';
import { CliError } from '../errors.ts';
import { serverOf, serverText } from '../hints/servers.ts';
import { SnapshotUnusable } from '../hpa/decision.ts';
import { compareShadow, type HpaComparison } from '../hpa/shadow.ts';
import { DEFAULT_CONTROLLER_SETTINGS, type Fetched } from '../hpa/snapshot.ts';
import { type ComparedGroup, migrationDocument, migrationText } from '../printers/migrate-check.ts';
import { type DocumentFormat, formatDocument } from '../printers/output.ts';

/** The exit code when some HPA would decide differently with cmetrics. */
const DIFFERENT_DECISION_EXIT = 2;

const GROUP_WORDS: Record<string, string> = {
  resource: RESOURCE_GROUP,
  custom: CUSTOM_GROUP,
  external: EXTERNAL_GROUP,
};

interface MigrateCheckArgs extends ControllerFlags {
  allNamespaces: boolean;
  selector?: string | undefined;
  output?: DocumentFormat | undefined;
  cmetricsUrl: string;
  cmetricsCaFile: string;
  cmetricsTlsServerName?: string | undefined;
  groups: string[];
  kubeconfig?: string | undefined;
  context?: string | undefined;
  requestTimeout?: string | undefined;
}

/** The groups to compare: those named, else those prometheus-adapter serves. */
function comparedGroups(services: APIService[], named: readonly string[]): string[] {
  if (named.length) return named.map((w) => GROUP_WORDS[w] as string);
  const groups = [
    ...new Set(services.filter((a) => serverOf(a).kind === 'prometheus-adapter').map((a) => a.spec.group)),
  ];
  if (!groups.length) {
    const held = services.map((a) => `${a.metadata.name} by ${serverText(serverOf(a))}`).join(', ');
    throw new CliError(
      `no metrics APIService is served by prometheus-adapter (${held || 'none registered'}); name the groups to compare with --groups (custom, external, resource; repeatable)`,
    );
  }
  return groups.sort();
}

/** cmetrics could not be asked at all (not reached, or it took nobody's credentials): no comparison. */
function unreachable(answers: readonly (Fetched<unknown> | null)[], url: string): void {
  const error = answers.find((m) => m?.error && (m.error.code === 0 || m.error.code === 401))?.error;
  if (!error) return;
  throw new CliError(
    error.code === 0
      ? `cannot reach cmetrics at ${url}: ${error.message}; check --cmetrics-url (after kubectl -n NAMESPACE port-forward svc/SERVICE 8443:443 it is https://127.0.0.1:8443) and --cmetrics-ca-file`
      : `cmetrics at ${url} did not accept your credentials: ${error.message}; it authenticates client certificates of the cluster's client CA and bearer tokens (TokenReview)`,
  );
}

export async function runMigrateCheck(ctx: RunContext, a: MigrateCheckArgs): Promise<number> {
  const s = await ctx.session();
  const controller = controllerSettings(DEFAULT_CONTROLLER_SETTINGS, a);
  const metricsGroups = Object.values(GROUP_WORDS);
  const services = (await s.api.apiServices()).items.filter((x) => metricsGroups.includes(x.spec.group));
  const groups = comparedGroups(services, a.groups);
  const compared: ComparedGroup[] = groups.flatMap((g) => {
    const registered = services.filter((x) => x.spec.group === g);
    return registered.length
      ? registered.map((x) => ({ groupVersion: `${g}/${x.spec.version}`, server: serverText(serverOf(x)) }))
      : [{ groupVersion: g, server: 'nobody (not registered)' }];
  });
  const listed = (await s.api.hpas(a.allNamespaces ? undefined : s.namespace, a.selector)).items;
  const cmetrics = openDirect(a, {
    url: a.cmetricsUrl,
    caFile: a.cmetricsCaFile,
    tlsServerName: a.cmetricsTlsServerName,
  });
  const hpas: HpaComparison[] = [];
  try {
    for (const h of listed) {
      const namespace = h.metadata.namespace ?? s.namespace;
      const shadow = await fetchShadow(
        { ...s, namespace },
        cmetrics.api,
        h.metadata.name,
        controller,
        groups,
      );
      unreachable(shadow.cmetrics.metrics, a.cmetricsUrl);
      try {
        hpas.push(compareShadow(shadow));
      } catch (e) {
        if (e instanceof SnapshotUnusable)
          throw new CliError(`HPA ${namespace}/${h.metadata.name}: ${e.message}`);
        throw e;
      }
    }
  } finally {
    await cmetrics.close();
  }
  const report = { groups: compared, cmetrics: a.cmetricsUrl, hpas };
  ctx.io.out(a.output ? await formatDocument(migrationDocument(report), a.output) : migrationText(report));
  return hpas.some((h) => h.verdict === 'DifferentDecision') ? DIFFERENT_DECISION_EXIT : 0;
}
