// The subset of Go's text/template that prometheus-adapter query templates use, with its `<<` `>>`
// delimiters: fields and map keys, variables, pipelines, parentheses, the builtin functions, and
// if / else / range / with / end with `-` trim markers. Parsing happens once per rule.

type Value = unknown;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; body: Node[]; else: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; else: Node[] };

interface Pipeline {
  decl: string[];
  /** `$x = …` sets a variable declared in an enclosing scope; `$x := …` declares one here. */
  assign: boolean;
  commands: Operand[][];
}

type Operand =
  | { kind: 'field'; base: 'dot' | string; path: string[] }
  | { kind: 'literal'; value: Value }
  | { kind: 'func'; name: string }
  | { kind: 'pipe'; pipe: Pipeline };

export class TemplateError extends Error {}

export interface Template {
  source: string;
  execute(data: Record<string, Value>): string;
}

export function parseTemplate(source: string): Template {
  const nodes = parseNodes(lexActions(source));
  return {
    source,
    execute: (data) => {
      const root = new Scope();
      root.declare('$', data);
      return render(nodes, data, root);
    },
  };
}

type Piece = { kind: 'text'; text: string } | { kind: 'action'; body: string };

function lexActions(src: string): Piece[] {
  const pieces: Piece[] = [];
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf('<<', pos);
    if (open < 0) {
      pieces.push({ kind: 'text', text: src.slice(pos) });
      break;
    }
    let text = src.slice(pos, open);
    let bodyStart = open + 2;
    if (
      src.startsWith('- ', bodyStart) ||
      src.startsWith('-\t', bodyStart) ||
      src.startsWith('-\n', bodyStart)
    ) {
      text = text.trimEnd();
      bodyStart += 1;
    }
    if (text) pieces.push({ kind: 'text', text });
    const close = findClose(src, bodyStart);
    if (close < 0) throw new TemplateError(`unclosed action "<<" at offset ${open}`);
    let body = src.slice(bodyStart, close);
    pos = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      while (pos < src.length && /\s/.test(src[pos] as string)) pos++;
    }
    pieces.push({ kind: 'action', body: body.trim() });
  }
  return pieces;
}

function findClose(src: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '>' && src[i + 1] === '>') return i;
  }
  return -1;
}

function parseNodes(pieces: Piece[]): Node[] {
  let i = 0;
  const block = (terminators: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (i < pieces.length) {
      const p = pieces[i++] as Piece;
      if (p.kind === 'text') {
        nodes.push(p);
        continue;
      }
      const body = p.body;
      if (body.startsWith('/*')) continue;
      const [word] = body.split(/\s+/, 1);
      if (word === 'end' || word === 'else') {
        if (!terminators.includes(word)) throw new TemplateError(`unexpected <<${body}>>`);
        return { nodes, end: body };
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(controlNode(word, body.slice(word.length)));
        continue;
      }
      nodes.push({ kind: 'action', pipe: parsePipeline(body, 'command') });
    }
    if (terminators.length) throw new TemplateError('missing <<end>>');
    return { nodes, end: '' };
  };
  const controlNode = (word: 'if' | 'with' | 'range', rest: string): Node => {
    const pipe = parsePipeline(rest, word);
    const body = block(['end', 'else']);
    let elseNodes: Node[] = [];
    if (body.end !== 'end') {
      const elseRest = body.end.slice(4).trim();
      if (elseRest.startsWith('if ') || elseRest.startsWith('with ')) {
        // `else if x` is shorthand for `else` + nested `if x … end`, sharing the outer `end`.
        const nestedWord = elseRest.startsWith('if ') ? 'if' : 'with';
        elseNodes = [controlNode(nestedWord, elseRest.slice(nestedWord.length))];
      } else {
        elseNodes = block(['end']).nodes;
      }
    }
    return { kind: word, pipe, body: body.nodes, else: elseNodes };
  };
  return block([]).nodes;
}

// ---- pipelines -------------------------------------------------------------------------------

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(:=|=|\||\(|\)|,)|([^\s|(),:=]+))/y;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) {
      if (/^\s*$/.test(src.slice(pos))) break;
      throw new TemplateError(`cannot parse "${src.slice(pos)}"`);
    }
    tokens.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
    pos = re.lastIndex;
  }
  return tokens;
}

