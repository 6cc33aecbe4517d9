// --sort-by of the `top` commands: cpu, memory, a column of the command's own, or one of its --metric
// columns; anything else is a one-line error naming what it may be.
import { CliError } from '../errors.ts';

/** `sortBy` when it names a column (`columns`: cpu, memory and the command's others; `metrics`: its --metric names). */
export function checkedSortBy(
  sortBy: string | undefined,
  columns: readonly string[],
  metrics: readonly string[],
): string | undefined {
  if (sortBy === undefined || columns.includes(sortBy) || metrics.includes(sortBy)) return sortBy;
  const known = [...columns, ...metrics].map((c) => `'${c}'`).join(', ');
  throw new CliError(
    `invalid --sort-by "${sortBy}": sort by ${known}${metrics.length ? '' : ', or add the metric to sort by with --metric NAME'}`,
  );
}
