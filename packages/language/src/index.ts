export * from './flow-module.js';
export * from './builtins.js';
export * as ast from './generated/ast.js';