/** `context` names the pipeline in messages, as Go's parser does: command, if, with or range. */
function parsePipeline(src: string, context: string): Pipeline {
  const tokens = tokenize(src);
  let i = 0;
  const decl: string[] = [];
  const assign = tokens.findIndex((t) => t === ':=' || t === '=');
  let isAssign = false;
  if (assign > 0 && tokens.slice(0, assign).every((t) => t === ',' || t.startsWith('$'))) {
    for (const t of tokens.slice(0, assign)) if (t !== ',') decl.push(t);
    isAssign = tokens[assign] === '=';
    i = assign + 1;
  }
  // Go's checkPipeline (text/template/parse/parse.go): a pipeline needs a command, and here each
  // command an operand. (An empty `()` reached execution and threw a TypeError there: found by
  // fuzzing, test/fuzz/targets/metrics-query.fuzz.ts.)
  const checked = (commands: Operand[][], what: string): Operand[][] => {
    if (commands.length === 1 && !commands[0]?.length) throw new TemplateError(`missing value for ${what}`);
    if (commands.some((c) => c.length === 0)) throw new TemplateError(`empty command in "${src}"`);
    return commands;
  };
  const parse = (closing: string | null): Pipeline['commands'] => {
    const commands: Operand[][] = [[]];
    while (i < tokens.length) {
      const t = tokens[i++] as string;
      if (t === closing) return commands;
      const current = commands[commands.length - 1] as Operand[];
      if (t === '|') {
        if (!current.length) throw new TemplateError(`missing command before "|" in "${src}"`);
        commands.push([]);
      } else if (t === '(') {
        const inner = checked(parse(')'), 'parenthesized pipeline');
        current.push({ kind: 'pipe', pipe: { decl: [], assign: false, commands: inner } });
      } else {
        current.push(operand(t));
      }
    }
    if (closing) throw new TemplateError(`unclosed "(" in "${src}"`);
    return commands;
  };
  return { decl, assign: isAssign, commands: checked(parse(null), context) };
}

const FUNCS = new Set([
  'index',
  'len',
  'print',
  'printf',
  'println',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'not',
  'and',
  'or',
  'slice',
  'js',
  'html',
  'urlquery',
]);

/**
 * A "..." literal, as Go's strconv.Unquote reads it where JSON agrees: raw control characters are
 * taken as they are, as Go's lexer takes them (text/template/parse/lex.go lexQuote), a newline ends
 * the string unterminated; an escape JSON lacks (\x41, \a, \') is refused. (A raw NUL made
 * JSON.parse throw a SyntaxError out of parseTemplate: found by fuzzing,
 * test/fuzz/targets/metrics-query.fuzz.ts.)
 */
function quoted(t: string): string {
  if (t.includes('\n')) throw new TemplateError(`unterminated quoted string ${JSON.stringify(t)}`);
  let escaped = '';
  for (const c of t) escaped += c < ' ' ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c;
  try {
    return JSON.parse(escaped) as string;
  } catch {
    throw new TemplateError(
      `malformed string literal ${JSON.stringify(t)}: escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX`,
    );
  }
}

function operand(t: string): Operand {
  if (t.startsWith('"')) return { kind: 'literal', value: quoted(t) };
  if (t.startsWith('`')) return { kind: 'literal', value: t.slice(1, -1) };
  if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
  if (t === 'nil') return { kind: 'literal', value: null };
  // An integer beyond int64 is refused where Go parses it (text/template/parse/node.go newNumber).
  if (/^-?\d+$/.test(t) && BigInt.asIntN(64, BigInt(t)) !== BigInt(t))
    throw new TemplateError(`integer overflow: ${JSON.stringify(t)}`);
  if (/^-?\d+(\.\d+)?$/.test(t)) return { kind: 'literal', value: Number(t) };
  if (t === '.') return { kind: 'field', base: 'dot', path: [] };
  if (t.startsWith('.')) return { kind: 'field', base: 'dot', path: t.slice(1).split('.') };
  if (t.startsWith('$')) {
    const [base, ...path] = t.split('.');
    return { kind: 'field', base: base as string, path };
  }
  if (FUNCS.has(t)) return { kind: 'func', name: t };
  throw new TemplateError(`function "${t}" not defined`);
}

