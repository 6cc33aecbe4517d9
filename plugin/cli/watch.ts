// Printing a command's output once, or with --watch again every --interval until Ctrl-C: redrawn in
// place on a terminal, one frame after another when stdout is a pipe or a file.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../../shared/duration.ts';
import type { Session } from '../cluster/session.ts';
import { CliError } from '../errors.ts';
import type { RunContext } from './context.ts';
import { describeError } from './describe-error.ts';
import type { Rendered } from './render.ts';

interface WatchFlags {
  watch?: boolean;
  interval?: string;
  output?: string;
}

function intervalMs(text: string | undefined): number {
  let ms = Number.NaN;
  try {
    ms = parseDuration(text ?? '');
  } catch {
    // reported below
  }
  if (!(ms > 0))
    throw new CliError(`invalid --interval "${text}": use a duration above zero, such as 5s or 1m`);
  return ms;
}

/** Resolves with undefined when `signal` aborts first. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const lineCount = (text: string) => text.split('\n').length - 1;

export async function present(
  ctx: RunContext,
  flags: WatchFlags,
  render: (s: Session) => Promise<Rendered>,
): Promise<number> {
  const { io, signal } = ctx;
  const every = flags.watch ? intervalMs(flags.interval) : 0;
  const session = await ctx.session();
  if (!flags.watch) {
    const r = await render(session);
    io.out(r.out);
    io.err(r.err);
    return 0;
  }
  // A first read that fails is an error (a wrong flag never starts a loop); later ones are shown and retried.
  const separator = flags.output === 'json' ? '' : flags.output === 'yaml' ? '---\n' : '\n';
  let frames = 0;
  let drawn = 0;
  while (!signal.aborted) {
    let frame: Rendered | undefined;
    try {
      frame = await unlessAborted(render(session), signal);
    } catch (e) {
      if (frames === 0) throw e;
      frame = { out: '', err: `error: ${await describeError(e, session.api)}\n` };
    }
    if (!frame) break;
    if (io.tty) {
      const text = frame.out + frame.err;
      // Back to the first line of the previous frame and clear below; a frame taller than the
      // terminal has scrolled out of reach, so that one clears the screen.
      const erase = drawn === 0 ? '' : drawn < (io.rows ?? 0) ? `\x1b[${drawn}F\x1b[J` : '\x1b[H\x1b[2J';
      io.out(erase + text);
      drawn = lineCount(text);
    } else {
      io.out((frames > 0 ? separator : '') + frame.out);
      io.err(frame.err);
    }
    frames++;
    await sleep(every, undefined, { signal }).catch(() => undefined);
  }
  return 0;
}
