export * from './flow-module.js';
export * from './builtins.js';
export * as ast from './generated/ast.js';
export * from './compiler/compiler.js';
export * from './compiler/seed-importer.js';
export * from './compiler/flow-generator.js';
export * from './workflow/flow-ignore.js';
