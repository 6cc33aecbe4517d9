// An error whose message is already the one line the user sees (after "error: "): what is wrong and
// what to do about it. Anything else that reaches main is explained by cli/describe-error.ts first.
export class CliError extends Error {}

/** Several lines (yargs' messages, some servers' Status texts) joined into one. */
export function oneLine(text: string): string {
  const lines = text
    .trim()
    .split(/\s*\n\s*/)
    .filter(Boolean);
  // "Invalid values:" introduces the next line rather than ending a sentence.
  return lines.reduce(
    (joined, line) => (joined ? `${joined}${joined.endsWith(':') ? ' ' : '; '}${line}` : line),
    '',
  );
}
