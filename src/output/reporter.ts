/**
 * @module output/reporter
 * The side channel commands talk to people through (`ctx.out`): notices, warnings and progress bars on
 * stderr, never mixed into the data on stdout (except `data()`, which is streamed results and so goes
 * to the data stream). Progress is drawn only where someone watches a live terminal: in a pipe, a log
 * file or CI, `\r` redraws turn into hundreds of garbage lines.
 */
import type { Progress, Reporter } from '../core/command.ts';
import { terminalWidth } from './render.ts';
import { displayWidth, singleLine, truncate } from './text.ts';

/** Where a reporter writes: `process.stderr`, or the CLI's lighter `cli/stdio` outputs. */
export interface ReportStream {
  write(text: string): unknown;
  /** True only on a terminal, where `columns` is its width. */
  readonly isTTY?: boolean;
  readonly columns?: number | undefined;
}

/** What a reporter writes to and how. */
export interface ReporterOptions {
  stream: ReportStream;
  /** Where `data()` writes streamed results: where results go. Default `process.stdout`. */
  dataStream?: ReportStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Suppress `info` and progress bars (`--quiet`); warnings still show. */
  quiet?: boolean;
  /** Millisecond clock, injectable so tests can drive the redraw throttle. Default `Date.now`. */
  clock?: () => number;
}

/** Minimum time between redraws: ~10/s looks live without flooding a slow terminal or ssh link. */
const REDRAW_MS = 100;
/** Bar width bounds, in cells. */
const BAR_MIN = 10;
const BAR_MAX = 30;

/** An environment flag is on when present, non-empty and not an explicit `0`/`false`. */
function flag(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Whether to emit ANSI colour on `stream`. `NO_COLOR` (non-empty) always wins, as no-color.org asks;
 * then `FORCE_COLOR` (`0`/`false` off, any other non-empty value on, even in a pipe); otherwise only
 * on a TTY whose `TERM` is not `dumb`.
 */
export function useColor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return flag(force);
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** `label [#####-----] 12/40`, fitted to one line narrower than the terminal (so it never wraps). */
function barLine(label: string, count: number, total: number, columns: number): string {
  const room = columns - 1; // writing the last column makes some terminals wrap early
  const counter = total > 0 ? `${count}/${total}` : String(count);
  if (!(total > 0)) return truncate(`${label} ${counter}`, room);
  const chrome = counter.length + 4; // " [" + "] " around the bar
  const barWidth = Math.min(BAR_MAX, Math.max(BAR_MIN, room - displayWidth(label) - chrome));
  const filled = Math.min(barWidth, Math.floor((barWidth * count) / total));
  const shown = truncate(label, Math.max(0, room - barWidth - chrome));
  const line = `${shown} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${counter}`;
  return displayWidth(line) > room ? truncate(line, room) : line;
}

/** A progress handle that does nothing: for pipes, CI and `--quiet`. */
const SILENT: Progress = { tick() {}, done() {} };

/** A reporter writing to `options.stream` (normally `process.stderr`). */
export function createReporter(options: ReporterOptions): Reporter {
  const { stream, env, quiet = false } = options;
  const clock = options.clock ?? Date.now;
  const color = useColor(stream, env);
  const live = !quiet && stream.isTTY === true && !flag(env.CI) && env.TERM !== 'dumb';
  /** The bar currently occupying the cursor line, which a message must clear and then restore. */
  let active: { clear(): void; draw(): void } | undefined;
  /**
   * Streamed data on the terminal ended mid-line: a `\r` redraw would overwrite that partial line, so
   * bars stay hidden until the data completes the line.
   */
  let held = false;

  const write = (text: string): void => {
    stream.write(text);
  };
  /** Print a message line without tearing a live bar: clear it, print, draw it again below. */
  const say = (text: string): void => {
    const bar = active;
    bar?.clear();
    write(`${text}\n`);
    bar?.draw();
  };

  const progress = (label: string, total: number): Progress => {
    if (!live) return SILENT;
    const name = singleLine(label);
    let count = 0;
    let drawnWidth = 0;
    let lastDraw = -Infinity;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let finished = false;

    const bar = {
      clear(): void {
        // Overwrite with spaces rather than an erase-line escape: works on every terminal.
        if (drawnWidth > 0) write(`\r${' '.repeat(drawnWidth)}\r`);
        drawnWidth = 0;
      },
      draw(): void {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        active = bar;
        if (held) return;
        const line = barLine(name, count, total, terminalWidth(stream, 80));
        const width = displayWidth(line);
        // Pad over any longer previous line (the label may have been cut differently).
        write(`\r${line}${' '.repeat(Math.max(0, drawnWidth - width))}`);
        drawnWidth = width;
        lastDraw = clock();
      },
    };
    bar.draw();

    return {
      tick(n = 1): void {
        if (finished) return;
        count = Math.max(0, count + n);
        if (total > 0) count = Math.min(count, total);
        const wait = lastDraw + REDRAW_MS - clock();
        if (wait <= 0) bar.draw();
        // Throttled: draw the latest state once the interval ends, so a pause never shows a stale
        // count. unref: a pending redraw must not keep the process alive.
        else timer ??= setTimeout(() => bar.draw(), wait).unref();
      },
      done(): void {
        if (finished) return;
        finished = true;
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        bar.clear();
        if (active === bar) active = undefined;
      },
    };
  };

  return {
    info(message: string): void {
      if (!quiet) say(message);
    },
    warn(message: string): void {
      const text = `warning: ${message}`;
      say(color ? `\x1b[33m${text}\x1b[39m` : text);
    },
    progress,
    data(text: string): void {
      if (text === '') return;
      const target = options.dataStream ?? process.stdout;
      // Only data on a terminal shares the bar's line; data piped elsewhere never collides with it.
      const shared = target.isTTY === true;
      const bar = shared ? active : undefined;
      bar?.clear();
      target.write(text);
      held = shared && !text.endsWith('\n');
      bar?.draw();
    },
  };
}
