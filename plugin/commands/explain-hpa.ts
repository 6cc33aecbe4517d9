// `explain hpa NAME`: the HPA controller's decision recomputed from what it reads (cluster/hpa-snapshot.ts,
// hpa/decision.ts), shown step by step (printers/explain-hpa.ts), with what each failed metric needs
// (hints/hpa-diagnosis.ts), so that `--from-snapshot` prints the same as the live command.

import type { RunContext } from '../cli/context.ts';
import { type ControllerFlags, controllerSettings } from '../cli/controller-flags.ts';
import { loadSnapshot, malformed, saveSnapshot } from '../cli/snapshot-file.ts';
import { fetchSnapshot } from '../cluster/hpa-snapshot.ts';
import { CliError } from '../errors.ts';
import { diagnose } from '../hints/hpa-diagnosis.ts';
import { decide, SnapshotUnusable } from '../hpa/decision.ts';
import { InvalidField } from '../hpa/fields.ts';
import { DEFAULT_CONTROLLER_SETTINGS, type HPASnapshot } from '../hpa/snapshot.ts';
import {
  type Explanation,
  explanationDocument,
  explanationText,
  type StatusCondition,
} from '../printers/explain-hpa.ts';
import { narrate } from '../printers/narrative.ts';
import { type DocumentFormat, formatDocument } from '../printers/output.ts';

interface ExplainHpaArgs extends ControllerFlags {
  name: string;
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
 * The explanation of a snapshot: the same text (or document) whether fetched now or loaded from
 * `file`. An object in it that cannot be read is named by its JSON path.
 */
async function renderExplanation(
  snapshot: HPASnapshot,
  output: DocumentFormat | undefined,
  file?: string,
): Promise<string> {
  let explanation: Explanation;
  try {
    const decision = decide(snapshot);
    explanation = {
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
  return output ? formatDocument(explanationDocument(explanation), output) : explanationText(explanation);
}

export async function runExplainHpa(ctx: RunContext, a: ExplainHpaArgs): Promise<number> {
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
    if (!a.name)
      throw new CliError(
        'name the HorizontalPodAutoscaler to explain, or pass --from-snapshot FILE; list them with: kubectl get hpa',
      );
    const session = await ctx.session();
    snapshot = await fetchSnapshot(session, a.name, controllerSettings(DEFAULT_CONTROLLER_SETTINGS, a));
    if (a.saveSnapshot) saveSnapshot(a.saveSnapshot, snapshot);
  }
  ctx.io.out(await renderExplanation(snapshot, a.output, a.fromSnapshot));
  return 0;
}
