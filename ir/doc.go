// Package ir is fusegen's intermediate representation: dtypes, buffers
// (dtype, shape, strides, storage offset), loop nodes (pointwise and
// reduction, each an expression body whose loads carry index expressions),
// extern nodes (library calls), the elementwise op table, the reduction
// table, the index algebra with its ranges, and validation whose errors
// name the place at fault. It imports no other fusegen package; ops lowers
// PyTorch-named ops to it, and graphfile reads and writes it as JSON.
package ir
