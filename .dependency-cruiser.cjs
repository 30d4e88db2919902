/**
 * `npm run lint:deps` (part of `npm run lint`): the exporter's module graph, type-only imports included.
 * Rules: no import cycle; cli/ and server/ are the entry layers, nothing else imports from them.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'An import cycle: split the shared part into a module both sides import.',
      severity: 'error',
      from: { path: '^exporter/src/' },
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
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // The shared compiler options (NodeNext: './x.js' in a source names './x.ts').
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
