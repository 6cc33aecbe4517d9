import { describe, expect, it } from 'vitest';
import { readableQuantity } from '../../../plugin/printers/readable.ts';

describe('readableQuantity', () => {
  it.each<[string, string, string]>([
    ['a rate() average in nano-units, rounded up as the controller reads it', '607142857n', '608m'],
    ['up, whatever the fraction', '20100u', '21m'],
    ['negative values away from zero, as MilliValue', '-20100u', '-21m'],
    ['already milli', '1500m', '1500m'],
    ['whole numbers stay', '42', '42'],
    ['suffixes stay', '2k', '2k'],
    ['binary quantities stay', '64Mi', '64Mi'],
    ['rounding up to a whole unit', '999999999n', '1'],
    ['above zero never reads 0', '350n', '1m'],
    ['zero', '0', '0'],
    ['text that is no quantity is shown as it came', 'NaN', 'NaN'],
  ])('%s: %s → %s', (_what, served, shown) => {
    expect(readableQuantity(served)).toBe(shown);
  });
});
