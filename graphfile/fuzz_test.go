package graphfile

import (
	"bytes"
	"testing"

	"github.com/fusegen/fusegen/ir"
)

// fuzzGraphSeeds are valid graph documents and broken ones.
var fuzzGraphSeeds = []string{
	sampleGraph,
	fullGraph,
	mixedGraph,
	symbolicGraph,
	symbolicProgram,
	`{"version":1,"name":"e","symbols":{"M":{"hint":4,"min":1,"max":32}},"inputs":[{"name":"a","dtype":"float32","shape":["M",3]},{"name":"b","dtype":"float32","shape":[3,2]}],"nodes":[{"name":"y","kind":"extern","dtype":"float32","ranges":["M",2],"call":{"target":"mm","out_shape":["M",2],"args":[{"buffer":"a","shape":["M",3],"strides":[3,1]},{"buffer":"b","shape":[3,2],"strides":[2,1]}]}}],"outputs":["y"]}`,
	`{"version":1,"name":"a","symbols":{"N":{"hint":8,"min":2,"max":64}},"inputs":[{"name":"x","dtype":"float32","shape":["N",16]}],"nodes":[{"name":"c","op":"aten","target":"aten.cumsum.default","args":["x",1],"dtype":"float32","shape":["N",16],"strides":[16,1]}],"outputs":["c"]}`,
	`{"version":1,"name":"g","symbols":{"S":{"hint":4,"min":1,"max":8}},"inputs":[{"name":"x","dtype":"float32","shape":["S + 1"]}],"nodes":[],"outputs":["x"]}`,
	`{"version":1,"name":"g","symbols":{"S":{"hint":9,"min":1,"max":8}},"inputs":[{"name":"x","dtype":"float32","shape":["2*S"]}],"nodes":[],"outputs":["x"]}`,
	`{"version":1,"name":"o","inputs":[{"name":"x","dtype":"bfloat16","shape":[3,5]},{"name":"t","dtype":"int64","shape":[3]}],"nodes":[{"name":"c","op":"cross_entropy","args":["x","t"]},{"outputs":["a","b"],"op":"chunk","args":["x"],"chunks":2,"dim":1},{"name":"y","op":"cat","args":["b","a"],"dim":-1},{"name":"g","op":"gather","args":["y","i"],"dim":1},{"name":"i","op":"unsqueeze","args":["t"],"dim":1}],"outputs":["c","g"]}`,
	`{"version":1,"name":"s","inputs":[{"name":"a","dtype":"bool","shape":[]}],"nodes":[{"name":"b","kind":"pointwise","ranges":[],"body":{"op":"logical_not","args":[{"op":"load","buffer":"a","index":[]}]}}],"outputs":["b","a"]}`,
	`{"version":1,"name":"idx","inputs":[{"name":"w","dtype":"float16","shape":[10,4]},{"name":"ids","dtype":"int32","shape":[6]}],"nodes":[{"name":"e","kind":"pointwise","ranges":[6,4],"body":{"op":"load","buffer":"w","index":["$0","i1"],"indirect":[{"op":"load","buffer":"ids","index":["i0"]}]}}],"outputs":["e"]}`,
	`{"version":1,"name":"split","inputs":[{"name":"x","dtype":"float32","shape":[6018]}],"nodes":[{"name":"y","kind":"reduction","ranges":[6],"reduction_ranges":[1003],"reduction":"argmax","body":{"op":"load","buffer":"x","index":["1003*((i0*1003 + r0) // 1003 % 6) + (r0 % 1003)"]}}],"outputs":["y"]}`,
	`{"version":1,"name":"c","inputs":[],"nodes":[{"name":"k","kind":"pointwise","ranges":[3],"body":{"op":"where","args":[{"op":"constant","dtype":"bool","value":true},{"op":"index","dtype":"int32","expr":"i0 // 2"},{"op":"cast","dtype":"int32","args":[{"op":"constant","dtype":"float64","value":"-inf"}]}]}}],"outputs":["k"]}`,
	`{"version":1,"name":"e","inputs":[{"name":"a","dtype":"float32","shape":[4,3]},{"name":"b","dtype":"float32","shape":[3,2]}],"nodes":[{"name":"y","kind":"extern","dtype":"float32","ranges":[4,2],"call":{"target":"mm","args":[{"buffer":"a","shape":[4,3],"strides":[3,1]},{"buffer":"b","shape":[3,2],"strides":[2,1]}]}},{"name":"z","kind":"pointwise","ranges":[4,2],"body":{"op":"neg","args":[{"op":"load","buffer":"y","index":["i0","i1"]}]}}],"outputs":["z"]}`,
	`{"version":1,"name":"m","inputs":[{"name":"x","dtype":"float32","shape":[2,3,4]},{"name":"w","dtype":"float32","shape":[5,4]}],"nodes":[{"name":"y","op":"linear","args":["x","w"]},{"name":"z","op":"matmul","args":["x","v"]},{"name":"v","op":"select","args":["w"],"dim":0,"index":1}],"outputs":["y","z"]}`,
	`{"version":1,"name":"a","inputs":[{"name":"x","dtype":"float32","shape":[8,16]}],"nodes":[{"name":"c","op":"aten","target":"aten.cumsum.default","args":["x",1],"dtype":"float32","shape":[8,16]}],"outputs":["c"]}`,
	`{"version":1,"name":"c","inputs":[{"name":"x","dtype":"float32","shape":[1,4,7,7]},{"name":"w","dtype":"float32","shape":[2,2,3,2]}],"nodes":[{"name":"y","op":"conv2d","args":["x","w"],"padding":"same","groups":2,"dilation":[2,1]},{"name":"s","op":"aten","target":"aten.sum.dim_IntList","args":["x",[1],false],"dtype":"float32","shape":[1,7,7]}],"outputs":["y","s"]}`,
	`{"version":1,"name":"gd","symbols":{"S":{"hint":4,"min":1,"max":8}},"inputs":[{"name":"x","dtype":"float32","shape":[2,"S"]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[2,12],"body":{"op":"load","buffer":"x","index":["i0","i1 - 4"],"guards":[{"index":"i1","lo":4,"size":"S"}]}}],"outputs":["y"]}`,
	`{"version":1,"name":"gp","symbols":{"S":{"hint":4,"min":1,"max":8}},"inputs":[{"name":"x","dtype":"float32","shape":[2,"S"]}],"nodes":[{"name":"p","op":"pad","args":["x"],"pad":[1,2]}],"outputs":["p"]}`,
	``,
	`{`,
	`[]`,
	`{"version":2}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":"4"}],"nodes":[],"outputs":["x"]}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[4],"body":{"op":"load","bufer":"x","index":["i0"]}}],"outputs":["y"]}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"x","index":["i0 + 1"]}}],"outputs":["y"]}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[{"name":"a","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"b","index":["i0"]}},{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"a","index":["i0"]}}],"outputs":["a"]}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"int8","shape":[4]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[4],"body":{"op":"add","args":[{"op":"load","buffer":"x","index":["i0"]},{"op":"constant","dtype":"int8","value":300}]}}],"outputs":["y"]}`,
}

