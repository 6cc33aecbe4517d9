// Shell completion from the command spec, in kubectl's plugin completion protocol (kubectl
// pkg/cmd/plugin/plugin_completion.go, which follows cobra's __complete): the words after the plugin
// name come in, the last being the one to complete (empty for a new word); out go the candidates,
// one a line, each optionally followed by a tab and a description, then `:DIRECTIVE`.
import type { CommandSpec, CompletionSource, OptionSpec } from '../cli/command-spec.ts';

/** cobra's ShellCompDirective values. */
const DIRECTIVE_DEFAULT = 0;
const DIRECTIVE_NO_FILE_COMP = 4;

/** How far the words get through the command tree. */
export interface Walked {
  /** The commands named so far, the plugin itself first. */
  path: CommandSpec[];
  /** The current command's positional arguments so far. */
  positionals: string[];
  /** Flags seen, by long name. */
  flags: Map<string, string[]>;
  /** The option the next word is the value of. */
  pending?: { name: string; spec: OptionSpec } | undefined;
  /** A word that stands where a subcommand is expected but names none. */
  unknownCommand?: string | undefined;
}

function optionsOf(path: readonly CommandSpec[]): Map<string, OptionSpec> {
  return new Map(path.flatMap((c) => Object.entries(c.options ?? {})));
}

/** The option a `--name` or `-x` word names, by its long name. */
function findOption(options: Map<string, OptionSpec>, word: string) {
  const name = word.replace(/^--?/, '');
  if (word.startsWith('--')) {
    const spec = options.get(name);
    return spec ? { name, spec } : undefined;
  }
  for (const [long, spec] of options) {
    const aliases = [spec.alias ?? []].flat();
    if (aliases.includes(name)) return { name: long, spec };
  }
  return undefined;
}

const takesValue = (spec: OptionSpec) => spec.type !== 'boolean';

const visible = (c: CommandSpec) => (c.subcommands ?? []).filter((s) => !s.hidden);

export function walk(root: CommandSpec, words: readonly string[]): Walked {
  const w: Walked = { path: [root], positionals: [], flags: new Map() };
  let onlyPositionals = false;
  for (const word of words) {
    const options = optionsOf(w.path);
    if (w.pending) {
      w.flags.set(w.pending.name, [...(w.flags.get(w.pending.name) ?? []), word]);
      w.pending = undefined;
      continue;
    }
    if (!onlyPositionals && word === '--') {
      onlyPositionals = true;
      continue;
    }
    if (!onlyPositionals && word.startsWith('-') && word.length > 1) {
      const [flag = '', inlineValue] = word.split(/=(.*)/s, 2);
      const option = findOption(options, flag);
      if (!option) continue;
      if (inlineValue !== undefined || !takesValue(option.spec)) {
        w.flags.set(option.name, [...(w.flags.get(option.name) ?? []), inlineValue ?? 'true']);
      } else {
        w.pending = option;
      }
      continue;
    }
    const current = w.path[w.path.length - 1] as CommandSpec;
    const subcommands = current.subcommands ?? [];
    if (subcommands.length && w.positionals.length === 0) {
      const next = subcommands.find((s) => s.name === word || s.aliases?.includes(word));
      if (next) {
        w.path.push(next);
        continue;
      }
      w.unknownCommand ??= word;
    }
    w.positionals.push(word);
  }
  return w;
}

/** Values for a completion source; failures (no cluster, no access) just mean no candidates. */
export type Sources = (source: CompletionSource, walked: Walked) => Promise<string[]>;

export async function complete(
  root: CommandSpec,
  words: readonly string[],
  sources: Sources,
): Promise<string> {
  const toComplete = words[words.length - 1] ?? '';
  const w = walk(root, words.slice(0, -1));
  const current = w.path[w.path.length - 1] as CommandSpec;
  let directive = DIRECTIVE_NO_FILE_COMP;
  let prefix = '';
  let candidates: string[] = [];

  const valuesOf = async (spec: {
    choices?: readonly unknown[] | undefined;
    complete?: CompletionSource | undefined;
  }) => {
    if (spec.complete === 'file') directive = DIRECTIVE_DEFAULT;
    if (spec.choices) return spec.choices.map(String);
    return spec.complete && spec.complete !== 'file' ? sources(spec.complete, w) : [];
  };

  if (w.pending) {
    candidates = await valuesOf(w.pending.spec);
  } else if (toComplete.startsWith('-') && toComplete.includes('=')) {
    const [flag = ''] = toComplete.split('=', 1);
    const option = findOption(optionsOf(w.path), flag);
    prefix = `${flag}=`;
    candidates = option ? await valuesOf(option.spec) : [];
  } else if (toComplete.startsWith('-')) {
    const single = !toComplete.startsWith('--');
    candidates = [...optionsOf(w.path)]
      .filter(([name, spec]) => spec.array || !w.flags.has(name))
      .flatMap(([name, spec]) => {
        const describe = `\t${spec.describe ?? ''}`;
        const short = [spec.alias ?? []].flat().filter((a) => a.length === 1);
        return [`--${name}${describe}`, ...(single ? short.map((a) => `-${a}${describe}`) : [])];
      });
  } else if (visible(current).length && w.positionals.length === 0) {
    candidates = visible(current).map((s) => `${s.name}\t${s.describe}`);
  } else {
    const positional = current.positionals?.[w.positionals.length];
    candidates = positional ? await valuesOf(positional) : [];
  }
  const lines = candidates.map((c) => `${prefix}${c}`).filter((c) => c.startsWith(toComplete));
  return `${[...lines, `:${directive}`].join('\n')}\n`;
}
