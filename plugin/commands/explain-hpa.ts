// `explain hpa NAME`: the HPA controller's decision recomputed from what it reads (cluster/hpa-snapshot.ts,
// hpa/decision.ts), shown step by step (printers/explain-hpa.ts), with what each failed metric needs
// (hints/hpa-diagnosis.ts), so that `--from-snapshot` prints the same as the live command. Without a
// name (`-A`, `-n NS`, `-l`): every HPA in scope on one line each (printers/hpa-list.ts), its state
// (hpa/state.ts) and the fix for a failure, each request sent once (cluster/hpa-snapshot.ts fetchSnapshots).
// With --since or --from/--to: the controller replayed over the history (cluster/history.ts,
// hpa/replay.ts), and with --set once more on a changed spec (hpa/what-if.ts), charted by printers/replay.ts.

import type { RunContext } from '../cli/context.ts';
import { type ControllerFlags, controllerSettings } from '../cli/controller-flags.ts';
import { noResourcesFound, type Rendered, renderDocumentOr } from '../cli/render.ts';
import { historyRange, type ReplayFlags, replaying } from '../cli/replay-flags.ts';
import { loadSnapshot, malformed, saveSnapshot } from '../cli/snapshot-file.ts';
import { present } from '../cli/watch.ts';
import { fetchHistory, type HistoryReplay, replayHistory } from '../cluster/history.ts';
import { fetchSnapshot, fetchSnapshots } from '../cluster/hpa-snapshot.ts';
import type { Session } from '../cluster/session.ts';
import { CliError } from '../errors.ts';
import { diagnose, stateFix } from '../hints/hpa-diagnosis.ts';
import { decide, SnapshotUnusable } from '../hpa/decision.ts';
import { InvalidField } from '../hpa/fields.ts';
import { DEFAULT_CONTROLLER_SETTINGS, type HPASnapshot } from '../hpa/snapshot.ts';
import { hpaState } from '../hpa/state.ts';
import { InvalidChange } from '../hpa/what-if.ts';
import {
  type Explanation,
  explanationDocument,
  explanationText,
  type StatusCondition,
} from '../printers/explain-hpa.ts';
import { type HpaLine, hpaListDocument, hpaListTable } from '../printers/hpa-list.ts';
import { narrate } from '../printers/narrative.ts';
import { type DocumentFormat, formatDocument } from '../printers/output.ts';
import { replayDocument, replayText } from '../printers/replay.ts';

interface ExplainHpaArgs extends ControllerFlags, ReplayFlags {
  name: string;
  /** Without a name: list the HPAs of every namespace. */
  allNamespaces?: boolean | undefined;
  selector?: string | undefined;
  watch?: boolean | undefined;
  interval?: string | undefined;
  output?: DocumentFormat | undefined;
  saveSnapshot?: string | undefined;
  fromSnapshot?: string | undefined;
}

function statusConditions(snapshot: HPASnapshot): StatusCondition[] {
  return (
    (snapshot.hpa.body as { status?: { conditions?: StatusCondition[] } } | undefined)?.status?.conditions ??
    []
  );
}

/**
 * The explanation of a snapshot: the same whether fetched now or loaded from `file`. An object in it
 * that cannot be read is named by its JSON path.
 */
function explain(snapshot: HPASnapshot, file?: string): Explanation {
  try {
    const decision = decide(snapshot);
    return {
      decision,
      statusConditions: statusConditions(snapshot),
      narrative: narrate(decision),
      fixes: diagnose(snapshot, decision),
      controller: snapshot.controller,
    };
  } catch (e) {
    if (e instanceof SnapshotUnusable) throw new CliError(e.message);
    if (e instanceof InvalidField) {
      throw file
        ? malformed(file, e)
        : new CliError(`the cluster sent what the HPA controller cannot read either: ${e.message}`);
    }
    throw e;
  }
}

/** One HPA's line of the list: its explanation, state and fix, or why it cannot be explained. */
function lineOf(snapshot: HPASnapshot): HpaLine {
  const metadata = (snapshot.hpa.body as { metadata?: { name?: string; namespace?: string } }).metadata;
  const at = { namespace: metadata?.namespace ?? '', name: metadata?.name ?? '' };
  let explanation: Explanation;
  try {
    explanation = explain(snapshot);
  } catch (e) {
    if (e instanceof CliError) return { ...at, problem: e.message };
    throw e;
  }
  const state = hpaState(explanation.decision);
  const fix = stateFix(snapshot, explanation.decision, state, explanation.fixes);
  return { ...at, explanation, state, fix };
}

