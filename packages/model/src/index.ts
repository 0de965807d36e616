export * from './model.js';
export * from './defaults.js';
export * from './units.js';
export * from './expression.js';
export * from './dependencies.js';
export * from './validate.js';
export * from './key-order.js';
