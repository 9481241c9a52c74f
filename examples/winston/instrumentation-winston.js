// Apps that already use @opentelemetry/instrumentation-winston can keep it next to apitrail:
//   node --require ./examples/winston/instrumentation-winston.js --require @apitrail/auto/register \
//     examples/winston/express.js
// Each logger still sends every record once: apitrail keeps a single OTel bridge per logger.
'use strict';
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { WinstonInstrumentation } = require('@opentelemetry/instrumentation-winston');

registerInstrumentations({ instrumentations: [new WinstonInstrumentation()] });