/** `explain hpa` without a name: every HPA in scope, one line each. */
async function renderHpaList(s: Session, a: ExplainHpaArgs): Promise<Rendered> {
  const controller = controllerSettings(DEFAULT_CONTROLLER_SETTINGS, a);
  const scope = { namespace: a.allNamespaces ? undefined : s.namespace, labelSelector: a.selector };
  const lines = (await fetchSnapshots(s, scope, controller)).map(lineOf);
  const notice = lines.length ? '' : noResourcesFound(scope.namespace);
  return renderDocumentOr(
    a.output,
    () => hpaListDocument(lines),
    () => hpaListTable(lines, !!a.allNamespaces),
    notice,
  );
}

/** `explain hpa NAME --since D` (or --from/--to): the controller replayed, and with --set on a changed spec. */
async function runReplay(ctx: RunContext, a: ExplainHpaArgs): Promise<number> {
  if (a.fromSnapshot || a.saveSnapshot) {
    throw new CliError(
      `${a.fromSnapshot ? '--from-snapshot' : '--save-snapshot'} is one moment, the replay reads the history: drop one of them`,
    );
  }
  const controller = controllerSettings(DEFAULT_CONTROLLER_SETTINGS, a);
  const range = historyRange(a, Date.now(), controller.syncPeriodSeconds);
  const session = await ctx.session();
  const fetched = await fetchHistory(session, a.name, controller, range);
  let replayed: HistoryReplay;
  try {
    replayed = replayHistory(fetched, a.set ?? []);
  } catch (e) {
    if (e instanceof InvalidChange || e instanceof SnapshotUnusable) throw new CliError(e.message);
    if (e instanceof InvalidField)
      throw new CliError(`the cluster sent what the HPA controller cannot read either: ${e.message}`);
    throw e;
  }
  const { replay, whatIf, notes } = replayed;
  const of = { namespace: session.namespace, name: a.name, notes };
  ctx.io.out(
    a.output
      ? await formatDocument(replayDocument(of, replay, whatIf), a.output)
      : replayText(of, replay, { width: ctx.io.columns || 80, unicode: ctx.io.tty }, whatIf),
  );
  return 0;
}

export async function runExplainHpa(ctx: RunContext, a: ExplainHpaArgs): Promise<number> {
  if (!replaying(a) && (a.set?.length || a.step !== undefined)) {
    throw new CliError(`${a.set?.length ? '--set' : '--step'} is for the replay: add --since or --from`);
  }
  if (replaying(a)) {
    if (!a.name) throw new CliError('the replay is of one HPA: name it, e.g. explain hpa web --since 3h');
    if (a.allNamespaces || a.selector || a.watch)
      throw new CliError(
        `${a.watch ? '--watch' : a.allNamespaces ? '-A' : '-l'} is for the list of HPAs, not the replay: drop it`,
      );
    return runReplay(ctx, a);
  }
  const listing = a.allNamespaces || !!a.selector;
  if (!a.name && !a.fromSnapshot) {
    if (a.saveSnapshot)
      throw new CliError('--save-snapshot keeps the snapshot of one HPA: name the HPA, or drop the flag');
    return present(ctx, a, (s) => renderHpaList(s, a));
  }
  if (listing || a.watch)
    throw new CliError(
      `${a.watch ? '--watch' : a.allNamespaces ? '-A' : '-l'} is for the list of HPAs: drop the name${a.fromSnapshot ? ' and --from-snapshot' : ''}, or drop the flag`,
    );
  let snapshot: HPASnapshot;
  if (a.fromSnapshot) {
    if (a.saveSnapshot)
      throw new CliError('--from-snapshot reads a snapshot, --save-snapshot writes one: pass only one');
    const loaded = loadSnapshot(a.fromSnapshot);
    const stored = (loaded.hpa.body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
    if (a.name && stored && a.name !== stored) {
      throw new CliError(
        `${a.fromSnapshot} holds HPA ${stored}, not ${a.name}; drop the name or pass that HPA's snapshot`,
      );
    }
    snapshot = { ...loaded, controller: controllerSettings(loaded.controller, a) };
  } else {
    const session = await ctx.session();
    snapshot = await fetchSnapshot(session, a.name, controllerSettings(DEFAULT_CONTROLLER_SETTINGS, a));
    if (a.saveSnapshot) saveSnapshot(a.saveSnapshot, snapshot);
  }
  const explanation = explain(snapshot, a.fromSnapshot);
  ctx.io.out(
    a.output
      ? await formatDocument(explanationDocument(explanation), a.output)
      : explanationText(explanation),
  );
  return 0;
}
