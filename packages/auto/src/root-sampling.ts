import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AlwaysOffSampler, SamplingDecision, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';

/** OTEL_TRACES_SAMPLER_ARG as the SDK reads it: a ratio in [0, 1], else 1. */
function ratioOf(argument: string | undefined): number {
  const ratio = argument === undefined || argument.trim() === '' ? NaN : Number(argument);
  return ratio >= 0 && ratio <= 1 ? ratio : 1;
}

/**
 * The sampler deciding a root where OTEL_TRACES_SAMPLER names one (a parent-based sampler decides
 * a root by its root sampler); undefined where every root is sampled: `always_on`,
 * `parentbased_always_on`, unset, or a name sdk-node does not know and replaces by its default.
 */
function rootSampler(name: string | undefined, argument: string | undefined): Sampler | undefined {
  switch (name?.trim()) {
    case 'always_off':
    case 'parentbased_always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
    case 'parentbased_traceidratio':
      return new TraceIdRatioBasedSampler(ratioOf(argument));
    default:
      return undefined;
  }
}

/**
 * Whether a trace a request starts (when the register makes no server span) is sampled: the root
 * decision of the sampler `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` configure, read from
 * `env` as sdk-node reads them from process.env. A parent-based sampler decides a root as its root
 * sampler does, so the request's trace is sampled exactly when a server span of the SDK's would
 * have been.
 */
export function rootSampling(env: NodeJS.ProcessEnv = process.env): (traceId: string) => boolean {
  const sampler = rootSampler(env.OTEL_TRACES_SAMPLER, env.OTEL_TRACES_SAMPLER_ARG);
  if (sampler === undefined) return () => true;
  return (traceId) =>
    sampler.shouldSample(ROOT_CONTEXT, traceId, 'request', SpanKind.SERVER, {}, []).decision ===
    SamplingDecision.RECORD_AND_SAMPLED;
}
