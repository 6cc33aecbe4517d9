// Quantities (shared/quantity.ts): parseQuantity refuses with a plain Error; what it accepts prints
// (formatQuantity) as a quantity of the same value.
import { compareQuantities, formatQuantity, parseQuantity } from '../../../shared/quantity.ts';
import { invariant, plainError, unlessRefused } from './contract.ts';

export function fuzz(data: Buffer): void {
  const q = unlessRefused(() => parseQuantity(data.toString('utf8')), plainError);
  if (!q) return;
  const text = formatQuantity(q);
  invariant(
    compareQuantities(parseQuantity(text), q) === 0,
    `${JSON.stringify(text)} has the value it printed`,
  );
}
