package ir

// DependencyOrder orders the indices 0..n-1 so that each comes after the
// indices deps returns for it, keeping index order where the dependencies
// allow. On a cycle it returns no order and the indices along the cycle, the
// first repeated at the end. Callers drop the edges they allow, a node's own
// index among them.
func DependencyOrder(n int, deps func(i int) []int) (order, cycle []int) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, n)
	order = make([]int, 0, n)
	var stack []int
	var visit func(i int) bool
	visit = func(i int) bool {
		switch state[i] {
		case done:
			return true
		case visiting:
			for k := len(stack) - 1; k >= 0; k-- {
				if stack[k] == i {
					cycle = append(append([]int{}, stack[k:]...), i)
					break
				}
			}
			return false
		}
		state[i] = visiting
		stack = append(stack, i)
		for _, j := range deps(i) {
			if !visit(j) {
				return false
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = done
		order = append(order, i)
		return true
	}
	for i := range n {
		if !visit(i) {
			return nil, cycle
		}
	}
	return order, nil
}
