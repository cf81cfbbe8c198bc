// Imports of the wasm core (emcc --js-library).
mergeInto(LibraryManager.library, {
  // The core calls Binaryen's asyncify.* functions from inside wasm
  // (csrc/switch_asyncify.c). The Asyncify pass rewrites those imports into
  // direct calls before the module is instantiated; these definitions only
  // tell emcc's link step that the symbols exist.
  start_unwind: function () { throw new Error('asyncify.start_unwind was not rewritten'); },
  stop_unwind: function () { throw new Error('asyncify.stop_unwind was not rewritten'); },
  start_rewind: function () { throw new Error('asyncify.start_rewind was not rewritten'); },
  stop_rewind: function () { throw new Error('asyncify.stop_rewind was not rewritten'); },
  // Schedule and channel callbacks, forwarded to the JS wrapper.
  sl_js_on_switch: function (prev, next) {
    if (Module['slOnSwitch']) Module['slOnSwitch'](prev, next);
  },
  sl_js_on_channel: function (ch, t, sending, willblock) {
    if (Module['slOnChannel']) Module['slOnChannel'](ch, t, sending, willblock);
  },
});
