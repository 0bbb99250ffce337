package ir

// Table looks up a graph's buffers and nodes by name in constant time.
// Build it once per graph; it does not see nodes or inputs added later, but
// a node's buffer reflects the node as it is when asked (its dtype may be
// inferred after the table is built).
type Table struct {
	inputs map[string]*Buffer
	nodes  map[string]*Node
}

// NewTable indexes g's inputs and nodes.
func NewTable(g *Graph) *Table {
	t := &Table{inputs: make(map[string]*Buffer, len(g.Inputs)), nodes: make(map[string]*Node, len(g.Nodes))}
	for _, b := range g.Inputs {
		t.inputs[b.Name] = b
	}
	for _, n := range g.Nodes {
		t.nodes[n.Name] = n
	}
	return t
}

// Buffer returns the buffer called name (an input or a node's output), or nil.
func (t *Table) Buffer(name string) *Buffer {
	if b, ok := t.inputs[name]; ok {
		return b
	}
	if n, ok := t.nodes[name]; ok {
		return n.Buffer()
	}
	return nil
}

// Node returns the node called name, or nil.
func (t *Table) Node(name string) *Node { return t.nodes[name] }
