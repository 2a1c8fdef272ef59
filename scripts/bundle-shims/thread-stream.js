'use strict';
// Bundle alias for `thread-stream` (scripts/bundle.js): pino's transports run in worker
// threads; the service never uses them (it logs to stdout through pino's own stream).
module.exports = class ThreadStream {
  constructor() {
    throw new Error('pino transports are not part of the smallbms bundle');
  }
};
