// Quantities as people read them in a table: to whole milli-units at most, as `kubectl get hpa` shows
// what the HPA controller stores (it reads metrics with Quantity.MilliValue, pkg/controller/podautoscaler
// metrics/client.go), so `607142857n` reads `607m`. A value smaller than 1m keeps its own digits rather
// than print as 0. Documents (-o json|yaml) keep the exact quantity.
import { formatQuantity, parseQuantity, type Quantity, roundQuantity } from '../../shared/quantity.ts';

const MILLI = -3;

/** `served` (a quantity as the API sent it) to the nearest milli-unit; text that is no quantity, as it came. */
export function readableQuantity(served: string): string {
  let exact: Quantity;
  try {
    exact = parseQuantity(served);
  } catch {
    return served;
  }
  const rounded = roundQuantity(exact, MILLI);
  return formatQuantity(rounded.unscaled === 0n ? exact : rounded);
}
