// Package ops holds the tensor ops with PyTorch's names and semantics
// (broadcasting, type promotion, dim and keepdim), lowered to ir loop and
// extern nodes: the op program (Program, what a graph file or a torch.export
// archive holds), one op table and the elementwise registry, and the Builder,
// which records ops from Go. docs/graph-format.md documents every op.
package ops
