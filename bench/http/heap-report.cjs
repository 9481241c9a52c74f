// Preloaded into the soak's server (`--require`): after every major (mark-compact) GC it prints the
// heap V8 kept alive, as `{"heap_after_major_gc":[seconds since start, MiB]}`. RSS alone cannot tell
// a leak from V8 growing its old generation between collections; the live heap after a full
// collection can: a leak makes it climb, a growing allocation limit does not.
'use strict';
const { PerformanceObserver, constants } = require('node:perf_hooks');
const v8 = require('node:v8');

const started = process.hrtime.bigint();
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const mib = v8.getHeapStatistics().used_heap_size / 1048576;
    process.stderr.write(
      `${JSON.stringify({ heap_after_major_gc: [Math.round(seconds), Math.round(mib * 10) / 10] })}\n`,
    );
  }
});
observer.observe({ entryTypes: ['gc'] });
