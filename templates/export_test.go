package templates

// FastBails is how many executions the compiled evaluator has given up on.
func FastBails() int64 { return fastBails.Load() }

// SetFastDisabled turns the compiled evaluator off or on.
func SetFastDisabled(off bool) { fastDisabled.Store(off) }
