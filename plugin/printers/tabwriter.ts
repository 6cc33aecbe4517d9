// kubectl's table layout: cli-runtime's printers.GetNewTabWriter (github.com/liggitt/tabwriter, a
// fork of Go's text/tabwriter) with minwidth 6, tabwidth 4, padding 3 and spaces. kubectl writes
// every cell followed by a tab, so rows here are lists of cells that each end in one.
//
// This is Go's elastic-tabstop algorithm, not "widest cell per column": a column's width is set per
// block of consecutive lines that have a cell in that column, so a short line (a node without a
// percentage, kubectl's --sum rows) starts a new block for the columns it lacks. With RememberWidths
// (kubectl sets it) a later block is at least as wide as the earlier ones in the same column.

const MIN_WIDTH = 6;
const PADDING = 3;

/** Width as the tabwriter counts it: runes (code points), not UTF-16 units or display cells. */
function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Lays out rows as kubectl does: `printValue(cell)` for each cell (the cell and a tab), then a newline.
 * Every line keeps its trailing padding, as kubectl's do.
 */
export function tabwrite(rows: readonly (readonly string[])[]): string {
  // Go keeps, after each line's tab-terminated cells, the (here always empty) text before the newline.
  const lines = rows.map((row) => [...row, '']);
  const widths: number[] = [];
  const maxWidths: number[] = [];
  let out = '';

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i] as string[];
      line.forEach((cell, j) => {
        out += cell;
        const width = widths[j];
        if (width !== undefined) out += ' '.repeat(width - runeCount(cell));
      });
      out += '\n';
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let at = line0; at < line1; at++) {
      if (column >= (lines[at] as string[]).length - 1) continue;
      // A block of lines with a cell in this column starts here.
      writeLines(line0, at);
      line0 = at;
      let width = MIN_WIDTH;
      for (; at < line1; at++) {
        const line = lines[at] as string[];
        if (column >= line.length - 1) break;
        width = Math.max(width, runeCount(line[column] as string) + PADDING);
      }
      // RememberWidths, as liggitt/tabwriter does it.
      if (maxWidths.length < widths.length) maxWidths.push(...widths.slice(maxWidths.length));
      if (maxWidths.length === widths.length) maxWidths.push(width);
      else width = Math.max(width, maxWidths[column] as number);
      maxWidths[column] = width;
      widths.push(width);
      format(line0, at);
      widths.pop();
      line0 = at;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}
