// Emscripten 3.1.6's ES-module output still uses CommonJS's `require` and
// `__dirname` in its Node branch. Provide them from node:module's builtins
// (process.getBuiltinModule, Node >= 20.16); browsers never reach that code.
var require = typeof process === 'object' && process.getBuiltinModule
  ? (name) => process.getBuiltinModule(name)
  : undefined;
var __dirname = '';
