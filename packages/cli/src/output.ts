import type { Writable } from 'node:stream';
import { neutralizeControlCharacters } from '@apitrail/core/internal';

/** Where a command writes: its report, its diagnostics, and whether they are terminals. */
export interface Output {
  readonly out: Writable & { isTTY?: boolean };
  readonly err: Writable & { isTTY?: boolean };
}

/** A plain-text table; every cell has its control characters neutralised (log data is hostile). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map((cell) => neutralizeControlCharacters(cell)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n') + '\n';
}

/** A progress line on a terminal's stderr, redrawn in place; silent elsewhere. */
export function progressReporter(
  output: Output,
  verb: string,
): {
  update(bytes: number, total: number | undefined): void;
  done(): void;
} {
  const active = output.err.isTTY === true;
  let shown = false;
  return {
    update(bytes, total) {
      if (!active) return;
      const megabytes = (bytes / 1048576).toFixed(1);
      const text =
        total === undefined || total === 0
          ? `${verb}: ${megabytes} MB`
          : `${verb}: ${'#'.repeat(Math.floor((20 * bytes) / total)).padEnd(20, '.')} ${Math.min(100, Math.floor((100 * bytes) / total))}% of ${(total / 1048576).toFixed(1)} MB`;
      output.err.write(`\r${text}`);
      shown = true;
    },
    done() {
      if (shown) output.err.write('\r\u001b[2K');
    },
  };
}

/** Malformed lines are each reported with their line number, up to a limit, then counted. */
export const MAX_REPORTED_LINES = 50;

export function reportProblem(output: Output, reported: number, text: string): void {
  if (reported < MAX_REPORTED_LINES) output.err.write(`apitrail: ${neutralizeControlCharacters(text)}\n`);
  else if (reported === MAX_REPORTED_LINES) output.err.write('apitrail: further problems are counted, not listed\n');
}
