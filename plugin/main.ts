// kubectl-cmetrics: the yargs parser built from spec.ts, kubectl's exit codes (0 ok, 1 error) and
// errors as one line on stderr: "error: what is wrong; what to do".
import yargs, { type Argv } from 'yargs';
import { closest } from '../shared/text.ts';
import type { CommandSpec } from './cli/command-spec.ts';
import type { Io, RunContext } from './cli/context.ts';
import type { Session } from './cluster/session.ts';
import { walk } from './completion/engine.ts';
import { CliError, oneLine } from './errors.ts';
import { PLUGIN } from './spec.ts';

/** The part of yargs' internals main() reaches into (yargs lib/yargs-factory.ts getInternalMethods). */
interface YargsInternals {
  getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } };
}

interface Outcome {
  exitCode: number;
  session?: Session | undefined;
}

function commandString(c: CommandSpec): string {
  const positionals = (c.positionals ?? []).map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`));
  return [c.name, ...positionals].join(' ');
}

function configure(y: Argv, c: CommandSpec, outcome: Outcome, io: Io, signal: AbortSignal): Argv {
  for (const p of c.positionals ?? []) {
    y.positional(p.name, {
      describe: p.describe,
      type: 'string',
      ...(p.choices ? { choices: p.choices } : {}),
    });
  }
  for (const [name, { complete: _, ...option }] of Object.entries(c.options ?? {})) y.option(name, option);
  for (const [command, description] of c.examples ?? []) y.example(command, description);
  for (const sub of c.subcommands ?? []) {
    const { run } = sub;
    y.command({
      command: [commandString(sub), ...(sub.aliases ?? [])],
      describe: sub.hidden ? false : sub.describe,
      builder: (inner: Argv) => configure(inner, sub, outcome, io, signal),
      handler: async (args: Record<string, unknown>) => {
        if (run) outcome.exitCode = await run(args, context(args, outcome, io, signal));
      },
    });
  }
  if (c.subcommands?.length) {
    y.demandCommand(1, `name a command: ${c.subcommands.map((s) => s.name).join(', ')}`);
  }
  return y;
}

function context(args: Record<string, unknown>, outcome: Outcome, io: Io, signal: AbortSignal): RunContext {
  return {
    io,
    signal,
    session: async () => {
      if (!outcome.session) {
        const { openSession } = await import('./cluster/session.ts');
        outcome.session = openSession({
          kubeconfig: args.kubeconfig as string | undefined,
          context: args.context as string | undefined,
          namespace: args.namespace as string | undefined,
          requestTimeout: args.requestTimeout as string | undefined,
        });
      }
      return outcome.session;
    },
  };
}

/** A word where a command belongs but names none: kubectl's wording, with the closest commands. */
function checkCommands(argv: readonly string[]): void {
  const w = walk(PLUGIN, argv);
  if (w.unknownCommand === undefined) return;
  const parent = w.path[w.path.length - 1] as CommandSpec;
  const names = (parent.subcommands ?? []).filter((s) => !s.hidden).map((s) => s.name);
  const hint = closest(w.unknownCommand, names);
  const path = w.path.map((c) => c.name).join(' ');
  throw new CliError(
    `unknown command "${w.unknownCommand}" for "${path}"${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ''}; see: ${path} --help`,
  );
}

function usageError(message: string, argv: readonly string[]): CliError {
  const path = walk(PLUGIN, argv)
    .path.map((c) => c.name)
    .join(' ');
  return new CliError(`${oneLine(message)}; see: ${path} --help`);
}

export async function main(argv: string[], io: Io, signal: AbortSignal): Promise<number> {
  const outcome: Outcome = { exitCode: 0 };
  try {
    // Completion words are whatever the user typed, flags included: they are not for the parser.
    if (argv[0] === '__complete') {
      const [engine, sources] = await Promise.all([
        import('./completion/engine.ts'),
        import('./completion/sources.ts'),
      ]);
      io.out(await engine.complete(PLUGIN, argv.slice(1), sources.completionSources));
      return 0;
    }
    checkCommands(argv);
    const parser = configure(yargs(), PLUGIN, outcome, io, signal)
      .scriptName(PLUGIN.name)
      .usage(`$0 <command>\n\n${PLUGIN.describe}`)
      // --no-headers is kubectl's flag, not the negation of a "headers" flag.
      .parserConfiguration({ 'boolean-negation': false })
      .strict()
      .help()
      .alias('h', 'help')
      .version(false)
      .wrap(110)
      .showHelpOnFail(false)
      .exitProcess(false)
      .fail((message: string | undefined, error: Error | undefined) => {
        throw error ?? usageError(message ?? 'invalid arguments', argv);
      });
    // yargs renders the whole help of a command after starting its handler, in case the handler asks
    // for it (yargs lib/command.ts handleValidationAndGetResult → usage.cacheHelpMessage): 10–25 ms of
    // every run. No handler here shows help, and --help renders its own. These are yargs' internals:
    // package.json pins yargs to the exact version this was read from.
    (parser as unknown as YargsInternals).getInternalMethods().getUsageInstance().cacheHelpMessage = () => {};
    await parser.parseAsync(argv, {}, (_error: Error | undefined, _args: unknown, output: string) => {
      // Only help text arrives here: failures are thrown by .fail above.
      if (output) io.out(`${output}\n`);
    });
    return outcome.exitCode;
  } catch (e) {
    const line =
      e instanceof CliError
        ? e.message
        : await (await import('./cli/describe-error.ts')).describeError(e, outcome.session?.api);
    io.err(`error: ${line}\n`);
    return 1;
  } finally {
    await outcome.session?.close();
  }
}
