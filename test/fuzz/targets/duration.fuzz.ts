// Durations (shared/duration.ts): parseDuration refuses with a plain Error, or gives a finite number
// of milliseconds, not negative.
import { parseDuration } from '../../../shared/duration.ts';
import { invariant, plainError, unlessRefused } from './contract.ts';

export function fuzz(data: Buffer): void {
  const ms = unlessRefused(() => parseDuration(data.toString('utf8')), plainError);
  if (ms === undefined) return;
  invariant(Number.isFinite(ms) && ms >= 0, `${ms} is a finite, non-negative number of milliseconds`);
}
