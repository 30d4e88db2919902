/**
 * `npm run lint:deps` (part of `npm run lint`): the exporter's module graph, type-only imports included.
 * Rules: no import cycle; cli/ and server/ are the entry layers, nothing else imports from them; the
 * product (exporter/src) never imports the demo (demo/src), which uses the exporter's package exports.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'An import cycle: split the shared part into a module both sides import.',
      severity: 'error',
      from: { path: '^(exporter|demo)/src/' },
      to: { circular: true },
    },
    {
      name: 'entry-layers-are-leaves',
      comment:
        'Only cli/ and server/ import from cli/ and server/; move what others need into the module it belongs to.',
      severity: 'error',
      from: { path: '^exporter/src/', pathNot: '^exporter/src/(cli|server)/' },
      to: { path: '^exporter/src/(cli|server)/' },
    },
    {
      name: 'product-without-demo',
      comment: 'The demo (demo/) is built on the exporter, never the other way round.',
      severity: 'error',
      from: { path: '^exporter/' },
      to: { path: '^demo/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // The shared compiler options (NodeNext: './x.js' in a source names './x.ts').
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
