'use strict';
// Bundle alias for `xml2js` (scripts/bundle.js), loaded on first use. dbus-next creates an
// xml2js Builder when a bus connects and a Parser for proxy objects; it only uses them to
// answer Introspect for objects exported through dbus-next and to read other services'
// introspection, neither of which the service does (busitem.ts answers Introspect itself).
// xml2js with xmlbuilder and sax is about 40 modules loaded at start for nothing.
let real = null;
// A relative path: the alias would turn a bare 'xml2js' back into this file.
const load = () => real || (real = require('../../node_modules/xml2js/lib/xml2js.js'));
class Builder {
  constructor(options) {
    this.options = options;
  }
  buildObject(object) {
    return new (load().Builder)(this.options).buildObject(object);
  }
}
class Parser {
  constructor(options) {
    return new (load().Parser)(options);
  }
}
module.exports = {
  Builder,
  Parser,
  parseString: (...args) => load().parseString(...args),
  parseStringPromise: (...args) => load().parseStringPromise(...args),
};
