import { describe, expect, it } from 'vitest';
import { readableQuantity } from '../../../plugin/printers/readable.ts';

describe('readableQuantity', () => {
  it.each<[string, string, string]>([
    ['a rate() average in nano-units, as kubectl get hpa shows it', '607142857n', '607m'],
    ['halves away from zero', '20500u', '21m'],
    ['negative halves away from zero', '-20500u', '-21m'],
    ['already milli', '1500m', '1500m'],
    ['whole numbers stay', '42', '42'],
    ['suffixes stay', '2k', '2k'],
    ['binary quantities stay', '64Mi', '64Mi'],
    ['rounding up to a whole unit', '999999999n', '1'],
    ['below 1m keeps its digits instead of reading 0', '350n', '350n'],
    ['zero', '0', '0'],
    ['text that is no quantity is shown as it came', 'NaN', 'NaN'],
  ])('%s: %s → %s', (_what, served, shown) => {
    expect(readableQuantity(served)).toBe(shown);
  });
});