// ---- execution -------------------------------------------------------------------------------

/** Variables of one block; lookups and `=` assignments reach the enclosing blocks, as in Go. */
class Scope {
  private readonly vars = new Map<string, Value>();
  private readonly parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.parent = parent;
  }
  child(): Scope {
    return new Scope(this);
  }
  private owner(name: string): Scope | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.vars.has(name)) return s;
    return undefined;
  }
  has(name: string): boolean {
    return this.owner(name) !== undefined;
  }
  get(name: string): Value {
    return this.owner(name)?.vars.get(name);
  }
  declare(name: string, value: Value): void {
    this.vars.set(name, value);
  }
  assign(name: string, value: Value): void {
    const owner = this.owner(name);
    if (!owner) throw new TemplateError(`undefined variable "${name}"`);
    owner.vars.set(name, value);
  }
}

function render(nodes: Node[], dot: Value, vars: Scope): string {
  let out = '';
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out += node.text;
        break;
      case 'action': {
        const v = evalPipeline(node.pipe, dot, vars);
        if (!node.pipe.decl.length) out += printValue(v);
        break;
      }
      case 'if':
      case 'with': {
        const inner = vars.child();
        const v = evalPipeline(node.pipe, dot, inner);
        if (truthy(v)) out += render(node.body, node.kind === 'with' ? v : dot, inner);
        else out += render(node.else, dot, vars);
        break;
      }
      case 'range': {
        const inner = vars.child();
        const v = evalPipeline({ ...node.pipe, decl: [] }, dot, inner);
        const decl = node.pipe.decl;
        let ran = false;
        for (const [k, x] of rangeEntries(v, decl.length)) {
          ran = true;
          if (decl.length === 1) inner.declare(decl[0] as string, x);
          if (decl.length === 2) {
            inner.declare(decl[0] as string, k);
            inner.declare(decl[1] as string, x);
          }
          out += render(node.body, x, inner);
        }
        if (!ran) out += render(node.else, dot, vars);
        break;
      }
    }
  }
  return out;
}

/**
 * What `range` walks, as [key, element]: a list's indexes, a map's sorted keys, and an integer's
 * 0…n-1, none when negative, into one variable only; a non-integer number is refused (Go's
 * text/template exec.go walkRange). Counted, not listed: a huge integer made Array.from throw a
 * RangeError (found by fuzzing, test/fuzz/targets/metrics-query.fuzz.ts).
 */
function* rangeEntries(v: Value, variables: number): Generator<[Value, Value]> {
  if (Array.isArray(v)) yield* v.map((x, idx): [Value, Value] => [idx, x]);
  else if (v && typeof v === 'object')
    for (const k of Object.keys(v).sort()) yield [k, (v as Record<string, Value>)[k]];
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TemplateError(`range can't iterate over ${printValue(v)}`);
    if (variables > 1) throw new TemplateError(`can't use ${v} to iterate over more than one variable`);
    for (let idx = 0; idx < v; idx++) yield [idx, idx];
  }
}

function evalPipeline(pipe: Pipeline, dot: Value, vars: Scope): Value {
  let result: Value;
  let piped = false;
  for (const command of pipe.commands) {
    const [head, ...args] = command as [Operand, ...Operand[]];
    if (head.kind === 'func') {
      const argv = args.map((a) => evalOperand(a, dot, vars));
      if (piped) argv.push(result);
      result = callFunc(head.name, argv);
    } else {
      if (args.length || piped) throw new TemplateError('can only pass arguments to functions');
      result = evalOperand(head, dot, vars);
    }
    piped = true;
  }
  for (const name of pipe.decl) {
    if (pipe.assign) vars.assign(name, result);
    else vars.declare(name, result);
  }
  return result;
}

