// Reads a /api/v1/series answer as it arrives, handing each series to a visitor and keeping none:
// with a million series the whole body is hundreds of megabytes of objects (adapter #221, #63).

interface SeriesAnswer {
  status: string;
  errorType?: string;
  error?: string;
  count: number;
  /** Whether the text ended where the JSON document does (not cut off or corrupted mid-way). */
  complete: boolean;
}

/** Incremental scanner over the JSON text `{"status":…,"data":[{…},{…}]}`. */
export class SeriesScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Text of the series object being read, when it spans chunks. */
  private partial = '';
  private capturing = false;
  /** The first bytes of the answer, where the status and error fields are. */
  private head = '';
  private count = 0;
  private readonly visit: (labels: Record<string, string>) => void;

  constructor(visit: (labels: Record<string, string>) => void) {
    this.visit = visit;
  }

  push(chunk: string): void {
    // Prometheus writes "status" (and any error) before "data", so the first bytes hold them.
    if (this.head.length < 4096) this.head += chunk.slice(0, 4096 - this.head.length);
    let start = this.capturing ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \ */) this.escaped = true;
        else if (c === 34 /* " */) this.inString = false;
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 /* { */ || c === 91 /* [ */) {
        this.depth++;
        // Depth 3 is an object inside the top-level object's array: one series.
        if (this.depth === 3 && c === 123) {
          this.capturing = true;
          start = i;
        }
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        if (this.depth === 3 && this.capturing) {
          this.emit(this.partial + chunk.slice(start, i + 1));
          this.partial = '';
          this.capturing = false;
          start = -1;
        }
        this.depth--;
      }
    }
    if (this.capturing) this.partial += chunk.slice(Math.max(start, 0));
  }

  end(): SeriesAnswer {
    const field = (name: string) =>
      new RegExp(`"${name}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(this.head)?.[1];
    const unquote = (s: string | undefined) =>
      s === undefined ? undefined : (JSON.parse(`"${s}"`) as string);
    return {
      status: field('status') ?? 'unknown',
      ...(field('errorType') ? { errorType: unquote(field('errorType')) as string } : {}),
      ...(field('error') ? { error: unquote(field('error')) as string } : {}),
      count: this.count,
      complete: this.depth === 0 && !this.inString && this.head.trimEnd().length > 0,
    };
  }

  private emit(text: string): void {
    this.count++;
    this.visit(JSON.parse(text) as Record<string, string>);
  }
}
