export function octetCountedFrames(onFrame: (message: string) => void): { push(chunk: Buffer): void };

export interface RunningSyslogReceiver {
  readonly host: string;
  readonly port: number;
  /** The messages received so far (RFC 5424 header and message, framing removed), in order. */
  messages(): string[];
  /** Why connections were closed: framing errors, socket errors. */
  errors(): string[];
  stop(): Promise<void>;
}
export function startSyslogReceiver(): Promise<RunningSyslogReceiver>;

export interface RunningHecPeerProcess {
  /** The HEC event endpoint, for the sender's `endpoint`. */
  readonly endpoint: string;
  /** What the peer accepted so far: OTLP-JSON, one export per line. */
  text(): Promise<string>;
  stop(): Promise<void>;
}
export function startSplunkHecPeer(binary: string): Promise<RunningHecPeerProcess>;
