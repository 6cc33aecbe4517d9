// Quantities as people read them in a table: in whole milli-units at most, rounded up as the HPA
// controller reads every metric (Quantity.MilliValue, kubernetes pkg/controller/podautoscaler/metrics
// client.go; shared/quantity.ts milliValue), so `607142857n` reads `608m` and a value above zero never
// reads 0. Documents (-o json|yaml) keep the exact quantity.
import { formatQuantity, milliValue, parseQuantity, type Quantity } from '../../shared/quantity.ts';

const MILLI = -3;

/** `served` (a quantity as the API sent it) in milli-units, rounded up; text that is no quantity, as it came. */
export function readableQuantity(served: string): string {
  let exact: Quantity;
  try {
    exact = parseQuantity(served);
  } catch {
    return served;
  }
  if (exact.scale >= MILLI) return formatQuantity(exact);
  return formatQuantity({ unscaled: milliValue(exact), scale: MILLI, format: exact.format });
}
