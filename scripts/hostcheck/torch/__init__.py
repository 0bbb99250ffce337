"""A stand-in for the part of torch a generated module's host code uses:
tensors are shapes, strides and dtypes without data, so that call() runs
on a machine without torch or a GPU (scripts/hostcheck/check.py)."""
import math as _math


class dtype:
    def __init__(self, name, floating):
        self.name, self.is_floating_point = name, floating

    def __repr__(self):
        return "torch." + self.name


float16 = dtype("float16", True)
bfloat16 = dtype("bfloat16", True)
float32 = dtype("float32", True)
float64 = dtype("float64", True)
int8 = dtype("int8", False)
uint8 = dtype("uint8", False)
int16 = dtype("int16", False)
int32 = dtype("int32", False)
int64 = dtype("int64", False)
bool = dtype("bool", False)


class device:
    def __init__(self, spec):
        self.spec = spec

    def __eq__(self, other):
        return isinstance(other, device) and other.spec == self.spec

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return self.spec


def contiguous(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


class Size(tuple):
    pass


class Tensor:
    def __init__(self, shape, stride=None, dtype=float32, dev=None):
        self._shape = Size(shape)
        self._stride = tuple(stride) if stride is not None else contiguous(shape)
        self.dtype = dtype
        self.device = dev or device("cuda:0")

    @property
    def shape(self):
        return self._shape

    def size(self):
        return self._shape

    def stride(self):
        return self._stride

    def dim(self):
        return len(self._shape)

    def numel(self):
        return _math.prod(self._shape)

    def data_ptr(self):
        return 0

    def storage_offset(self):
        return 0

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def view(self, shape):
        return Tensor(shape, None, self.dtype, self.device)

    def to(self, dt):
        return Tensor(self._shape, self._stride, dt, self.device)

    def __getitem__(self, index):
        # only what the checks take: t[:, :-1] style slices of the last dim
        raise NotImplementedError("hostcheck tensors have no data")


def as_strided(t, size, stride, offset=0):
    return Tensor(size, stride, t.dtype, t.device)


def empty(size, dtype=float32, device=None):
    return Tensor(size if isinstance(size, tuple) else (size,), None, dtype)


def empty_strided(size, stride, dtype=float32, device=None):
    return Tensor(size, stride, dtype)


def randn(size, device=None, dtype=float32):
    return Tensor(size, None, dtype)


def randint(low, high, size, device=None, dtype=int64):
    return Tensor(size, None, dtype)


def _product(out, *operands):
    return out


def mm(a, b, out=None):
    return _product(out, a, b)


def bmm(a, b, out=None):
    return _product(out, a, b)


def addmm(c, a, b, beta=1, alpha=1, out=None):
    return _product(out, c, a, b)


def baddbmm(c, a, b, beta=1, alpha=1, out=None):
    return _product(out, c, a, b)


class _Guard:
    def __init__(self, index):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class cuda:
    _DeviceGuard = _Guard

    @staticmethod
    def set_device(index):
        pass

    @staticmethod
    def synchronize():
        pass
