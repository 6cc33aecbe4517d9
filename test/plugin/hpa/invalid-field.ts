// Shared by the decoders' tests: the message an InvalidField carries, and Go's zero time.
import { InvalidField } from '../../../plugin/hpa/fields.ts';

/** The message of the InvalidField `f` throws, to compare whole. */
export function invalid(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidField) return e.message;
    throw e;
  }
  return 'no error';
}

/** time.Time{} in epoch ms. */
export const GO_ZERO = -62135596800000;
