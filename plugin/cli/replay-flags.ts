// `explain hpa NAME --since 3h` (or --from/--to, RFC 3339) and --step: the range the controller is
// replayed over, its passes every --step (default: the controller's sync period).
import { parseDuration } from '../../shared/duration.ts';
import type { HistoryRange } from '../cluster/history.ts';
import { CliError } from '../errors.ts';

/** The replay flags as the user gave them (undefined: not given). */
export interface ReplayFlags {
  since?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  step?: string | undefined;
  set?: string[] | undefined;
}

/** Whether the flags ask for a replay rather than the decision of now. */
export function replaying(flags: ReplayFlags): boolean {
  return flags.since !== undefined || flags.from !== undefined || flags.to !== undefined;
}

function duration(flag: string, text: string, example: string): number {
  let ms = Number.NaN;
  try {
    ms = parseDuration(text);
  } catch {
    // reported below
  }
  if (!(ms > 0)) throw new CliError(`invalid --${flag} "${text}": use a duration such as ${example}`);
  return ms;
}

// time.RFC3339 as Go reads it: fractional seconds allowed, a zone required.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function instant(flag: string, text: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new CliError(`invalid --${flag} "${text}": use an RFC 3339 time such as 2026-12-07T03:00:00Z`);
  return ms;
}

/** The range and step from the flags; `syncPeriodSeconds` is the default step. Whole seconds. */
export function historyRange(flags: ReplayFlags, now: number, syncPeriodSeconds: number): HistoryRange {
  if (flags.since !== undefined && flags.from !== undefined) {
    throw new CliError('--since and --from both say where the replay starts: pass only one');
  }
  const end = flags.to === undefined ? now : instant('to', flags.to);
  let start: number;
  if (flags.since !== undefined) start = end - duration('since', flags.since, '3h or 90m');
  else if (flags.from !== undefined) start = instant('from', flags.from);
  else throw new CliError('--to says where the replay ends: say where it starts with --from or --since');
  if (start >= end) {
    throw new CliError(
      `--from ${flags.from} is not before --to ${flags.to ?? 'now'}: swap them, or use --since`,
    );
  }
  if (end > now)
    throw new CliError(`--to ${new Date(end).toISOString()} is in the future: the history ends now`);
  const stepMs =
    flags.step === undefined
      ? syncPeriodSeconds * 1000
      : duration('step', flags.step, '15s (the sync period)');
  if (stepMs % 1000 !== 0)
    throw new CliError(`invalid --step "${flags.step}": use whole seconds, such as 15s or 1m`);
  const whole = (ms: number) => Math.floor(ms / 1000) * 1000;
  return { start: whole(start), end: whole(end), stepMs };
}
