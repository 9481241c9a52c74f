#!/usr/bin/env node
// Builds the apitrail OpenTelemetry Collector distribution from collector-config/builder-config.yaml
// with the collector builder (ocb) installed from the Go module proxy. The result is cached in a
// directory keyed by the manifest's hash, so a second run (or a CI run on a warm machine) is instant.
// Prints the binary's path on stdout; progress goes to stderr.
import { collectorBinary, buildCollector } from './lib/collector-dist.mjs';

try {
  const binary = (await collectorBinary()) ?? (await buildCollector());
  process.stdout.write(`${binary}\n`);
} catch (error) {
  process.stderr.write(`collector:build failed: ${error.message}\n`);
  process.exitCode = 1;
}
