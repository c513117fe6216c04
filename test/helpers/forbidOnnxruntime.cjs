// Preloaded by `npm run test:unit`: unit tests run without onnxruntime (core logic only; graphs
// and models are test/model's), so loading it from a unit test is an error that names the cause.
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'onnxruntime-node') throw new Error('a unit test loaded onnxruntime-node: put tests that run ONNX graphs or models in test/model/');
  return load.call(this, request, ...rest);
};
