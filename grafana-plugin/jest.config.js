// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    ...base.transform,
    // d3-color 3.1.1 (via @grafana/ui) ships .mjs only; without this jest cannot import it.
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
  // The contract package's TypeScript source (webpack bundles its dist/; jest reads the source).
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^@headroom/contract$': '<rootDir>/../packages/contract/src/index.ts',
    // The contract's sources import './x.js' for './x.ts' (Node ESM); jest resolves them without it.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};
