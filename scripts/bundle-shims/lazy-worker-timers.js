'use strict';
// Bundle alias for `worker-timers` (scripts/bundle.js), loaded on first use. mqtt.js reads
// its functions at start but calls them only in a browser's web worker (timerVariant
// 'worker'); under Node it uses the native timers. worker-timers brings 30 modules of
// Babel runtime and browser broker code with it.
let real = null;
const load = () => real || (real = require('../../node_modules/worker-timers/build/es5/bundle.js'));
module.exports = {
  setInterval: (...args) => load().setInterval(...args),
  clearInterval: (...args) => load().clearInterval(...args),
  setTimeout: (...args) => load().setTimeout(...args),
  clearTimeout: (...args) => load().clearTimeout(...args),
};
