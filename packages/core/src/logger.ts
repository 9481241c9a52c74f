import { logs, type Logger, type LoggerProvider } from '@opentelemetry/api';
import { INSTRUMENTATION_VERSION } from './semconv.js';

/**
 * A getter for apitrail's logger `name` from the global LoggerProvider. The logger is fetched again
 * whenever the global provider is another one than last time: a logger kept from before the SDK
 * started, or from a provider since replaced, would drop records without a trace. Fetching it per
 * record instead costs an instrumentation-scope key and a map lookup on every record.
 */
export function globalLogger(name: string): () => Logger {
  let provider: LoggerProvider | undefined;
  let logger: Logger | undefined;
  return () => {
    const current = logs.getLoggerProvider();
    if (logger === undefined || current !== provider) {
      provider = current;
      logger = current.getLogger(name, INSTRUMENTATION_VERSION);
    }
    return logger;
  };
}
