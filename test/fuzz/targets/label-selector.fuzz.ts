// Label selectors (shared/labels.ts): parseSelector refuses with a plain Error; what it accepts
// prints (formatSelector) as a selector that parses back to the same requirements.
import { formatSelector, parseSelector } from '../../../shared/labels.ts';
import { invariant, plainError, unlessRefused } from './contract.ts';

export function fuzz(data: Buffer): void {
  const reqs = unlessRefused(() => parseSelector(data.toString('utf8')), plainError);
  if (!reqs) return;
  const text = formatSelector(reqs);
  invariant(formatSelector(parseSelector(text)) === text, `${JSON.stringify(text)} parses back to itself`);
}
