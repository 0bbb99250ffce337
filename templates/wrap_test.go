package templates

import (
	"strings"
	"testing"
)

// Long lines are split as black splits them; the examples are black's own
// output (black 23.1, line length 88).
func TestWrapLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{ // contents on one line of their own
			"def triton_per_fused_sum_0(in_ptr0, out_ptr0, XBLOCK: tl.constexpr, R0_BLOCK: tl.constexpr):",
			"def triton_per_fused_sum_0(\n    in_ptr0, out_ptr0, XBLOCK: tl.constexpr, R0_BLOCK: tl.constexpr\n):",
		},
		{ // one item a line, trailing comma
			`    tmp0 = tl.load(in_ptr0 + (r0_index + 8192 * xindex), r0_mask & xmask, eviction_policy="evict_first", other=0)`,
			"    tmp0 = tl.load(\n        in_ptr0 + (r0_index + 8192 * xindex),\n        r0_mask & xmask,\n        eviction_policy=\"evict_first\",\n        other=0,\n    )",
		},
		{ // a trailer stays on the closing line
			`    tmp9 = tl.load(in_ptr1 + (r0_index), r0_mask & xmask, eviction_policy="evict_last", other=0).to(tl.float32)`,
			"    tmp9 = tl.load(\n        in_ptr1 + (r0_index), r0_mask & xmask, eviction_policy=\"evict_last\", other=0\n    ).to(tl.float32)",
		},
		{ // before + operators
			`        raise TypeError("input x: want torch.float32 on " + str(_device) + ", got " + str(x.dtype) + " on " + str(x.device))`,
			"        raise TypeError(\n            \"input x: want torch.float32 on \"\n            + str(_device)\n            + \", got \"\n            + str(x.dtype)\n            + \" on \"\n            + str(x.device)\n        )",
		},
		{ // parentheses around a return value
			"    return mean_1 + delta * w2_over_w, m2_1 + m2_2 + delta * delta * weight_1 * w2_over_w, new_weight",
			"    return (\n        mean_1 + delta * w2_over_w,\n        m2_1 + m2_2 + delta * delta * weight_1 * w2_over_w,\n        new_weight,\n    )",
		},
		{ // a long condition, before its or
			"    if p_attn_proj_weight.dtype != torch.float32 or p_attn_proj_weight.device != _device_xxxxxxx:",
			"    if (\n        p_attn_proj_weight.dtype != torch.float32\n        or p_attn_proj_weight.device != _device_xxxxxxx\n    ):",
		},
		{"    short = call(a, b)", "    short = call(a, b)"},
		{ // targets that fit on their own line are still exploded: a tuple
			"        _run, _fn, _md, _grid, _i0, _i1, _i2, _c0, _c1, _c2, _c3, _c4, _c5, _c6, _c7 = _v0",
			"        (\n            _run,\n            _fn,\n            _md,\n            _grid,\n            _i0,\n            _i1,\n            _i2,\n            _c0,\n            _c1,\n            _c2,\n            _c3,\n            _c4,\n            _c5,\n            _c6,\n            _c7,\n        ) = _v0",
		},
		{ // a comment's text is never split
			"    x = f(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbb)  # see c, d, e and f, g, h",
			"    x = f(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbb)  # see c, d, e and f, g, h",
		},
		{ // a # inside a string is no comment
			`    raise TypeError("input #1: want torch.float32 on " + str(_device) + ", got " + str(x.dtype) + "!")`,
			"    raise TypeError(\n        \"input #1: want torch.float32 on \"\n        + str(_device)\n        + \", got \"\n        + str(x.dtype)\n        + \"!\"\n    )",
		},
	}
	for _, tt := range tests {
		if got := string(WrapLines([]byte(tt.in))); got != tt.want {
			t.Errorf("WrapLines(%q):\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}
	// A docstring's long line is left alone.
	doc := "    \"\"\"" + strings.Repeat("x", 100) + "\n    \"\"\""
	if got := string(WrapLines([]byte(doc))); got != doc {
		t.Errorf("docstring changed: %q", got)
	}
}
