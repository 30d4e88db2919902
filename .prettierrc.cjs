// One style for the whole repository: the Grafana plugin scaffold's settings (grafana-plugin/.config/.prettierrc.js).
module.exports = {
  endOfLine: 'lf',
  printWidth: 120,
  trailingComma: 'es5',
  semi: true,
  jsxSingleQuote: false,
  singleQuote: true,
  useTabs: false,
  tabWidth: 2,
};
