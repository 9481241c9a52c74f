import type { Logform } from 'winston';
import type TransportStream from 'winston-transport';
import { guard } from '@apitrail/core/internal';
import { formatHumanReadableFields } from '@apitrail/export/internal';
import { HUMAN_READABLE_LINE, LEVEL, MESSAGE, type HumanReadableLine, type LogInfo } from './record-keys.js';

interface Destination {
  readonly isTTY?: boolean;
}

/** How winston's Console transport picks stderr over stdout for a level. */
interface ConsoleRouting {
  readonly stderrLevels: Readonly<Record<string, boolean>>;
  readonly consoleWarnLevels: Readonly<Record<string, boolean>>;
}

/** The global console's streams: winston's Console transport writes to these, not to `process.*`. */
const consoleStreams = console as unknown as { readonly _stdout?: Destination; readonly _stderr?: Destination };

function routesLikeConsole(transport: object): transport is ConsoleRouting {
  const routing = transport as Partial<ConsoleRouting>;
  return typeof routing.stderrLevels === 'object' && typeof routing.consoleWarnLevels === 'object';
}

/**
 * The stream `transport` writes a line of `level` to: a Console transport's stdout or stderr, a
 * Stream transport's stream (a File transport's is an internal pass-through, never a terminal);
 * undefined for the others (Http, custom), whose destination apitrail cannot know.
 */
function destinationOf(transport: TransportStream, level: unknown): Destination | undefined {
  if (routesLikeConsole(transport)) {
    const toStderr = typeof level === 'string' && (transport.stderrLevels[level] || transport.consoleWarnLevels[level]);
    return toStderr ? consoleStreams._stderr : consoleStreams._stdout;
  }
  return (transport as { readonly _stream?: Destination })._stream;
}

function colourIfTerminal(info: LogInfo, transport: TransportStream): void {
  const rendered = info[HUMAN_READABLE_LINE] as HumanReadableLine | undefined;
  // Not an apitrail human-readable line, or the transport's own format rewrote it: leave it be.
  if (rendered === undefined || info[MESSAGE] !== rendered.line) return;
  if (destinationOf(transport, info[LEVEL])?.isTTY !== true) return;
  info[MESSAGE] = formatHumanReadableFields(rendered.fields, true);
}

/**
 * Colours the level of the `humanReadableFormat()` lines `transport` writes to a terminal (a
 * stream whose `isTTY` is true), per line: a Console transport that sends errors to a redirected
 * stderr colours what goes to the terminal only. Lines to files, pipes and other transports stay
 * plain. Runs after the transport's own format; returns the transport.
 */
export function colourOnTerminal<T extends TransportStream>(transport: T): T {
  const ownFormat = transport.format;
  const colouring: Logform.Format = {
    transform: (info) => {
      const shaped = ownFormat === undefined ? info : ownFormat.transform(info, ownFormat.options);
      if (typeof shaped !== 'boolean') {
        guard('winston terminal colour', () => colourIfTerminal(shaped as unknown as LogInfo, transport), undefined);
      }
      return shaped;
    },
  };
  transport.format = colouring;
  return transport;
}
