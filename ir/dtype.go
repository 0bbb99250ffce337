package ir

import "fmt"

// DType is an element type, spelled as PyTorch spells it (torch.<name>).
type DType string

// The element types fusegen knows.
const (
	Bool     DType = "bool"
	Int8     DType = "int8"
	Int16    DType = "int16"
	Int32    DType = "int32"
	Int64    DType = "int64"
	Uint8    DType = "uint8"
	Float16  DType = "float16"
	BFloat16 DType = "bfloat16"
	Float32  DType = "float32"
	Float64  DType = "float64"
)

var dtypeBytes = map[DType]int64{
	Bool: 1, Int8: 1, Int16: 2, Int32: 4, Int64: 8, Uint8: 1,
	Float16: 2, BFloat16: 2, Float32: 4, Float64: 8,
}

// DTypes lists every dtype in a fixed order.
func DTypes() []DType {
	return []DType{Bool, Int8, Int16, Int32, Int64, Uint8, Float16, BFloat16, Float32, Float64}
}

// ParseDType checks that s names a known dtype.
func ParseDType(s string) (DType, error) {
	d := DType(s)
	if _, ok := dtypeBytes[d]; !ok {
		return "", fmt.Errorf("unknown dtype %q (want one of bool, int8, int16, int32, int64, uint8, float16, bfloat16, float32, float64)", s)
	}
	return d, nil
}

// Valid reports whether d is a known dtype.
func (d DType) Valid() bool { _, ok := dtypeBytes[d]; return ok }

// Bytes is the size of one element.
func (d DType) Bytes() int64 { return dtypeBytes[d] }

// IsFloat reports floating-point types.
func (d DType) IsFloat() bool {
	return d == Float16 || d == BFloat16 || d == Float32 || d == Float64
}

// IsInt reports integer types (bool excluded).
func (d DType) IsInt() bool {
	return d == Int8 || d == Int16 || d == Int32 || d == Int64 || d == Uint8
}

// IsHalf reports the 16-bit float types, which kernels compute in float32.
func (d DType) IsHalf() bool { return d == Float16 || d == BFloat16 }

// IntRange is the smallest and largest value of an integer type (int64's
// for any other type).
func (d DType) IntRange() (int64, int64) {
	switch d {
	case Int8:
		return -128, 127
	case Uint8:
		return 0, 255
	case Int16:
		return -32768, 32767
	case Int32:
		return -(1 << 31), 1<<31 - 1
	}
	return -(1 << 63), 1<<63 - 1
}

// Compute is the type arithmetic on d is carried out in inside a kernel:
// half types widen to float32, as Inductor does.
func (d DType) Compute() DType {
	if d.IsHalf() {
		return Float32
	}
	return d
}