// FuzzReadGraph: Read never panics, and whatever it accepts writes, as its op
// program and as its lowered loop nodes, to canonical files that read back
// and write to the same bytes.
func FuzzReadGraph(f *testing.F) {
	for _, s := range fuzzGraphSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Read(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		p, err := ReadProgram(data)
		if err != nil {
			t.Fatalf("ReadProgram refuses what Read accepts: %v", err)
		}
		prog1, err := Write(p)
		if err != nil {
			t.Fatalf("Write of a program ReadProgram accepted: %v", err)
		}
		p2, err := ReadProgram(prog1)
		if err != nil {
			t.Fatalf("written program does not read back: %v\n%s", err, prog1)
		}
		if prog2, err := Write(p2); err != nil || !bytes.Equal(prog1, prog2) {
			t.Fatalf("writing the program is not canonical (%v):\nfirst:\n%s\nsecond:\n%s", err, prog1, prog2)
		}
		out1, err := WriteGraph(g)
		if err != nil {
			t.Fatalf("WriteGraph of a graph ReadGraph accepted: %v", err)
		}
		g2, err := Read(out1)
		if err != nil {
			t.Fatalf("written graph does not read back: %v\n%s", err, out1)
		}
		out2, err := WriteGraph(g2)
		if err != nil {
			t.Fatalf("second WriteGraph: %v", err)
		}
		if !bytes.Equal(out1, out2) {
			t.Fatalf("writing is not canonical:\nfirst:\n%s\nsecond:\n%s", out1, out2)
		}
		if _, err := ir.TopoOrder(g2); err != nil {
			t.Fatalf("TopoOrder of a valid graph: %v", err)
		}
	})
}
