// Package graphfile reads and writes fusegen's JSON graph files: Read and
// Decode give a validated-to-read ir.Graph, Parse and ReadProgram the op
// program as written, Write its canonical form and WriteGraph a graph's
// loop nodes. Errors name the JSON path at fault (nodes[2] "y".dim) and
// refuse unknown fields, fields given twice and files of a newer version.
// docs/graph-format.md is the format's reference, docs/graph.schema.json
// its JSON Schema.
package graphfile