function evalOperand(op: Operand, dot: Value, vars: Scope): Value {
  switch (op.kind) {
    case 'literal':
      return op.value;
    case 'pipe':
      return evalPipeline(op.pipe, dot, vars);
    case 'func':
      return callFunc(op.name, []);
    case 'field': {
      let v: Value;
      if (op.base === 'dot') v = dot;
      else if (vars.has(op.base)) v = vars.get(op.base);
      else throw new TemplateError(`undefined variable "${op.base}"`);
      for (const key of op.path) {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
          throw new TemplateError(`can't evaluate field ${key} in ${describe(v)}`);
        }
        const obj = v as Record<string, Value>;
        if (!(key in obj) && isStruct(obj)) throw new TemplateError(`can't evaluate field ${key}`);
        v = obj[key] ?? '';
      }
      return v;
    }
  }
}

// Top-level template data behaves like a Go struct (unknown fields are errors); nested maps like Go maps.
const STRUCT = Symbol('struct');
export function asStruct<T extends object>(o: T): T {
  Object.defineProperty(o, STRUCT, { value: true });
  return o;
}
function isStruct(o: object): boolean {
  return STRUCT in o;
}

function callFunc(name: string, a: Value[]): Value {
  switch (name) {
    case 'index': {
      let v = a[0];
      for (const k of a.slice(1)) {
        if (Array.isArray(v)) v = v[Number(k)];
        else if (v && typeof v === 'object') v = (v as Record<string, Value>)[String(k)] ?? '';
        else throw new TemplateError(`can't index ${describe(v)}`);
        if (v === undefined) throw new TemplateError(`index ${String(k)} out of range`);
      }
      return v;
    }
    case 'len': {
      const v = a[0];
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      throw new TemplateError(`len of ${describe(v)}`);
    }
    case 'slice': {
      const [v, from = 0, to] = a as [string | Value[], number, number | undefined];
      return v.slice(from, to);
    }
    case 'print':
      return sprint(a);
    case 'println':
      return `${a.map(printValue).join(' ')}\n`;
    case 'printf':
      return sprintf(String(a[0]), a.slice(1));
    case 'not':
      return !truthy(a[0]);
    case 'and':
      return a.find((x) => !truthy(x)) ?? a[a.length - 1];
    case 'or':
      return a.find((x) => truthy(x)) ?? a[a.length - 1];
    case 'eq':
      return a.slice(1).some((x) => x === a[0]);
    case 'ne':
      return a[0] !== a[1];
    case 'lt':
      return (a[0] as number) < (a[1] as number);
    case 'le':
      return (a[0] as number) <= (a[1] as number);
    case 'gt':
      return (a[0] as number) > (a[1] as number);
    case 'ge':
      return (a[0] as number) >= (a[1] as number);
    case 'urlquery':
      // url.QueryEscape: only letters, digits and -_.~ stay; a space becomes "+".
      return encodeURIComponent(sprint(a))
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+');
    case 'js':
      // JSEscapeString: \ ' " get a backslash; <>&= and characters below space become \uXXXX.
      return sprint(a).replace(/[\\'"<>&=]|[^ -\uffff]/g, (c) =>
        c === '\\' || c === "'" || c === '"'
          ? `\\${c}`
          : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
      );
    case 'html':
      return sprint(a)
        .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string)
        .replaceAll('\u0000', '\uFFFD');
  }
  throw new TemplateError(`function "${name}" not defined`);
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

/** fmt.Sprint: operands side by side, with a space between two that are not strings. */
function sprint(a: Value[]): string {
  const spaced = (x: Value, i: number) => i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string';
  return a.map((x, i) => (spaced(x, i) ? ' ' : '') + printValue(x)).join('');
}

function sprintf(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(/%([%sdvqf])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    const v = args[n++];
    if (verb === 'q') return JSON.stringify(printValue(v));
    if (verb === 'd') return String(Math.trunc(Number(v)));
    return printValue(v);
  });
}

function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function printValue(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (v === null || v === undefined) return '<no value>';
  if (typeof v === 'object') {
    const entries = Object.keys(v)
      .sort()
      .map((k) => `${k}:${printValue((v as Record<string, Value>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(v);
}

function describe(v: Value): string {
  return Array.isArray(v) ? 'a list' : v === null || v === undefined ? 'nil' : `a ${typeof v}`;
}
