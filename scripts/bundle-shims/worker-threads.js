'use strict';
// Bundle alias for `worker_threads` (scripts/bundle.js). Only pino asks for it (isMainThread,
// and Worker for its transports); the service logs to stdout from its main thread through
// pino's own stream, and never starts a worker. Loading Node's module costs about 1.5 MB of RSS.
class Worker {
  constructor() {
    throw new Error('worker threads are not part of the smallbms bundle');
  }
}
module.exports = { isMainThread: true, parentPort: null, workerData: null, threadId: 0, Worker };
