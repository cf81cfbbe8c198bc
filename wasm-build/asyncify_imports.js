// The core calls Binaryen's asyncify.* functions from inside wasm
// (csrc/switch_asyncify.c). The Asyncify pass turns those imports into
// direct calls before the module is ever instantiated; these definitions
// only tell emcc's link step that the symbols are known.
mergeInto(LibraryManager.library, {
  start_unwind: function () { throw new Error('asyncify.start_unwind was not rewritten by Asyncify'); },
  stop_unwind: function () { throw new Error('asyncify.stop_unwind was not rewritten by Asyncify'); },
  start_rewind: function () { throw new Error('asyncify.start_rewind was not rewritten by Asyncify'); },
  stop_rewind: function () { throw new Error('asyncify.stop_rewind was not rewritten by Asyncify'); },
});
