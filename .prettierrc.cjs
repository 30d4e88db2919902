// One style for the whole repository: the Grafana plugin scaffold's settings, with LF line endings
// everywhere (the scaffold says `auto`, which keeps whatever a file has).
module.exports = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- prettier loads this file as CommonJS
  ...require('./grafana-plugin/.config/.prettierrc.js'),
  endOfLine: 'lf',
};
