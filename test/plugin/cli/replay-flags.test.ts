import { describe, expect, it } from 'vitest';
import { historyRange, replaying } from '../../../plugin/cli/replay-flags.ts';
import { CliError } from '../../../plugin/errors.ts';

const NOW = Date.parse('2026-12-07T06:00:00.500Z');
const T = (text: string) => Date.parse(text);

describe('historyRange', () => {
  it.each([
    [{ since: '3h' }, { start: T('2026-12-07T03:00:00Z'), end: T('2026-12-07T06:00:00Z'), stepMs: 15_000 }],
    [
      { since: '90m', step: '1m' },
      { start: T('2026-12-07T04:30:00Z'), end: T('2026-12-07T06:00:00Z'), stepMs: 60_000 },
    ],
    [
      { from: '2026-12-07T03:00:00Z', to: '2026-12-07T05:00:00+01:00' },
      { start: T('2026-12-07T03:00:00Z'), end: T('2026-12-07T04:00:00Z'), stepMs: 15_000 },
    ],
    [
      { since: '1h', to: '2026-12-07T05:00:00Z' },
      { start: T('2026-12-07T04:00:00Z'), end: T('2026-12-07T05:00:00Z'), stepMs: 15_000 },
    ],
  ])('%o', (flags, range) => {
    expect(historyRange(flags, NOW, 15)).toEqual(range);
  });

  it.each([
    [{ since: '3x' }, 'invalid --since "3x": use a duration such as 3h or 90m'],
    [{ since: '0s' }, 'invalid --since "0s"'],
    [{ from: 'yesterday' }, 'invalid --from "yesterday": use an RFC 3339 time'],
    [{ from: '2026-12-07T05:00:00Z', to: '2026-12-07T04:00:00Z' }, 'is not before --to'],
    [{ since: '1h', from: '2026-12-07T05:00:00Z' }, '--since and --from both'],
    [{ to: '2026-12-07T05:00:00Z' }, '--to says where the replay ends'],
    [{ from: '2026-12-07T05:00:00Z', to: '2026-12-08T05:00:00Z' }, 'is in the future'],
    [{ since: '1h', step: '1.5s' }, 'use whole seconds'],
    [{ since: '1h', step: 'often' }, 'invalid --step "often"'],
  ])('%o is refused in one line', (flags, message) => {
    expect(() => historyRange(flags, NOW, 15)).toThrow(CliError);
    expect(() => historyRange(flags, NOW, 15)).toThrow(message);
  });

  it('replaying: --since, --from or --to', () => {
    expect(replaying({})).toBe(false);
    expect(replaying({ step: '15s' })).toBe(false);
    expect(replaying({ since: '1h' })).toBe(true);
    expect(replaying({ to: '2026-12-07T05:00:00Z' })).toBe(true);
  });
});
