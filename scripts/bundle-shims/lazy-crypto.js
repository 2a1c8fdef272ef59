'use strict';
// Bundle alias for `crypto` (scripts/bundle.js): Node's crypto module loaded on first use.
// dbus-next requires it at start only for DBUS_COOKIE_SHA1 authentication, which a GX never
// uses (EXTERNAL over the system bus socket); loading it costs about 1 MB of RSS.
let real = null;
const load = () => real || (real = require('node:crypto'));
module.exports = new Proxy(
  {},
  {
    get: (_, key) => load()[key],
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true };
    },
  },
);
