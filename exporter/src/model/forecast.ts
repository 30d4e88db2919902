export * from './forecast/index.js';
