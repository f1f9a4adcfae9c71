'use strict';
// mocha's configuration. Test files named on the command line run alone (mocha
// would add a `spec` given here to them); with none named, the whole suite.
// No `exit: true`: the run must end on its own, and test/support/leaks.js
// fails it, naming them, if handles are still open after the last test.
const named = process.argv.slice(2).some((arg) => /\.test\.[cm]?js$/.test(arg));

module.exports = {
  spec: named ? [] : ['test/**/*.test.js'],
  timeout: 20000,
  require: ['test/support/leaks.js'],
};
