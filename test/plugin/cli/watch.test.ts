import { describe, expect, it } from 'vitest';
import type { Io } from '../../../plugin/cli/context.ts';
import type { Rendered } from '../../../plugin/cli/render.ts';
import { present } from '../../../plugin/cli/watch.ts';
import { fakeSession } from '../cluster/fake.ts';

function recorder(tty: boolean, rows?: number) {
  const written = { out: [] as string[], err: [] as string[] };
  const io: Io = { out: (t) => void written.out.push(t), err: (t) => void written.err.push(t), tty, rows };
  return { io, written };
}

/** Renders frame 1, 2, …; `fail` lists frames that throw; Ctrl-C while reading the one after `count`. */
function frames(count: number, controller: AbortController, fail: number[] = []) {
  let n = 0;
  return async (): Promise<Rendered> => {
    n++;
    if (n > count) controller.abort();
    if (fail.includes(n)) throw new Error(`read ${n} failed`);
    return { out: `frame ${n}\nline\n`, err: '' };
  };
}

const context = (io: Io, signal: AbortSignal) => ({
  io,
  signal,
  session: async () => fakeSession({}).session,
});

describe('present', () => {
  it('prints once without --watch: table on stdout, notice on stderr', async () => {
    const { io, written } = recorder(false);
    const code = await present(context(io, new AbortController().signal), {}, async () => ({
      out: 'table\n',
      err: 'notice\n',
    }));
    expect([code, written]).toEqual([0, { out: ['table\n'], err: ['notice\n'] }]);
  });

  it('--watch into a pipe: frame after frame, until Ctrl-C, exit 0', async () => {
    const { io, written } = recorder(false);
    const controller = new AbortController();
    const code = await present(
      context(io, controller.signal),
      { watch: true, interval: '5ms' },
      frames(3, controller),
    );
    expect(code).toBe(0);
    expect(written.out.join('')).toBe('frame 1\nline\n\nframe 2\nline\n\nframe 3\nline\n');
  });

  it('--watch on a terminal: back to the first line of the last frame, clear, redraw', async () => {
    const { io, written } = recorder(true, 40);
    const controller = new AbortController();
    await present(context(io, controller.signal), { watch: true, interval: '5ms' }, frames(2, controller));
    expect(written.out).toEqual(['frame 1\nline\n', '\x1b[2F\x1b[Jframe 2\nline\n']);
  });

  it('--watch on a terminal shorter than the frame clears the screen', async () => {
    const { io, written } = recorder(true, 2);
    const controller = new AbortController();
    await present(context(io, controller.signal), { watch: true, interval: '5ms' }, frames(2, controller));
    expect(written.out[1]).toBe('\x1b[H\x1b[2Jframe 2\nline\n');
  });

  it('--watch: a failing first read is the error, a later one is shown and retried', async () => {
    const first = new AbortController();
    await expect(
      present(
        context(recorder(false).io, first.signal),
        { watch: true, interval: '5ms' },
        frames(3, first, [1]),
      ),
    ).rejects.toThrow('read 1 failed');

    const { io, written } = recorder(false);
    const later = new AbortController();
    await present(context(io, later.signal), { watch: true, interval: '5ms' }, frames(3, later, [2]));
    expect(written.err.join('')).toBe('error: read 2 failed\n');
    expect(written.out.join('')).toContain('frame 3');
  });

  it('refuses an interval that is not a positive duration', async () => {
    const { io } = recorder(false);
    await expect(
      present(
        context(io, new AbortController().signal),
        { watch: true, interval: '0s' },
        frames(1, new AbortController()),
      ),
    ).rejects.toThrow('invalid --interval "0s"');
  });
});
