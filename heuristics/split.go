package heuristics

// DefaultSplitWaves is how many programs per multiprocessor a split
// reduction aims at when the caller gives none.
const DefaultSplitWaves = 4

// Split decides how many chunks a splittable reduction of numel rows of
// rnumel elements is cut into, so that a GPU left mostly idle by few long
// rows gets enough programs (0: leave it whole). inner says the rows are
// contiguous along the reduction. It also returns how many programs the
// reduction would run as unsplit, for the decision log.
func Split(numel, rnumel int64, inner bool, multiProcessors, waves int64) (chunks, programs int64) {
	if multiProcessors <= 0 {
		multiProcessors = DefaultMultiProcessors
	}
	if waves <= 0 {
		waves = DefaultSplitWaves
	}
	target := multiProcessors * waves
	if numel*rnumel < 1<<22 {
		return 0, 0
	}
	var perChunk int64
	if inner {
		if numel >= target/2 || rnumel < 1<<16 {
			return 0, 0
		}
		programs, perChunk = numel, 1
	} else {
		if rnumel < 1024 {
			return 0, 0
		}
		// Pipelined column programs stream their rows at full speed once
		// there is one per multiprocessor.
		programs = CeilDiv(numel, MinOuterXBlock)
		if programs >= multiProcessors {
			return 0, 0
		}
		perChunk = 1
	}
	if programs >= target {
		return 0, 0
	}
	want := CeilDiv(target, programs) * perChunk
	// The smallest divisor of rnumel at or above want, keeping chunks of at
	// least 64 elements.
	for s := want; s <= rnumel/64; s++ {
		if rnumel%s == 0 {
			return s, programs
		}
	}
	return 0, 0
}
