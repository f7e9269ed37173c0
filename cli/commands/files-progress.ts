/**
 * The progress bar of `curvezmq files get`: bytes, rate and time left, redrawn in place on a
 * terminal at most ten times a second. Off a terminal nothing is drawn (quiet for scripts).
 *
 * @module
 */

/** Where the bar is drawn: stderr, usually. */
export interface BarOutput {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

const MB = 1024 * 1024;

/** A redrawing progress bar; a no-op off a terminal. */
export class ProgressBar {
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;

  /** @param now - the clock in ms (injected by tests) */
  constructor(
    private readonly out: BarOutput,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** Redraws with `done` of `total` bytes, unless drawn less than 100 ms ago. */
  update(done: number, total: number): void {
    const t = this.now();
    if (this.out.isTTY !== true || (t - this.lastDraw < 100 && done < total)) return;
    this.lastDraw = t;
    this.drawn = true;
    this.out.write(`\r${renderBar(done, total, (t - this.started) / 1000, this.out.columns || 80)}`);
  }

  /** Ends the bar's line, if one was drawn. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
  }
}

/** One line: `[#####.....]  45%  90.0/200.0 MB  85.3 MB/s  ETA 1s`, fitted to `columns`. */
export function renderBar(done: number, total: number, seconds: number, columns: number): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
  const text = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${(done / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB  ${(rate / MB).toFixed(1)} MB/s  ETA ${eta === undefined ? '?' : formatSeconds(eta)}`;
  const width = Math.max(10, Math.min(40, columns - text.length - 3));
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${text}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
