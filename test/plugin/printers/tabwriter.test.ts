import { describe, expect, it } from 'vitest';
import { tabwrite } from '../../../plugin/printers/tabwriter.ts';

// Expected output printed by cli-runtime v0.37.2's printers.GetNewTabWriter for the same cells,
// each written as kubectl writes them ("%v\t" per cell, "\n" per row).
describe('tabwrite', () => {
  it.each<[string, string[][], string]>([
    [
      'columns are max(6, widest + 3) and every cell is padded',
      [
        ['a', 'bb'],
        ['ccc', 'd'],
      ],
      'a     bb    \nccc   d     \n',
    ],
    [
      'a shorter line ends the blocks of the columns it lacks',
      [['x', 'y', 'z'], ['x'], ['longer', 'y', 'z']],
      'x        y     z     \nx        \nlonger   y     z     \n',
    ],
    [
      'widths count runes, not bytes',
      [
        ['héllo', 'ü'],
        ['a', 'b'],
      ],
      'héllo   ü     \na       b     \n',
    ],
    [
      'empty cells are padded to the column',
      [
        ['', 'a'],
        ['b', ''],
      ],
      '      a     \nb           \n',
    ],
    [
      'RememberWidths: a later block is at least as wide as an earlier one, not the reverse',
      [['a', 'b', 'c'], ['a'], ['aaaaaaaaaa', 'bbbbbbbbbbbb', 'c'], ['a', 'b', 'c']],
      'a            b     c     \na            \naaaaaaaaaa   bbbbbbbbbbbb   c     \na            b              c     \n',
    ],
    ['one column', [['only']], 'only   \n'],
    ['nothing', [], ''],
  ])('%s', (_name, rows, expected) => {
    expect(tabwrite(rows)).toBe(expected);
  });
});
