// The configuration in force, and its replacement when the file changes or on SIGHUP (adapter #104,
// #678). A file that does not load or compile leaves the running configuration in place; the
// failure is logged and shown by /readyz.
import { readFileSync } from 'node:fs';
import { watchFiles } from '../file-watch.ts';
import type { Logger } from '../log.ts';
import { type AdapterConfig, parseAdapterConfig } from '../rules/config.ts';
import type { CompiledConfig } from './compile.ts';

export interface ReloadStatus {
  loadedAtMs: number;
  /** Why the last reload was refused, while the previous configuration stays in force. */
  lastError: string | undefined;
  reloads: number;
  failures: number;
}

export class LiveConfig {
  private compiled: CompiledConfig;
  readonly status: ReloadStatus;
  private readonly file: string;
  private readonly compile: (config: AdapterConfig) => CompiledConfig;
  private readonly log: Logger;
  private readonly listeners: ((c: CompiledConfig) => void)[] = [];
  private lastText: string;

  /** Loads and compiles `file` now; throws (with the line) if it does not load. */
  constructor(file: string, compile: (config: AdapterConfig) => CompiledConfig, log: Logger) {
    this.file = file;
    this.compile = compile;
    this.log = log;
    this.lastText = readFileSync(file, 'utf8');
    this.compiled = compile(parseAdapterConfig(this.lastText, file));
    this.status = { loadedAtMs: Date.now(), lastError: undefined, reloads: 0, failures: 0 };
  }

  get current(): CompiledConfig {
    return this.compiled;
  }

  onChange(listener: (c: CompiledConfig) => void): void {
    this.listeners.push(listener);
  }

  /** Loads the file again; true when a new configuration took effect. */
  reload(reason: string): boolean {
    let text: string;
    let next: CompiledConfig;
    try {
      text = readFileSync(this.file, 'utf8');
      if (text === this.lastText && !this.status.lastError) return false;
      next = this.compile(parseAdapterConfig(text, this.file));
    } catch (e) {
      this.status.failures++;
      this.status.lastError = (e as Error).message;
      this.log.error('configuration reload refused; the running configuration stays', {
        reason,
        error: this.status.lastError,
      });
      return false;
    }
    const previous = this.compiled;
    this.compiled = next;
    this.lastText = text;
    this.status.reloads++;
    this.status.loadedAtMs = Date.now();
    this.status.lastError = undefined;
    this.log.info('configuration reloaded', {
      reason,
      rules: next.rules.length,
      externalRules: next.externalRules.length,
    });
    for (const l of this.listeners) l(next);
    // Requests already on their way keep using the old clients for a moment.
    setTimeout(() => void previous.close(), 30_000).unref();
    return true;
  }

  /** Reloads on SIGHUP and when the file (or a ConfigMap's `..data` symlink beside it) changes. */
  watch(): () => void {
    const onHup = () => this.reload('SIGHUP');
    process.on('SIGHUP', onHup);
    const stopWatching = watchFiles([this.file], () => this.reload('file changed'));
    return () => {
      process.off('SIGHUP', onHup);
      stopWatching();
    };
  }
}
